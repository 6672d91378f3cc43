// What a submitted AWS Batch job runs with: its definition's settings with the SubmitJob request's
// parameters, container overrides, retry strategy, timeout and tags (`Ref::` parameters substituted
// into the command), and the environment each attempt's process gets.
import type { Job } from './job';
import { BatchError } from './rest-endpoint';
import { normalizeRetryStrategy } from './retry';
import type { ExitRule, JobDefinitionSpec, RetryStrategy } from './specs';

/** A job's settings: the definition's, with what the SubmitJob request overrides. */
export interface JobSettings {
  readonly parameters: Record<string, string>;
  readonly command: string[];
  readonly environment: Record<string, string>;
  readonly retryStrategy: RetryStrategy;
  readonly attemptDurationSeconds?: number;
  readonly tags: Record<string, string>;
}

/** Replaces each `Ref::name` argument with the parameter's value; unknown placeholders stay as they are (as in AWS Batch). */
export function substituteParameters(command: readonly string[], parameters: Readonly<Record<string, string>>): string[] {
  return command.map((arg) => {
    const match = /^Ref::(.+)$/.exec(arg);
    return match && parameters[match[1]] !== undefined ? parameters[match[1]] : arg;
  });
}

/** The settings of a job of `definition` submitted with `input`, checked as SubmitJob checks them. */
export function jobSettings(definition: JobDefinitionSpec, input: Record<string, unknown>): JobSettings {
  const parameters = { ...definition.parameters, ...stringRecord(input.parameters, 'parameters') };
  const overrides = (input.containerOverrides ?? {}) as { command?: string[]; environment?: Array<{ name: string; value: string }> };
  const environment = { ...definition.environment };
  for (const variable of overrides.environment ?? []) {
    if (variable.name.startsWith('AWS_BATCH'))
      throw new BatchError('ClientException', `environment variable ${variable.name}: names starting with AWS_BATCH are reserved`);
    environment[variable.name] = String(variable.value);
  }
  const retry = input.retryStrategy as { attempts?: number; evaluateOnExit?: ExitRule[] } | undefined;
  const retryStrategy = retry ? normalizeRetryStrategy(retry) : definition.retryStrategy;
  const timeout = (input.timeout as { attemptDurationSeconds?: number } | undefined)?.attemptDurationSeconds;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 60)) {
    throw new BatchError('ClientException', 'timeout.attemptDurationSeconds must be at least 60');
  }
  return {
    parameters,
    command: substituteParameters(overrides.command ?? definition.command, parameters),
    environment,
    retryStrategy,
    attemptDurationSeconds: timeout ?? definition.attemptDurationSeconds,
    tags: stringRecord(input.tags, 'tags'),
  };
}

/**
 * The environment of an attempt's process: the SDK pointed at the local emulators, the job's
 * environment, the node_modules it resolves from, and the variables AWS Batch sets.
 */
export function attemptEnvironment(
  job: Job,
  attemptNumber: number,
  computeEnvironmentName: string,
  local: { awsEnvironment(): Record<string, string>; readonly nodePath: string },
): Record<string, string> {
  return {
    ...local.awsEnvironment(),
    ...job.environment,
    NODE_PATH: local.nodePath,
    PATH: process.env.PATH ?? '',
    AWS_BATCH_JOB_ID: job.jobId,
    AWS_BATCH_JOB_ATTEMPT: String(attemptNumber),
    AWS_BATCH_JQ_NAME: job.queue.name,
    AWS_BATCH_CE_NAME: computeEnvironmentName,
  };
}

function stringRecord(value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new BatchError('ClientException', `${what} must be a map of strings`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}
