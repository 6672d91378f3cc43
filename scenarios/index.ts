import type { Target } from '../local/target';
import type { ScenarioResult } from './scenario';
import { runSnsFanoutScenario, SNS_FANOUT_STACK } from './sns-fanout';
import { runSqsDlqScenario, SQS_DLQ_STACK } from './sqs-dlq';

/** What a scenario needs to run. */
export interface ScenarioOptions {
  readonly report?: (line: string) => void;
  readonly stackName?: string;
}

/** One pattern's scenario. */
export interface ScenarioDefinition {
  readonly pattern: string;
  /** The app's stack id for the pattern. */
  readonly stack: string;
  /** What it proves, in one line. */
  readonly description: string;
  readonly run: (target: Target, options: ScenarioOptions) => Promise<ScenarioResult>;
}

/** Every scenario, by pattern folder name. */
export const SCENARIOS: Readonly<Record<string, ScenarioDefinition>> = {
  'sqs-dlq': {
    pattern: 'sqs-dlq',
    stack: SQS_DLQ_STACK,
    description: 'orders processed exactly once, poison messages dead-lettered after maxReceiveCount, DLQ redriven',
    run: (target, options) => runSqsDlqScenario(target, options),
  },
  'sns-fanout': {
    pattern: 'sns-fanout',
    stack: SNS_FANOUT_STACK,
    description: 'filtered fan-out to queues and Lambda, FIFO order and deduplication, 1 MiB claim check, failure destination',
    run: (target, options) => runSnsFanoutScenario(target, options),
  },
};

export type { ScenarioResult } from './scenario';
