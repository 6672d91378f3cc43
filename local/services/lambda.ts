import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { AsyncInvoker } from '../lambda/async-invoker';
import { startInvokeEndpoint } from '../lambda/invoke-endpoint';
import { type FunctionSpec, LocalFunction } from '../lambda/local-function';
import type { LogsService } from './logs';
import {
  type Created,
  type LocalEventSource,
  type LocalService,
  type ResourceInput,
  type ServiceHost,
  type ServiceModule,
  type StateTask,
  TaskError,
} from './service';

/** The Lambda service of the local runtime, as other services and the public API see it. */
export interface LambdaService extends LocalService {
  /** The local functions by `<stack>/<logicalId>`. */
  readonly functions: ReadonlyMap<string, LocalFunction>;
  /** The asynchronous invokers by `<stack>/<logicalId>` of the function. */
  readonly asyncInvokers: ReadonlyMap<string, AsyncInvoker>;
  /** The event source mappings by `<stack>/<logicalId>`. */
  readonly eventSources: ReadonlyMap<string, LocalEventSource>;
  /** Every line the functions logged, in order. */
  readonly logs: ReadonlyArray<{ readonly functionName: string; readonly line: string }>;
  /** A function by the name (`Ref`) or ARN (`Fn::GetAtt`) a template names it with. */
  functionByRef(nameOrArn: string): LocalFunction | undefined;
  /** The asynchronous invoker of a function (created on first use); throws when it is not local. */
  invoker(nameOrArn: string): AsyncInvoker;
}

const NODE_PATH = path.join(__dirname, '..', '..', 'node_modules');

/**
 * `AWS::Lambda::Function` (Node.js, from the bundled asset) in worker threads; asynchronous
 * invocation with `AWS::Lambda::EventInvokeConfig` and dead-letter targets; event source mappings on
 * whichever service owns the source; the Step Functions Lambda integrations.
 */
export const lambdaService: ServiceModule = {
  name: 'lambda',
  async start(host: ServiceHost): Promise<LambdaService> {
    const functions = new Map<string, LocalFunction>();
    const byRef = new Map<string, LocalFunction>();
    const keys = new Map<LocalFunction, string>();
    const asyncInvokers = new Map<string, AsyncInvoker>();
    const eventSources = new Map<string, LocalEventSource>();
    const logs: Array<{ functionName: string; line: string }> = [];
    const { retryDelaySeconds } = host.settings;

    const invoker = (nameOrArn: string): AsyncInvoker => {
      const fn = byRef.get(nameOrArn);
      if (!fn) throw new Error(`function ${nameOrArn} is not emulated locally`);
      const key = keys.get(fn) as string;
      let found = asyncInvokers.get(key);
      if (!found) {
        found = new AsyncInvoker(
          fn,
          { maxRetries: 2, deadLetterArn: fn.spec.deadLetterArn },
          (arn, payload) => host.deliver(arn, payload),
          retryDelaySeconds,
          (error) => host.onError(error),
        );
        asyncInvokers.set(key, found);
      }
      return found;
    };

    const invokeSync = async (functionRef: string, payload: unknown) => {
      const fn = byRef.get(functionRef.replace(/:\$LATEST$/, ''));
      if (!fn) throw new TaskError('Lambda.ResourceNotFoundException', `Function not found: ${functionRef}`);
      const outcome = await fn.invoke(payload);
      if (!outcome.ok) throw new TaskError(outcome.error.errorType, outcome.error.errorMessage);
      return outcome.result;
    };
    const stateTasks: StateTask[] = [
      {
        matches: (resource) => resource === 'arn:aws:states:::lambda:invoke',
        async run(_resource, input) {
          const p = (input ?? {}) as Record<string, unknown>;
          return { ExecutedVersion: '$LATEST', Payload: await invokeSync(String(p.FunctionName), p.Payload), StatusCode: 200 };
        },
      },
      { matches: (resource) => resource.startsWith('arn:aws:lambda:'), run: (resource, input) => invokeSync(resource, input) },
    ];

    const createFunction = (input: ResourceInput): Created | undefined => {
      const spec = functionSpec(input, host);
      if (typeof spec === 'string') {
        input.list(spec);
        return undefined;
      }
      const logStore = host.service<LogsService>('logs');
      const fn = new LocalFunction(spec, {
        awsEnvironment: host.awsEnvironment(),
        nodePath: NODE_PATH,
        onLog: (functionName, line) => {
          logs.push({ functionName, line });
          logStore.put(spec.logGroupName, `local/${functionName}`, line);
          host.settings.onLog?.(functionName, line);
        },
      });
      const key = `${input.stack.stackName}/${input.logicalId}`;
      functions.set(key, fn);
      keys.set(fn, key);
      // Templates name a function by its name (Ref) or its ARN (Fn::GetAtt).
      byRef.set(spec.functionArn, fn);
      byRef.set(spec.functionName, fn);
      return { ref: spec.functionName, attributes: { Arn: spec.functionArn } };
    };

    const configureAsync = (input: ResourceInput): Created => {
      const destinations = input.prop('DestinationConfig') as
        | { OnFailure?: { Destination?: string }; OnSuccess?: { Destination?: string } }
        | undefined;
      invoker(String(input.prop('FunctionName'))).configure({
        maxRetries: Number(input.prop('MaximumRetryAttempts') ?? 2),
        onFailure: destinations?.OnFailure?.Destination,
        onSuccess: destinations?.OnSuccess?.Destination,
      });
      return { ref: input.physicalName, attributes: {} };
    };

    const createMapping = (input: ResourceInput): Created | undefined => {
      const sourceArn = String(input.prop('EventSourceArn'));
      const functionRef = String(input.prop('FunctionName'));
      const fn = byRef.get(functionRef);
      const properties = Object.fromEntries(Object.keys(input.resource.Properties ?? {}).map((name) => [name, input.prop(name)]));
      const settings = { logicalId: input.logicalId, sourceArn, properties, refuse: input.refuse };
      const source = fn
        ? host
            .services()
            .map((service) => service.eventSource?.(settings, (event) => fn.invoke(event)))
            .find((found) => found !== undefined)
        : undefined;
      if (!source) {
        input.list(`source ${sourceArn} or function ${functionRef} is not emulated`);
        return { ref: `${input.physicalName}-mapping`, attributes: {} };
      }
      eventSources.set(`${input.stack.stackName}/${input.logicalId}`, source);
      return { ref: `${input.physicalName}-mapping`, attributes: {} };
    };

    // The Invoke API, so that scenarios invoke functions with the SDK as they would on AWS.
    const invokeEndpoint = await startInvokeEndpoint({
      sync: (ref) => {
        const fn = byRef.get(ref);
        return fn ? (event) => fn.invoke(event) : undefined;
      },
      async: (ref) => (byRef.has(ref) ? (event) => invoker(ref).invoke(event) : undefined),
    });

    return {
      name: 'lambda',
      endpoint: invokeEndpoint.endpoint,
      endpointVariable: 'LAMBDA',
      resourceTypes: ['AWS::Lambda::Function', 'AWS::Lambda::EventInvokeConfig', 'AWS::Lambda::EventSourceMapping'],
      functions,
      asyncInvokers,
      eventSources,
      logs,
      stateTasks,
      functionByRef: (nameOrArn) => byRef.get(nameOrArn),
      invoker,

      async create(input) {
        switch (input.resource.Type) {
          case 'AWS::Lambda::Function':
            return createFunction(input);
          case 'AWS::Lambda::EventInvokeConfig':
            return configureAsync(input);
          default:
            return createMapping(input);
        }
      },

      owns: (arn) => arn.startsWith('arn:aws:lambda:'),
      async deliver(arn, payload) {
        invoker(arn).invoke(JSON.parse(payload.body));
      },

      run() {
        // Functions with a dead-letter target but no EventInvokeConfig still retry asynchronously.
        for (const [key, fn] of functions) if (fn.spec.deadLetterArn && !asyncInvokers.has(key)) invoker(fn.spec.functionArn);
        for (const source of eventSources.values()) source.start();
      },

      async drain() {
        await Promise.allSettled([...eventSources.values()].map((e) => e.stop()));
        await Promise.allSettled([...asyncInvokers.values()].map((i) => i.idle()));
      },

      async stop() {
        await Promise.allSettled([...functions.values()].map((f) => f.stop()));
        await invokeEndpoint.stop();
      },
    };
  },
};

/** The function's spec, or why it cannot run locally. */
function functionSpec(input: ResourceInput, host: ServiceHost): FunctionSpec | string {
  const { stack, logicalId, resource, physicalName } = input;
  const properties = resource.Properties ?? {};
  const runtime = String(input.prop('Runtime') ?? '');
  if (!runtime.startsWith('nodejs'))
    return `runtime ${runtime || '(container image)'} cannot run in-process; only Node.js functions are emulated`;
  const code = properties.Code as { S3Key?: unknown; ZipFile?: unknown } | undefined;
  if (code?.ZipFile !== undefined) return 'inline code (a CDK framework function): not emulated';
  const key = typeof code?.S3Key === 'string' ? code.S3Key : undefined;
  const codeDir = key ? path.join(stack.assemblyDir, `asset.${key.replace(/\.zip$/, '')}`) : undefined;
  if (!codeDir || !existsSync(codeDir)) {
    throw new Error(
      `${stack.stackName}: ${logicalId} code asset ${key ?? '(none)'} is not in the cloud assembly; synthesize with bundling on`,
    );
  }
  const functionName = (input.prop('FunctionName') as string | undefined) ?? physicalName;
  const variables = (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const environment = Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, String(input.resolveAt(value, `Environment.Variables.${name}`))]),
  );
  const loggingConfig = properties.LoggingConfig as { LogGroup?: unknown } | undefined;
  const logGroupName =
    loggingConfig?.LogGroup === undefined
      ? `/aws/lambda/${functionName}`
      : String(input.resolveAt(loggingConfig.LogGroup, 'LoggingConfig.LogGroup'));
  const deadLetter = properties.DeadLetterConfig as { TargetArn?: unknown } | undefined;
  return {
    logicalId,
    functionName,
    functionArn: `arn:aws:lambda:${host.region}:${host.accountId}:function:${functionName}`,
    codeDir,
    handler: String(input.prop('Handler') ?? 'index.handler'),
    runtime,
    timeoutSeconds: Number(input.prop('Timeout') ?? 3),
    memorySize: Number(input.prop('MemorySize') ?? 128),
    environment,
    logGroupName,
    deadLetterArn:
      deadLetter?.TargetArn === undefined ? undefined : String(input.resolveAt(deadLetter.TargetArn, 'DeadLetterConfig.TargetArn')),
    reservedConcurrency:
      properties.ReservedConcurrentExecutions === undefined ? undefined : Number(input.prop('ReservedConcurrentExecutions')),
  };
}
