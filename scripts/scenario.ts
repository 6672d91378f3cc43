/**
 * `npm run scenario -- <pattern> [--target local|aws] [--stack-name NAME] [--region REGION]`
 *
 * Runs one pattern's scenario against the local runtime (default: synthesizes the app and starts
 * it) or against a deployed stack (outputs from CloudFormation, the default credential chain).
 * Exit codes: 0 passed, 1 the scenario failed, 2 bad arguments or the target cannot be reached.
 */
import { synthesizeForLocal } from '../local/assembly';
import { startLocalRuntime } from '../local/runtime';
import { awsTarget, localTarget, type Target, TargetError } from '../local/target';
import { SCENARIOS, type ScenarioResult } from '../scenarios';

interface Args {
  readonly pattern: string;
  readonly target: 'local' | 'aws';
  readonly stackName?: string;
  readonly region?: string;
}

const USAGE = `usage: npm run scenario -- <pattern> [--target local|aws] [--stack-name NAME] [--region REGION]
patterns: ${Object.keys(SCENARIOS).join(', ')}`;

export function parseArgs(argv: readonly string[]): Args {
  let pattern: string | undefined;
  let target: Args['target'] = 'local';
  let stackName: string | undefined;
  let region: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--target') {
      const v = value();
      if (v !== 'local' && v !== 'aws') throw new UsageError(`--target must be local or aws, got ${v}`);
      target = v;
    } else if (arg === '--stack-name') stackName = value();
    else if (arg === '--region') region = value();
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else if (pattern === undefined) pattern = arg;
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (pattern === undefined) throw new UsageError('which pattern?');
  if (!SCENARIOS[pattern]) throw new UsageError(`no scenario for ${pattern}`);
  if (target === 'local' && (stackName || region)) throw new UsageError('--stack-name and --region apply to --target aws only');
  return { pattern, target, stackName, region };
}

export class UsageError extends Error {}

function print(result: ScenarioResult): void {
  const passed = result.steps.filter((s) => s.ok).length;
  const verdict = result.error ? `FAILED: ${result.error}` : 'PASSED';
  console.log(
    `\n${result.pattern} on ${result.target}: ${verdict}\n  steps ${passed}/${result.steps.length} passed; messages sent ${result.counters.sent}, processed ${result.counters.processed}, dead-lettered ${result.counters.deadLettered}; ${(result.durationMs / 1000).toFixed(1)} s`,
  );
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`scenario: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const scenario = SCENARIOS[args.pattern];
  const report = (line: string) => console.log(line);
  if (args.target === 'aws') {
    const target: Target = awsTarget({
      region: args.region,
      stackNames: args.stackName ? { [scenario.stack]: args.stackName } : undefined,
    });
    try {
      await target.outputs(scenario.stack);
    } catch (error) {
      console.error(`scenario: ${(error as Error).message}`);
      return 2;
    }
    console.log(`${args.pattern} on aws (${args.stackName ?? scenario.stack}): ${scenario.description}`);
    const result = await scenario.run(target, { report, stackName: args.stackName });
    print(result);
    return result.error ? (result.error.startsWith('TargetError') ? 2 : 1) : 0;
  }

  console.log('synthesizing the app...');
  // A temporary folder: disposed below, and removed by the process's exit however it ends.
  const assembly = synthesizeForLocal({ stacks: [scenario.stack] });
  const { stacks } = assembly;
  const retryDelaySeconds = 0;
  const runtime = await startLocalRuntime({
    stacks,
    retryDelaySeconds,
    // SCENARIO_LOGS=1 prints every line the functions log.
    onLog: process.env.SCENARIO_LOGS ? (fn, line) => console.log(`    [${fn}] ${line}`) : undefined,
  });
  try {
    for (const notice of runtime.notices) console.log(`note: ${notice}`);
    console.log(`local runtime up; not emulated (${runtime.notEmulated.length}):`);
    for (const r of runtime.notEmulated) console.log(`  - ${r.logicalId} (${r.type}): ${r.reason}`);
    for (const p of runtime.deliveryProblems) console.log(`  ! ${p.logicalId}: cannot deliver: ${p.reason}; ${p.outcome}`);
    console.log(`${args.pattern} on local: ${scenario.description}`);
    const result = await scenario.run(localTarget(runtime, { retryDelaySeconds }), { report });
    print(result);
    return result.error ? (result.error.startsWith('TargetError') ? 2 : 1) : 0;
  } finally {
    await runtime.stop();
    assembly.dispose();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`scenario: ${error instanceof TargetError ? error.message : (error as Error).stack}`);
      process.exit(2);
    },
  );
}
