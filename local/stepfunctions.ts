import { randomUUID } from 'node:crypto';
import { EndpointError, startJsonEndpoint } from './json-endpoint';

// aws-local-stepfunctions uses Promise.withResolvers (Node.js 22); Node.js 20 lacks it.
const promiseStatics = Promise as unknown as { withResolvers?: () => unknown };
if (typeof promiseStatics.withResolvers !== 'function') {
  promiseStatics.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T) => void;
    let reject!: (reason: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
// Loaded after the polyfill on purpose.
const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A state machine of the template, with its definition resolved. */
export interface StateMachineSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly definition: Record<string, unknown>;
}

/** Runs the work of one Task state: the resource ARN and the state's effective input. */
export type TaskRunner = (resource: string, input: Json) => Promise<Json>;

export { TaskError } from './services/service';

interface Execution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: number;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  abort?: () => void;
  done: Promise<void>;
}

/** The running Step Functions endpoint. */
export interface LocalStepFunctions {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Why a definition cannot run on aws-local-stepfunctions, or undefined when it can. */
export function unsupportedFeature(definition: Record<string, unknown>, supported: (resource: string) => boolean): string | undefined {
  if (definition.QueryLanguage === 'JSONata') return 'JSONata query language (aws-local-stepfunctions evaluates JSONPath only)';
  for (const [name, state] of allStates(definition)) {
    if (state.QueryLanguage === 'JSONata') return `state ${name} uses JSONata (aws-local-stepfunctions evaluates JSONPath only)`;
    const processor = state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined;
    if (processor?.ProcessorConfig?.Mode === 'DISTRIBUTED') return `state ${name} is a distributed Map (not supported locally)`;
    if (state.Type === 'Task' && !supported(String(state.Resource)))
      return `state ${name} calls ${String(state.Resource)}, which the local runtime does not emulate`;
  }
  return undefined;
}

/** Every state of a definition, nested Map and Parallel states included, by name. */
export function allStates(definition: Record<string, unknown>): Array<[string, Record<string, unknown>]> {
  const found: Array<[string, Record<string, unknown>]> = [];
  const walk = (machine: unknown) => {
    const states = (machine as { States?: Record<string, Record<string, unknown>> } | undefined)?.States ?? {};
    for (const [name, state] of Object.entries(states)) {
      found.push([name, state]);
      walk(state.Iterator);
      walk(state.ItemProcessor);
      for (const branch of (state.Branches as unknown[] | undefined) ?? []) walk(branch);
    }
  };
  walk(definition);
  return found;
}

/**
 * A Step Functions endpoint for the state machines of the template, executing them on
 * aws-local-stepfunctions: StartExecution, StartSyncExecution (Express), DescribeExecution,
 * ListExecutions, StopExecution and DescribeStateMachine; `region` names the executions' ARNs. Task states run through `runTask` (the
 * local functions and emulators); Wait states and Retry intervals take no time locally.
 */
export async function startStepFunctions(
  machines: readonly StateMachineSpec[],
  runTask: TaskRunner,
  region: string,
): Promise<LocalStepFunctions> {
  // `machines` may grow after the endpoint starts (the runtime registers them as it reads templates).
  const executions = new Map<string, Execution>();

  function start(machine: StateMachineSpec, name: string, input: string): Execution {
    const executionArn = `arn:aws:states:${region}:000000000000:execution:${machine.name}:${name}`;
    if (executions.has(executionArn)) throw new EndpointError('ExecutionAlreadyExists', `Execution already exists: '${executionArn}'`);
    let parsed: Json;
    try {
      parsed = JSON.parse(input) as Json;
    } catch {
      throw new EndpointError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
    }
    const overrides: {
      taskResourceLocalHandlers: Record<string, (input: Json) => Promise<Json>>;
      waitTimeOverrides: Record<string, number>;
      retryIntervalOverrides: Record<string, number>;
    } = {
      taskResourceLocalHandlers: {},
      waitTimeOverrides: {},
      retryIntervalOverrides: {},
    };
    for (const [stateName, state] of allStates(machine.definition)) {
      if (state.Type === 'Task') overrides.taskResourceLocalHandlers[stateName] = (taskInput) => runTask(String(state.Resource), taskInput);
      if (state.Type === 'Wait') overrides.waitTimeOverrides[stateName] = 0;
      if (Array.isArray(state.Retry)) overrides.retryIntervalOverrides[stateName] = 0;
    }
    const runner = new StateMachine(machine.definition as never, { validationOptions: { checkArn: false } });
    const run = runner.run(parsed as never, {
      overrides: overrides as never,
      context: {
        Execution: { Id: executionArn, Name: name, Input: parsed, StartTime: new Date().toISOString() },
        StateMachine: { Id: machine.arn, Name: machine.name },
      } as never,
    });
    const execution: Execution = {
      executionArn,
      stateMachineArn: machine.arn,
      name,
      input,
      startDate: Date.now() / 1000,
      status: 'RUNNING',
      abort: () => run.abort(),
      done: Promise.resolve(),
    };
    execution.done = run.result
      .then(
        (output: unknown) => {
          execution.status = 'SUCCEEDED';
          execution.output = JSON.stringify(output ?? null);
        },
        (error: Error & { cause?: unknown }) => {
          if (error.name === 'ExecutionAbortedError') execution.status = 'ABORTED';
          else if (error.name === 'ExecutionTimeoutError') execution.status = 'TIMED_OUT';
          else {
            execution.status = 'FAILED';
            // aws-local-stepfunctions wraps the Fail state's or the uncaught task error in an ExecutionError.
            const inner = error.cause instanceof Error ? error.cause : error;
            execution.error = inner.name;
            execution.cause = inner.message;
          }
        },
      )
      .finally(() => {
        execution.stopDate = Date.now() / 1000;
      });
    executions.set(executionArn, execution);
    return execution;
  }

  const describe = (e: Execution) => ({
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: e.startDate,
    ...(e.stopDate === undefined ? {} : { stopDate: e.stopDate }),
    input: e.input,
    ...(e.output === undefined ? {} : { output: e.output }),
    ...(e.error === undefined ? {} : { error: e.error, cause: e.cause }),
  });

  const machineOf = (arn: unknown): StateMachineSpec => {
    const machine = machines.find((m) => m.arn === String(arn));
    if (!machine) throw new EndpointError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(arn)}'`);
    return machine;
  };
  const executionOf = (arn: unknown): Execution => {
    const execution = executions.get(String(arn));
    if (!execution) throw new EndpointError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(arn)}'`);
    return execution;
  };

  const operations: Record<string, (input: Record<string, unknown>) => Promise<unknown>> = {
    StartExecution: async (input) => {
      const e = start(machineOf(input.stateMachineArn), String(input.name ?? randomUUID()), String(input.input ?? '{}'));
      return { executionArn: e.executionArn, startDate: e.startDate };
    },
    StartSyncExecution: async (input) => {
      const machine = machineOf(input.stateMachineArn);
      if (machine.type !== 'EXPRESS')
        throw new EndpointError('StateMachineTypeNotSupported', 'This operation is only supported by EXPRESS state machines');
      const e = start(machine, String(input.name ?? randomUUID()), String(input.input ?? '{}'));
      await e.done;
      return describe(e);
    },
    DescribeExecution: async (input) => describe(executionOf(input.executionArn)),
    StopExecution: async (input) => {
      const e = executionOf(input.executionArn);
      e.abort?.();
      await e.done;
      return { stopDate: e.stopDate };
    },
    ListExecutions: async (input) => ({
      executions: [...executions.values()]
        .filter(
          (e) => e.stateMachineArn === machineOf(input.stateMachineArn).arn && (!input.statusFilter || e.status === input.statusFilter),
        )
        .map((e) => ({
          executionArn: e.executionArn,
          stateMachineArn: e.stateMachineArn,
          name: e.name,
          status: e.status,
          startDate: e.startDate,
          stopDate: e.stopDate,
        })),
    }),
    DescribeStateMachine: async (input) => {
      const m = machineOf(input.stateMachineArn);
      return {
        stateMachineArn: m.arn,
        name: m.name,
        type: m.type,
        status: 'ACTIVE',
        definition: JSON.stringify(m.definition),
        roleArn: 'arn:aws:iam::000000000000:role/local',
        creationDate: 0,
      };
    },
  };

  const endpoint = await startJsonEndpoint('Step Functions', operations, 'application/x-amz-json-1.0');
  return {
    // A *.localhost name: the SDK prefixes StartSyncExecution's host with `sync-`, which must resolve too.
    endpoint: `http://sfn.localhost:${endpoint.port}`,
    stop: async () => {
      for (const e of executions.values()) if (e.status === 'RUNNING') e.abort?.();
      await Promise.allSettled([...executions.values()].map((e) => e.done));
      await endpoint.stop();
    },
  };
}
