/**
 * `npm run demo [-- pattern...]`: synthesizes the app, starts the local runtime on the patterns'
 * stacks, runs their scenarios one after the other with a line per pattern as it goes, and prints a
 * summary table and the resources that are not emulated. Offline; no AWS account. Exit code 1 when
 * a scenario fails, 2 for an unknown pattern. `npx decoupling demo` runs the same.
 */
import { findPattern, PATTERNS } from '../lib/patterns';
import { synthesizeForLocal } from '../local/assembly';
import { startLocalRuntime } from '../local/runtime';
import { localTarget } from '../local/target';
import { SCENARIOS, type ScenarioResult } from '../scenarios';

const RETRY_DELAY_SECONDS = 0;

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /**
   * Patterns to run, by folder name.
   * @default - every pattern
   */
  readonly patterns?: readonly string[];
  /** Where each line goes. */
  readonly log: (line: string) => void;
  /**
   * Ctrl-C: once aborted, no further pattern starts (the running scenario stops between steps and
   * cleans up when its run is interruptible, see `withInterruption`).
   */
  readonly signal?: AbortSignal;
}

/** Runs the demo; resolves to the exit code (0 every scenario passed, 1 one failed). */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { log } = options;
  const started = Date.now();
  const names = options.patterns?.length ? options.patterns : PATTERNS.map((p) => p.name);
  const unknown = names.find((name) => !findPattern(name));
  if (unknown) throw new Error(`unknown pattern ${unknown}: known patterns are ${PATTERNS.map((p) => p.name).join(', ')}`);
  const scenarios = names.map((name) => SCENARIOS[name]);
  log(`synthesizing ${names.join(', ')} (bundling the handlers)...`);
  // A temporary folder: disposed below, and removed by the process's exit however it ends.
  const assembly = synthesizeForLocal({ stacks: scenarios.map((s) => s.stack) });
  const { stacks } = assembly;
  log(`starting the local runtime for ${stacks.map((s) => s.stackName).join(', ')}...`);
  const runtime = await startLocalRuntime({ stacks, retryDelaySeconds: RETRY_DELAY_SECONDS });
  for (const notice of runtime.notices) log(`note: ${notice}`);
  const results: ScenarioResult[] = [];
  try {
    for (const [i, scenario] of scenarios.entries()) {
      if (options.signal?.aborted) {
        log(
          `\ninterrupted: ${scenarios
            .slice(i)
            .map((s) => s.pattern)
            .join(', ')} not started`,
        );
        break;
      }
      const progress = `[${i + 1}/${scenarios.length}] ${scenario.pattern}`;
      log(`\n${progress}: ${scenario.description}`);
      const result = await scenario.run(localTarget(runtime, { retryDelaySeconds: RETRY_DELAY_SECONDS }), { report: log });
      results.push(result);
      log(`${progress} ${verdict(result)} in ${(result.durationMs / 1000).toFixed(1)} s`);
    }
  } finally {
    await runtime.stop();
    assembly.dispose();
  }

  const rows = results.map((r) => [
    r.pattern,
    `${r.steps.filter((s) => s.ok).length}/${r.steps.length}${r.error ? ` ${verdict(r)}` : ''}`,
    String(r.counters.sent),
    String(r.counters.processed),
    String(r.counters.deadLettered),
    `${(r.durationMs / 1000).toFixed(1)} s`,
  ]);
  log(`\n${table(['pattern', 'steps passed', 'sent', 'processed', 'dead-lettered', 'duration'], rows)}`);
  log(`\nnot emulated locally (${runtime.notEmulated.length} resources; see docs/local-runtime.md):`);
  log(
    table(
      ['stack', 'logical id', 'type', 'why'],
      runtime.notEmulated.map((n) => [n.stackName, n.logicalId, n.type, n.reason]),
    ),
  );
  for (const p of runtime.deliveryProblems) log(`\n! ${p.stackName} ${p.logicalId}: cannot deliver: ${p.reason}; ${p.outcome}`);
  for (const r of results.filter((x) => x.error)) {
    log(`\n${r.pattern} ${verdict(r) === 'NOT RUN' ? 'did not run, its local prerequisite is missing' : 'failed'}: ${r.error}`);
  }
  log(`\ndemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return results.some((r) => verdict(r) === 'FAILED') ? 1 : 0;
}

/**
 * A scenario that stopped on a TargetError did not test the pattern: the local target lacks
 * something the pattern needs (the real brokers of amazon-mq), and the error says how to get it.
 */
function verdict(result: ScenarioResult): 'passed' | 'FAILED' | 'NOT RUN' {
  if (!result.error) return 'passed';
  return result.error.startsWith('TargetError') ? 'NOT RUN' : 'FAILED';
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

if (require.main === module) {
  runDemo({ patterns: process.argv.slice(2), log: (line) => console.log(line) }).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`demo: ${error.message.startsWith('unknown pattern') ? error.message : error.stack}`);
      process.exit(2);
    },
  );
}
