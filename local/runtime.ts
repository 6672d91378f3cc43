import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type ResolveContext, resolve } from './intrinsics';
import type { AsyncInvoker } from './lambda/async-invoker';
import type { LocalFunction } from './lambda/local-function';
import { resolveLocalhostNames } from './localhost-dns';
import { SERVICES } from './services';
import type { LambdaService } from './services/lambda';
import type {
  Created,
  DeliveryProblem,
  LocalEventSource,
  LocalService,
  NotEmulated,
  ResourceInput,
  ServiceHost,
  StackContext,
} from './services/service';
import { creationOrder, type Template } from './template';

export type { DeliveryProblem, NotEmulated } from './services/service';

/** The account id of every local ARN (fauxqs's fixed account). */
export const LOCAL_ACCOUNT_ID = '000000000000';
/** The region of every local ARN and endpoint. */
export const LOCAL_REGION = 'us-east-1';

/** One stack of a cloud assembly: its name, template, and the folder its assets are in. */
export interface StackInput {
  readonly stackName: string;
  readonly template: Template;
  /** The cloud assembly folder (assets are `asset.<hash>` folders in it). */
  readonly assemblyDir: string;
}

/** Options of {@link startLocalRuntime}. */
export interface LocalRuntimeOptions {
  /** The stacks to run. */
  readonly stacks: readonly StackInput[];
  /**
   * Seconds before failed work is retried: a failed SQS record is visible again (AWS: the queue's
   * visibility timeout), an asynchronous invocation is attempted again (AWS: about 1 and 2 minutes).
   * @default 0
   */
  readonly retryDelaySeconds?: number;
  /**
   * Concurrent pollers per SQS event source when the template sets no maximum concurrency.
   * @default 5
   */
  readonly defaultMaxConcurrency?: number;
  /**
   * Runs scheduled work on its schedule once every stack is wired: Active scheduled AppFlow flows
   * with a `rate()` expression run at start and then at each interval, as after activation on AWS.
   * @default false - scheduled flows never run (StartFlow only activates them)
   */
  readonly runSchedules?: boolean;
  /** Receives every line a function logs. */
  readonly onLog?: (functionName: string, line: string) => void;
  /** Receives background errors (a poller that could not reach the emulator). */
  readonly onError?: (error: Error) => void;
}

/** The endpoints and credentials that SDK v3 clients need to reach the local runtime. */
export interface LocalEndpoints {
  readonly region: string;
  readonly sqs: string;
  readonly sns: string;
  readonly s3: string;
  readonly dynamodb: string;
  readonly logs: string;
  readonly sfn: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Every local endpoint by service name (the ones above and those of later services). */
  readonly services: Readonly<Record<string, string>>;
}

/** A running local environment. */
export interface LocalRuntime {
  readonly endpoints: LocalEndpoints;
  /** Resources listed by logical id and type, with the reason they are not emulated. */
  readonly notEmulated: readonly NotEmulated[];
  /** The stack's outputs, resolved to local names, URLs and ARNs. */
  outputs(stackName: string): Record<string, string>;
  /** The local functions by `<stack>/<logicalId>`. */
  readonly functions: ReadonlyMap<string, LocalFunction>;
  /** The asynchronous invokers (S3, SNS and destination targets) by `<stack>/<logicalId>` of the function. */
  readonly asyncInvokers: ReadonlyMap<string, AsyncInvoker>;
  /** The event source mappings by `<stack>/<logicalId>` (SQS mappings are `SqsEventSource`s). */
  readonly eventSources: ReadonlyMap<string, LocalEventSource>;
  /** Every line the functions logged, in order. */
  readonly logs: ReadonlyArray<{ readonly functionName: string; readonly line: string }>;
  /** Subscriptions SNS cannot deliver to (a key or permission that does not allow it), and what happens instead. */
  readonly deliveryProblems: readonly DeliveryProblem[];
  /** What the runtime wants its user to know once (for example that it runs functions on another Node.js major). */
  readonly notices: readonly string[];
  stop(): Promise<void>;
}

const SECURITY_TYPES = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::KMS::Key',
  'AWS::KMS::Alias',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::S3::BucketPolicy',
  'AWS::Lambda::Permission',
]);
const OBSERVABILITY_TYPES = new Set([
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::Logs::LogGroup',
  'AWS::EC2::FlowLog',
  'AWS::XRay::Group',
]);
const FRAMEWORK_TYPES = new Set(['Custom::S3AutoDeleteObjects', 'Custom::VpcRestrictDefaultSG', 'Custom::LogRetention']);

/** Why a resource type is not emulated. */
export function notEmulatedReason(type: string): string {
  if (SECURITY_TYPES.has(type)) return 'security policy or key: accepted, not enforced locally';
  if (OBSERVABILITY_TYPES.has(type)) return 'observability: not emulated (function logs are served by the local CloudWatch Logs endpoint)';
  if (FRAMEWORK_TYPES.has(type)) return 'CDK custom resource for deployment housekeeping: nothing to do locally';
  if (type === 'AWS::CDK::Metadata') return 'CDK metadata: nothing to run';
  return 'not emulated by the local runtime';
}

/** Reads the stacks of a synthesized cloud assembly folder (manifest.json and templates). */
export function readAssembly(assemblyDir: string): StackInput[] {
  const manifest = JSON.parse(readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
  };
  return Object.entries(manifest.artifacts)
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([id, a]) => ({
      stackName: a.properties?.stackName ?? id,
      template: JSON.parse(readFileSync(path.join(assemblyDir, a.properties?.templateFile ?? `${id}.template.json`), 'utf8')) as Template,
      assemblyDir,
    }));
}

/**
 * Starts a local environment for the stacks of a synthesized cloud assembly: every service of
 * `local/services/` starts (SQS, SNS and S3 on fauxqs, DynamoDB, Lambda, CloudWatch Logs, Step
 * Functions...), each resource is created by the service that declares its type, in dependency
 * order, and each service then wires what needs every resource of a stack (subscriptions, event
 * sources). Every resource no service creates is listed in `notEmulated`; an expression that cannot
 * be resolved is an error naming the resource and the expression.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  resolveLocalhostNames();
  const core = new Core(options);
  try {
    await core.startServices();
    for (const stack of options.stacks) await core.createStack(stack);
    for (const service of core.started) service.run?.();
  } catch (error) {
    await core.stop();
    throw error;
  }
  const lambda = core.host.service<LambdaService>('lambda');
  return {
    endpoints: core.endpoints(),
    notEmulated: core.notEmulated,
    functions: lambda.functions,
    asyncInvokers: lambda.asyncInvokers,
    eventSources: lambda.eventSources,
    logs: lambda.logs,
    deliveryProblems: core.deliveryProblems,
    notices: core.notices(),
    outputs: (stackName) => core.outputsOf(stackName),
    stop: () => core.stop(),
  };
}

/** The runtime's core: the services, what they share, the stacks' identities, and the lifecycle. */
class Core {
  public readonly started: LocalService[] = [];
  public readonly notEmulated: NotEmulated[] = [];
  public readonly deliveryProblems: DeliveryProblem[] = [];
  public readonly host: ServiceHost;
  private readonly outputs = new Map<string, Record<string, string>>();
  private readonly shared = new Map<string, { value: Promise<unknown>; stop: (value: never) => Promise<void> }>();
  private stopping?: Promise<void>;

  public constructor(options: LocalRuntimeOptions) {
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const byName = (name: string) => this.started.find((s) => s.name === name);
    this.host = {
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      credentials,
      settings: {
        retryDelaySeconds: options.retryDelaySeconds ?? 0,
        defaultMaxConcurrency: options.defaultMaxConcurrency ?? 5,
        runSchedules: options.runSchedules ?? false,
        onLog: options.onLog,
        onError: options.onError,
      },
      clientConfig: (endpoint) => ({ region: LOCAL_REGION, endpoint, credentials }),
      awsEnvironment: () => ({
        AWS_REGION: LOCAL_REGION,
        AWS_DEFAULT_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        ...Object.fromEntries(
          this.started
            .filter((s) => s.endpoint && s.endpointVariable)
            .map((s) => [`AWS_ENDPOINT_URL_${s.endpointVariable}`, s.endpoint as string]),
        ),
      }),
      service: <T extends LocalService>(name: string) => {
        const found = byName(name);
        if (!found) throw new Error(`the local ${name} service is not running`);
        return found as T;
      },
      services: () => this.started,
      deliver: async (arn, payload) => {
        const owner = this.started.find((s) => s.owns?.(arn) && s.deliver);
        if (!owner?.deliver) throw new Error(`delivery target ${arn} is not emulated locally`);
        await owner.deliver(arn, payload);
      },
      shared: <T>(key: string, start: () => Promise<T>, stop: (value: T) => Promise<void>) => {
        let entry = this.shared.get(key);
        if (!entry) {
          entry = { value: start(), stop: stop as (value: never) => Promise<void> };
          this.shared.set(key, entry);
        }
        return entry.value as Promise<T>;
      },
      reportDeliveryProblem: (problem) => this.deliveryProblems.push(problem),
      onError: (error) => options.onError?.(error),
    };
  }

  /** Starts every service; when one fails, the ones that started are stopped by the caller. */
  public async startServices(): Promise<void> {
    const results = await Promise.allSettled(SERVICES.map((module) => module.start(this.host)));
    for (const result of results) if (result.status === 'fulfilled') this.started.push(result.value);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Creates the resources of a stack in dependency order, then lets each service wire the stack. */
  public async createStack(stack: StackInput): Promise<void> {
    const { template, stackName } = stack;
    const created = new Map<string, Created>();
    const resolveContext: ResolveContext = {
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      partition: 'aws',
      stackName,
      stackId: `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stack/${stackName}/local`,
      urlSuffix: 'amazonaws.com',
      mappings: template.Mappings,
      ref: (id) => created.get(id)?.ref,
      getAtt: (id, attribute) => created.get(id)?.attributes[attribute],
      parameter: (name) => template.Parameters?.[name]?.Default,
      typeOf: (id) => template.Resources[id]?.Type,
    };
    const context: StackContext = {
      stackName,
      template,
      assemblyDir: stack.assemblyDir,
      resolveContext,
      resolve: (value, where) => this.localize(resolve(value, resolveContext, where)),
      list: (logicalId, type, reason) => this.notEmulated.push({ stackName, logicalId, type, reason: reason ?? notEmulatedReason(type) }),
    };
    for (const logicalId of creationOrder(template)) {
      const resource = template.Resources[logicalId];
      const physicalName = `${stackName}-${logicalId}`.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 64);
      const service = this.started.find((s) => s.resourceTypes.includes(resource.Type));
      if (resource.Type !== 'AWS::CDK::Metadata' && resource.Condition)
        throw new Error(`${stackName}: ${logicalId} has a Condition, which the local runtime does not evaluate`);
      if (!service?.create) {
        context.list(logicalId, resource.Type);
        if (resource.Type !== 'AWS::CDK::Metadata') created.set(logicalId, syntheticIdentity(resource.Type, physicalName));
        continue;
      }
      const at = (property: string) => `${stackName}: Resources.${logicalId}.Properties.${property}`;
      const input: ResourceInput = {
        stack: context,
        logicalId,
        resource,
        physicalName,
        prop: (name) => (resource.Properties?.[name] === undefined ? undefined : context.resolve(resource.Properties[name], at(name))),
        resolveAt: (value, property) => context.resolve(value, at(property)),
        refuse: (names) => {
          const used = names.find((name) => resource.Properties?.[name] !== undefined);
          if (used) throw new Error(`${stackName}: ${logicalId} (${resource.Type}) uses ${used}, which the local runtime does not emulate`);
        },
        list: (reason) => context.list(logicalId, resource.Type, reason),
      };
      created.set(logicalId, (await service.create(input)) ?? syntheticIdentity(resource.Type, physicalName));
    }
    for (const service of this.started) await service.wire?.(context);
    const outputs: Record<string, string> = {};
    for (const [id, output] of Object.entries(template.Outputs ?? {})) {
      outputs[id] = String(context.resolve(output.Value, `${stackName}: Outputs.${id}.Value`));
    }
    this.outputs.set(stackName, outputs);
  }

  /** A resolved value with every string that names a service's AWS endpoint replaced by its local one (`LocalService.localUrl`). */
  private localize(value: unknown): unknown {
    if (typeof value === 'string') {
      for (const service of this.started) {
        const local = service.localUrl?.(value);
        if (local !== undefined) return local;
      }
      return value;
    }
    if (Array.isArray(value)) return value.map((item) => this.localize(item));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.localize(item)]));
    }
    return value;
  }

  public outputsOf(stackName: string): Record<string, string> {
    const found = this.outputs.get(stackName);
    if (!found) throw new Error(`stack ${stackName} is not running locally; running: ${[...this.outputs.keys()].join(', ') || 'none'}`);
    return found;
  }

  public endpoints(): LocalEndpoints {
    const services = Object.fromEntries(this.started.filter((s) => s.endpoint).map((s) => [s.name, s.endpoint as string]));
    const { sqs, sns, s3, dynamodb, logs, sfn } = services;
    return { region: LOCAL_REGION, sqs, sns, s3, dynamodb, logs, sfn, credentials: this.host.credentials, services };
  }

  /** Notices for the user: functions whose Node.js major differs from the one the runtime runs them on. */
  public notices(): string[] {
    const here = Number(process.versions.node.split('.')[0]);
    const majors = new Set(
      [...this.host.service<LambdaService>('lambda').functions.values()]
        .map((f) => Number(/^nodejs(\d+)/.exec(f.spec.runtime)?.[1]))
        .filter((major) => Number.isInteger(major) && major !== here),
    );
    return [...majors].map(
      (major) => `functions declare nodejs${major}.x; the local runtime runs them on this process's Node.js ${process.versions.node}`,
    );
  }

  /** Drains then stops every service in reverse start order, then what they shared. Idempotent. */
  public stop(): Promise<void> {
    this.stopping ??= (async () => {
      const reversed = [...this.started].reverse();
      for (const service of reversed) await service.drain?.().catch((error: Error) => this.host.onError(error));
      for (const service of reversed) await service.stop().catch((error: Error) => this.host.onError(error));
      await Promise.allSettled([...this.shared.values()].map(async (entry) => entry.stop((await entry.value) as never)));
    })();
    return this.stopping;
  }
}

/** Ref and Arn for a resource the runtime does not emulate, so that references to it still resolve. */
function syntheticIdentity(type: string, physical: string): Created {
  const service = type.split('::')[1]?.toLowerCase() ?? 'unknown';
  const arn = `arn:aws:${service}:${service === 'iam' ? '' : LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${physical}`;
  return { ref: type === 'AWS::SNS::Topic' ? arn : physical, attributes: { Arn: arn } };
}
