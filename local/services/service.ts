import type { ResolveContext } from '../intrinsics';
import type { InvocationResult } from '../lambda/local-function';
import type { Template, TemplateResource } from '../template';

/** Credentials every local endpoint accepts (signatures are not checked). */
export interface LocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** What an SDK v3 client needs to reach one local endpoint. */
export interface LocalClientConfig {
  readonly region: string;
  readonly endpoint: string;
  readonly credentials: LocalCredentials;
}

/** A message sent to an ARN by a delivery (destination, notification, rule target). */
export interface Payload {
  readonly body: string;
  /** String message attributes, where the target has them (SQS, SNS). */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** The ref and attributes of a created resource, what `Ref` and `Fn::GetAtt` answer. */
export interface Created {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** A resource the runtime does not emulate, and why. */
export interface NotEmulated {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly reason: string;
}

/** A delivery the template does not allow (a key or permission), and what happens instead, as on AWS. */
export interface DeliveryProblem {
  readonly stackName: string;
  readonly logicalId: string;
  readonly reason: string;
  readonly outcome: string;
}

/** The settings of an event source mapping that every source shares, as the template gives them. */
export interface EventSourceSettings {
  readonly logicalId: string;
  readonly sourceArn: string;
  /** The resolved properties of the AWS::Lambda::EventSourceMapping. */
  readonly properties: Readonly<Record<string, unknown>>;
  /** Throws when the mapping sets any of these properties, which the source's service does not emulate. */
  refuse(names: readonly string[]): void;
}

/** An event source mapping that polls a source and invokes a function synchronously. */
export interface LocalEventSource {
  readonly spec: { readonly logicalId: string };
  /** Starts polling (no-op when the mapping is disabled). */
  start(): void;
  /** Stops polling; in-flight batches finish first. */
  stop(): Promise<void>;
}

/** Invokes a function synchronously and returns its result or error (see `LocalFunction.invoke`). */
export type SyncInvoke = (event: unknown) => Promise<InvocationResult>;

/** The work of a Step Functions Task state that a service runs: an integration's resource ARN. */
export interface StateTask {
  /** Whether this task runs `resource` (for example `arn:aws:states:::sqs:sendMessage`). */
  matches(resource: string): boolean;
  /** Runs the task with the state's effective input; throws a named error for Retry and Catch. */
  run(resource: string, input: unknown): Promise<unknown>;
}

/** Settings of the runtime that services read. */
export interface HostSettings {
  /** Seconds before failed work is retried locally (see `LocalRuntimeOptions.retryDelaySeconds`). */
  readonly retryDelaySeconds: number;
  /** Concurrent pollers per event source when the template sets no maximum. */
  readonly defaultMaxConcurrency: number;
  /** Whether scheduled work runs on its schedule (see `LocalRuntimeOptions.runSchedules`). */
  readonly runSchedules: boolean;
  /** Receives every line a function logs. */
  readonly onLog?: (functionName: string, line: string) => void;
  /** Receives background errors. */
  readonly onError?: (error: Error) => void;
}

/** One stack being created: its template, names and the resolver of its intrinsics. */
export interface StackContext {
  readonly stackName: string;
  readonly template: Template;
  /** The cloud assembly folder (assets are `asset.<hash>` folders in it). */
  readonly assemblyDir: string;
  readonly resolveContext: ResolveContext;
  /** Resolves a value of the template; `where` names it in errors. */
  resolve(value: unknown, where: string): unknown;
  /** Lists a resource of this stack as not emulated. */
  list(logicalId: string, type: string, reason?: string): void;
}

/** One resource handed to the service that creates its type. */
export interface ResourceInput {
  readonly stack: StackContext;
  readonly logicalId: string;
  readonly resource: TemplateResource;
  /** A deterministic local physical name, `<stack>-<logicalId>` in the characters every service accepts. */
  readonly physicalName: string;
  /** A property, resolved (undefined when absent). */
  prop(name: string): unknown;
  /** Resolves a value found at a property path of this resource. */
  resolveAt(value: unknown, property: string): unknown;
  /** Throws when the resource sets any of these properties, which the service does not emulate. */
  refuse(names: readonly string[]): void;
  /** Lists this resource as not emulated (the service then returns a synthetic identity). */
  list(reason: string): void;
}

/**
 * A running emulated service. It declares the CloudFormation types it creates, answers their
 * `Ref`/`Fn::GetAtt` through {@link Created}, wires what must wait until every resource of a stack
 * exists, and may own ARNs that other services deliver to.
 */
export interface LocalService {
  /** The service's name: the key of its endpoint in `LocalEndpoints` and of {@link ServiceHost.service}. */
  readonly name: string;
  /** The CloudFormation resource types this service creates. */
  readonly resourceTypes: readonly string[];
  /** The endpoint SDK v3 clients use, when the service has one. */
  readonly endpoint?: string;
  /** The `<SERVICE>` of `AWS_ENDPOINT_URL_<SERVICE>` that points functions at {@link endpoint}. */
  readonly endpointVariable?: string;
  /** Creates one resource; `undefined` when it listed the resource as not emulated. */
  create?(input: ResourceInput): Promise<Created | undefined>;
  /** Wires what must wait until every resource of the stack exists (subscriptions, event sources). */
  wire?(stack: StackContext): Promise<void>;
  /** Starts background work once every stack is wired (pollers, schedules). */
  run?(): void;
  /**
   * The local form of a value of the template that names one of this service's AWS endpoints (for
   * example an API's `https://<id>.execute-api.<region>.amazonaws.com/<stage>` invoke URL), or
   * undefined when it names none. The runtime applies it to every resolved string, so outputs,
   * function environments and subscriptions all reach the local endpoint.
   */
  localUrl?(value: string): string | undefined;
  /** Whether this service delivers to `arn` (a queue, topic, function, bus...). */
  owns?(arn: string): boolean;
  /** Delivers a payload to an ARN it owns. */
  deliver?(arn: string, payload: Payload): Promise<void>;
  /** An event source mapping on `sourceArn`, when the source is this service's; undefined otherwise. */
  eventSource?(settings: EventSourceSettings, invoke: SyncInvoke): LocalEventSource | undefined;
  /** Step Functions Task integrations this service runs. */
  readonly stateTasks?: readonly StateTask[];
  /**
   * Stops taking new work and waits for the work in flight. Every service drains, in reverse start
   * order, before any service stops.
   */
  drain?(): Promise<void>;
  /** Stops servers and clients. Called in reverse start order, after every service has drained. */
  stop(): Promise<void>;
}

/** What the runtime core gives each service. */
export interface ServiceHost {
  readonly region: string;
  readonly accountId: string;
  readonly credentials: LocalCredentials;
  readonly settings: HostSettings;
  /** SDK v3 client configuration for an endpoint. */
  clientConfig(endpoint: string): LocalClientConfig;
  /** The AWS_* variables of a function: region, credentials and every started service's endpoint. */
  awsEnvironment(): Record<string, string>;
  /** A started service by name; throws when it is not running. */
  service<T extends LocalService>(name: string): T;
  /** Every started service, in start order. */
  services(): readonly LocalService[];
  /** Delivers a payload to an ARN through the service that owns it; throws when none does. */
  deliver(arn: string, payload: Payload): Promise<void>;
  /** Starts a process or server shared by several services once (fauxqs serves SQS, SNS and S3). */
  shared<T>(key: string, start: () => Promise<T>, stop: (value: T) => Promise<void>): Promise<T>;
  /** Records a delivery the template does not allow. */
  reportDeliveryProblem(problem: DeliveryProblem): void;
  /** Reports a background error. */
  onError(error: Error): void;
}

/** A service of the local runtime: its name and how to start it. */
export interface ServiceModule {
  readonly name: string;
  start(host: ServiceHost): Promise<LocalService>;
}

/** A Task failure with the error name Retry and Catch match on (for Lambda, the function's errorType). */
export class TaskError extends Error {
  public constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}
