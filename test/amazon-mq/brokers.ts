import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { brokersStateDir } from '../../local/mq/local-brokers';

/**
 * Whether scripts/brokers.sh runs the local brokers (its state file exists and the processes it recorded
 * are alive), decided synchronously so that a test file can choose `describe` or `describe.skip`.
 * `REQUIRE_BROKERS=1` (set by `npm run test:brokers`) turns missing brokers into a failure instead.
 */
export function brokersRunning(): boolean {
  const file = path.join(brokersStateDir(), 'brokers.json');
  if (!existsSync(file)) return false;
  const state = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { pidFile?: string }>;
  return Object.values(state).every((broker) => {
    try {
      const pid = Number(readFileSync(String(broker.pidFile), 'utf8').trim());
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}

/** `describe` when the brokers run; otherwise `describe.skip`, saying what was skipped and how to run it. */
export function describeWithBrokers(what: string): jest.Describe {
  if (brokersRunning()) return describe;
  if (process.env.REQUIRE_BROKERS === '1') {
    throw new Error(`${what} need the local brokers, which are not running: start them with scripts/brokers.sh start`);
  }
  process.stderr.write(
    `\nskipped: ${what} (no local RabbitMQ and ActiveMQ running). Run them with: scripts/brokers.sh start && npm run test:brokers\n`,
  );
  return describe.skip;
}
