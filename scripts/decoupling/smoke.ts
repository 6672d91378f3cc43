import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { awsTarget, describeAwsError, TargetError, USABLE_STACK_STATUSES } from '../../local/target';
import { SCENARIOS, type ScenarioResult } from '../../scenarios';
import { knownPattern } from './diagram';
import { CliError, type CliIo, EXIT } from './io';

/** `decoupling smoke` options. */
export interface SmokeOptions {
  readonly pattern: string;
  /** The deployed stack's name, when not the pattern's stack id. */
  readonly stackName?: string;
  readonly region?: string;
}

/**
 * `decoupling smoke <pattern>`: preflight checks (region, credentials, the stack's status, the outputs
 * the scenario reads), then the pattern's scenario against the deployed stack, which removes the test
 * data it created when it ends.
 */
export async function smokeCommand(options: SmokeOptions, io: CliIo): Promise<number> {
  const scenario = SCENARIOS[knownPattern(options.pattern)];
  const stackName = options.stackName ?? scenario.stack;
  const say = (line: string) => io.out.write(`${line}\n`);

  const cloudformation = new CloudFormationClient(options.region ? { region: options.region } : {});
  let region: string;
  try {
    region = await cloudformation.config.region();
  } catch {
    throw new CliError('no AWS region: set AWS_REGION, configure one for your profile, or pass --region', EXIT.target);
  }
  say(`✓ region ${region}`);
  try {
    await cloudformation.config.credentials();
  } catch (error) {
    throw new CliError(
      `no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (${(error as Error).message})`,
      EXIT.target,
    );
  }
  say('✓ credentials');
  let outputs: Record<string, string>;
  try {
    const stack = (await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    const status = stack?.StackStatus ?? 'UNKNOWN';
    const problem = stackStatusProblem(status, scenario.stack);
    if (problem) throw new CliError(`stack ${stackName} is ${status}: ${problem}`, EXIT.target);
    say(`✓ stack ${stackName} ${status}`);
    outputs = Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey as string, o.OutputValue as string]));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(describeAwsError(error, stackName, region).message, EXIT.target);
  } finally {
    cloudformation.destroy();
  }
  const optional = new Set(scenario.optionalOutputs ?? []);
  const missing = scenario.outputs.filter((key) => !optional.has(key) && (outputs[key] === undefined || outputs[key] === ''));
  if (missing.length) {
    throw new CliError(
      `stack ${stackName} has no output ${missing.join(', ')}: redeploy it with this version of the app (npx cdk deploy ${scenario.stack})`,
      EXIT.target,
    );
  }
  const present = scenario.outputs.filter((key) => outputs[key] !== undefined && outputs[key] !== '').length;
  say(`✓ ${present} outputs the scenario reads`);

  say(`\n${scenario.pattern} on aws (${stackName}): ${scenario.description}`);
  const aws = awsTarget({ region, stackNames: options.stackName ? { [scenario.stack]: options.stackName } : undefined });
  // The outputs just checked, so that the scenario reads the stack the preflight accepted.
  const target = { ...aws, outputs: async (name: string) => (name === scenario.stack || name === stackName ? outputs : aws.outputs(name)) };
  const result = await scenario.run(target, { report: say, stackName: options.stackName, signal: io.signal });
  const passed = result.steps.filter((s) => s.ok).length;
  const interrupted = io.signal?.aborted === true;
  const verdict = interrupted ? 'INTERRUPTED' : result.error ? `FAILED: ${result.error}` : 'PASSED';
  say(`\n${result.pattern} on aws: ${verdict}; steps ${passed}/${result.steps.length}; ${(result.durationMs / 1000).toFixed(1)} s`);
  const left = leftBehind(result);
  if (left) say(left);
  if (interrupted) return EXIT.interrupted;
  if (!result.error) return EXIT.ok;
  return result.error.startsWith(`${TargetError.name}:`) || result.error.startsWith('TargetError') ? EXIT.target : EXIT.failed;
}

/** Why a stack in `status` cannot be smoke-tested, in a few words with what to do; undefined when it can. */
export function stackStatusProblem(status: string, stackId: string): string | undefined {
  if (USABLE_STACK_STATUSES.includes(status)) return undefined;
  const deploy = `npx cdk deploy ${stackId}`;
  if (status === 'REVIEW_IN_PROGRESS') return `a change set was created but never executed: deploy it (${deploy})`;
  if (status.endsWith('_IN_PROGRESS')) return 'an operation is under way: run smoke again when the stack reaches a COMPLETE state';
  if (status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED') {
    return `its first deploy failed and was rolled back, so it has no resources: delete it and deploy again (npx cdk destroy ${stackId}, then ${deploy})`;
  }
  if (status.startsWith('DELETE_')) return `it was deleted, or is being deleted: deploy it again (${deploy})`;
  if (status.endsWith('_FAILED')) {
    return `an operation failed and left it in an unknown state: see its events in the CloudFormation console, fix the cause, then ${deploy}`;
  }
  return `not a state smoke can use (it needs one of ${USABLE_STACK_STATUSES.join(', ')})`;
}

/**
 * One line naming the test data a run could not remove from the deployed stack (its failed cleanups),
 * or undefined when every cleanup ran. It does not change the exit code: the scenario's verdict
 * stands, but the user has data to remove.
 */
export function leftBehind(result: Pick<ScenarioResult, 'cleaned'>): string | undefined {
  const failed = result.cleaned.filter((c) => !c.ok);
  if (failed.length === 0) return undefined;
  return `warning: test data left in the stack: ${failed.map((c) => `${c.what} (${c.detail})`).join('; ')}`;
}
