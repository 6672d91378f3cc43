import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { LocalRuntime } from './runtime';

/**
 * The services a scenario talks to, by the local runtime's service names (`LocalEndpoints.services`);
 * on AWS each is the SDK's default endpoint.
 */
export type Service =
  | 'sqs'
  | 'sns'
  | 's3'
  | 'dynamodb'
  | 'logs'
  | 'sfn'
  | 'lambda'
  | 'events'
  | 'batch'
  | 'secretsmanager'
  | 'apigateway'
  | 'appflow'
  | 'mq';

/** What an SDK v3 client needs to reach a target (spread into the client's constructor). */
export interface ClientConfig {
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly forcePathStyle?: boolean;
}

/**
 * Where a scenario runs: the local runtime or a deployed stack. A scenario reaches a stack only
 * through its outputs and SDK v3 clients configured by the target, so one file runs on both.
 */
export interface Target {
  readonly name: 'local' | 'aws';
  /** The stack's CloudFormation outputs. */
  outputs(stackName: string): Promise<Record<string, string>>;
  /** SDK v3 client configuration for a service. */
  clientConfig(service: Service): ClientConfig;
  /** Seconds before a record that failed processing is received again, for a queue's visibility timeout. */
  retrySeconds(visibilityTimeoutSeconds: number): number;
  /** Seconds a poll-process-retry cycle can take beyond the retry delay (polling latency, cold starts). */
  readonly cycleSeconds: number;
  /** Extra seconds to allow for any asynchronous outcome (log delivery, pollers scaling up). */
  readonly slackSeconds: number;
}

/** A problem with the target itself (credentials, stack, outputs), reported as one line. */
export class TargetError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'TargetError';
  }
}

/** A target backed by a running {@link LocalRuntime}. */
export function localTarget(runtime: LocalRuntime, options: { retryDelaySeconds: number; slackSeconds?: number }): Target {
  const { endpoints } = runtime;
  const base = { region: endpoints.region, credentials: endpoints.credentials };
  const endpointOf = (service: Service): string => {
    const endpoint = endpoints.services[service];
    if (!endpoint) throw new TargetError(`the local runtime has no ${service} endpoint`);
    return endpoint;
  };
  return {
    name: 'local',
    outputs: async (stackName) => {
      try {
        return runtime.outputs(stackName);
      } catch (error) {
        throw new TargetError((error as Error).message);
      }
    },
    clientConfig: (service) => ({ ...base, endpoint: endpointOf(service) }),
    retrySeconds: () => options.retryDelaySeconds,
    cycleSeconds: 0.5,
    slackSeconds: options.slackSeconds ?? 5,
  };
}

/** The states in which a stack's resources are all in place and usable (a rolled-back update keeps the previous ones). */
export const USABLE_STACK_STATUSES: readonly string[] = [
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
];

/** A target backed by a deployed stack: outputs from DescribeStacks, the default credential chain. */
export function awsTarget(options: { region?: string; stackNames?: Record<string, string> } = {}): Target {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const cloudformation = new CloudFormationClient(region ? { region } : {});
  return {
    name: 'aws',
    outputs: async (stackName) => {
      const name = options.stackNames?.[stackName] ?? stackName;
      try {
        const response = await cloudformation.send(new DescribeStacksCommand({ StackName: name }));
        const stack = response.Stacks?.[0];
        if (!stack) throw new TargetError(`stack ${name} not found`);
        if (!USABLE_STACK_STATUSES.includes(stack.StackStatus ?? '')) {
          throw new TargetError(`stack ${name} is ${stack.StackStatus}: deploy it first (npx cdk deploy ${stackName})`);
        }
        return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey as string, o.OutputValue as string]));
      } catch (error) {
        throw describeAwsError(error, name, region);
      }
    },
    clientConfig: () => (region ? { region } : {}),
    retrySeconds: (visibility) => visibility,
    cycleSeconds: 30,
    slackSeconds: 180,
  };
}

/** One-line messages for the usual reasons a deployed stack cannot be reached. */
export function describeAwsError(error: unknown, stackName: string, region: string | undefined): TargetError {
  if (error instanceof TargetError) return error;
  const e = error as Error & { name?: string };
  const where = region ? ` in ${region}` : '';
  if (e.name === 'CredentialsProviderError' || /credential/i.test(e.message ?? '')) {
    return new TargetError(`no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (${e.message})`);
  }
  if (/Region is missing/i.test(e.message ?? '')) return new TargetError('no AWS region: set AWS_REGION or pass --region');
  if (e.name === 'ValidationError' && /does not exist/.test(e.message ?? '')) {
    return new TargetError(`stack ${stackName} not found${where}: deploy it (npx cdk deploy) or pass --stack-name`);
  }
  return new TargetError(`cannot read stack ${stackName}${where}: ${e.name ?? 'Error'}: ${e.message}`);
}

/** An output the scenario needs, or a one-line error naming it. */
export function requireOutput(outputs: Record<string, string>, stackName: string, key: string): string {
  const value = outputs[key];
  if (value === undefined || value === '') {
    throw new TargetError(`stack ${stackName} has no output ${key}: redeploy it with this version of the app`);
  }
  return value;
}
