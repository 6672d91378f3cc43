/**
 * `npm run demo`: synthesizes the app, starts the local runtime on every stack, runs every scenario
 * that can run locally, and prints a summary table and the resources that are not emulated.
 * Offline; no AWS account. Exit code 1 when a scenario fails.
 */
import { synthesizeForLocal } from '../local/assembly';
import { startLocalRuntime } from '../local/runtime';
import { localTarget } from '../local/target';
import { SCENARIOS, type ScenarioResult } from '../scenarios';

const RETRY_DELAY_SECONDS = 0;

async function main(): Promise<number> {
  const started = Date.now();
  console.log('synthesizing the app (bundling the handlers)...');
  // A temporary folder: disposed below, and removed by the process's exit however it ends.
  const assembly = synthesizeForLocal();
  const { stacks } = assembly;
  console.log(`starting the local runtime for ${stacks.map((s) => s.stackName).join(', ')}...`);
  const runtime = await startLocalRuntime({ stacks, retryDelaySeconds: RETRY_DELAY_SECONDS });
  for (const notice of runtime.notices) console.log(`note: ${notice}`);
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of Object.values(SCENARIOS)) {
      console.log(`\n${scenario.pattern}: ${scenario.description}`);
      results.push(
        await scenario.run(localTarget(runtime, { retryDelaySeconds: RETRY_DELAY_SECONDS }), { report: (line) => console.log(line) }),
      );
    }
  } finally {
    await runtime.stop();
    assembly.dispose();
  }

  const rows = results.map((r) => [
    r.pattern,
    `${r.steps.filter((s) => s.ok).length}/${r.steps.length}${r.error ? ' FAILED' : ''}`,
    String(r.counters.sent),
    String(r.counters.processed),
    String(r.counters.deadLettered),
    `${(r.durationMs / 1000).toFixed(1)} s`,
  ]);
  console.log(`\n${table(['pattern', 'steps passed', 'sent', 'processed', 'dead-lettered', 'duration'], rows)}`);
  console.log(`\nnot emulated locally (${runtime.notEmulated.length} resources; see docs/local-runtime.md):`);
  console.log(
    table(
      ['stack', 'logical id', 'type', 'why'],
      runtime.notEmulated.map((n) => [n.stackName, n.logicalId, n.type, n.reason]),
    ),
  );
  for (const p of runtime.deliveryProblems) console.log(`\n! ${p.stackName} ${p.logicalId}: SNS cannot deliver: ${p.reason}; ${p.outcome}`);
  for (const failed of results.filter((r) => r.error)) console.log(`\n${failed.pattern} failed: ${failed.error}`);
  console.log(`\ndemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return results.some((r) => r.error) ? 1 : 0;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`demo: ${(error as Error).stack}`);
    process.exit(2);
  },
);
