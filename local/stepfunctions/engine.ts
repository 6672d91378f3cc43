import { createRequire } from 'node:module';
import { TaskError } from '../services/service';
import type { TaskTokens } from './callbacks';
import {
  baseResource,
  CALLBACK_SUFFIX,
  type Json,
  type MachineDefinition,
  type NestedOwner,
  type PreparedDefinition,
  prepareDefinition,
  type StateDefinition,
} from './definition';
import { ExecutionHistory, taskResource } from './history';

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
// The JSONPath implementation the engine itself evaluates paths with, for the checks it skips.
const { JSONPath } = createRequire(require.resolve('aws-local-stepfunctions'))('jsonpath-plus') as {
  JSONPath: (options: { path: string; json: unknown; wrap: false }) => unknown;
};

/** Runs the work of one Task state: the integration's resource ARN (no callback suffix) and the effective input. */
export type TaskRunner = (resource: string, input: Json) => Promise<Json>;

/** An event of aws-local-stepfunctions' event logger (the fields the local runtime reads). */
interface EngineEvent {
  readonly type: string;
  readonly state?: { readonly name: string; readonly type: string; readonly input: Json; readonly output?: Json };
  readonly Error?: string;
  readonly Cause?: unknown;
  readonly input?: Json;
  readonly output?: Json;
}

interface EngineLogger {
  dispatch(event: EngineEvent): void;
}

/** What the patched engine calls for every event of a run, root or nested (Map iteration, Parallel branch). */
interface RunObserver {
  readonly prepared: PreparedDefinition;
  /** The index of the next iteration of a Map state (iterations start in item order). */
  nextIteration(mapName: string): number;
  /** Called before the engine queues the event; a throw fails the execution (States.Runtime and the like). */
  onEvent(event: EngineEvent, nested: boolean, owner: NestedOwner | undefined, index: number | undefined): void;
}

/** Runs by their context object: the one object the engine hands to nested Map and Parallel runs as well. */
const OBSERVERS = new WeakMap<object, RunObserver>();
/** The engine instances of top-level definitions (nested runs use instances the engine creates). */
const ROOTS = new WeakSet<object>();

/**
 * The one patch of aws-local-stepfunctions (3.x): `StateMachine.prototype.execute` receives each
 * run's event logger; the patch wraps its `dispatch` so that the local runtime sees every event
 * synchronously, in order, for the top-level run and for every nested one. The engine's own event
 * stream is asynchronous and re-dispatches nested events later, which loses their order relative to
 * the task runner and cannot stop a state that must fail (an invalid Wait timestamp, an oversized
 * payload) before it runs.
 */
function patchEngine(): void {
  const proto = StateMachine.prototype as unknown as {
    execute?: (this: { definition: object }, input: unknown, options: unknown, cleanup: unknown) => Promise<unknown>;
    __decouplingPatched?: boolean;
  };
  if (proto.__decouplingPatched) return;
  const original = proto.execute;
  if (typeof original !== 'function') {
    throw new Error('aws-local-stepfunctions changed: StateMachine.prototype.execute is gone (the local runtime supports 3.x)');
  }
  proto.execute = function execute(input, options, cleanup) {
    const o = options as { runOptions?: { context?: object }; eventLogger?: EngineLogger } | undefined;
    const observer = o?.runOptions?.context ? OBSERVERS.get(o.runOptions.context) : undefined;
    const logger = o?.eventLogger;
    if (observer && logger) {
      if (typeof logger.dispatch !== 'function') throw new Error('aws-local-stepfunctions changed: the event logger has no dispatch');
      const nested = !ROOTS.has(this);
      const owner = nested ? observer.prepared.owners.get(this.definition) : undefined;
      const index = owner?.kind === 'Map' ? observer.nextIteration(owner.name) : undefined;
      const dispatch = logger.dispatch.bind(logger);
      logger.dispatch = (event) => {
        observer.onEvent(event, nested, owner, index);
        dispatch(event);
      };
    }
    return original.call(this, input, options, cleanup);
  };
  proto.__decouplingPatched = true;
}
patchEngine();

/** A definition compiled for the engine (validated by aws-local-stepfunctions' ASL validator). */
export interface CompiledDefinition {
  readonly prepared: PreparedDefinition;
  readonly engine: InstanceType<typeof StateMachine>;
}

/** Validates and prepares a definition; throws with the validator's findings when it is invalid. */
export function compileDefinition(definition: MachineDefinition): CompiledDefinition {
  const prepared = prepareDefinition(definition);
  const engine = new StateMachine(prepared.definition as never, { validationOptions: { checkArn: false } });
  ROOTS.add(engine);
  return { prepared, engine };
}

/** An error the service raises itself and Retry and Catch never match (States.Runtime, States.DataLimitExceeded). */
class TerminalError extends Error {
  public readonly isRetryable = false;
  public readonly isCatchable = false;
  public constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** What an execution needs from the endpoint that starts it. */
export interface ExecutionServices {
  readonly region: string;
  readonly runTask: TaskRunner;
  readonly tokens: TaskTokens;
}

/** What an execution runs. */
export interface ExecutionInput {
  readonly executionArn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly roleArn: string;
  readonly compiled: CompiledDefinition;
  readonly input: Json;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

const MAX_PAYLOAD_BYTES = 256 * 1024;
const RFC3339 = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
/** How Step Functions prefixes the errors of each optimized integration's service. */
const ERROR_PREFIXES: Readonly<Record<string, string>> = { dynamodb: 'DynamoDB', sqs: 'SQS', sns: 'SNS', lambda: 'Lambda' };

/**
 * One execution on aws-local-stepfunctions: Task states run through the local task runner (with the
 * callback pattern for any `.waitForTaskToken` integration), Wait states and Retry intervals take no
 * time, and the history is recorded as it happens. What the engine skips when a Wait takes no time is
 * still checked: a TimestampPath or SecondsPath that does not hold a timestamp or a non-negative
 * integer fails the execution with States.Runtime, as on AWS. Payloads over 256 KiB fail it with
 * States.DataLimitExceeded.
 */
export class LocalExecution {
  public status: ExecutionStatus = 'RUNNING';
  public readonly startDate = Date.now() / 1000;
  public stopDate?: number;
  public output?: string;
  public error?: string;
  public cause?: string;
  public readonly history: ExecutionHistory;
  /** Settles when the execution has stopped, whatever the outcome. */
  public readonly done: Promise<void>;
  private readonly abortRun: () => void;
  private readonly iterations = new Map<string, number>();
  private readonly seen = new WeakSet<object>();
  /** Rejects when the execution is aborted or times out, so that the tasks still running let go. */
  private readonly halted: Promise<never>;
  private halt!: () => void;
  private stopped = false;

  public constructor(
    public readonly spec: ExecutionInput,
    private readonly services: ExecutionServices,
  ) {
    this.history = new ExecutionHistory(spec.roleArn);
    this.halted = new Promise<never>((_, reject) => {
      this.halt = () => {
        this.stopped = true;
        reject(new TerminalError('States.Runtime', 'the execution stopped'));
      };
    });
    this.halted.catch(() => undefined);
    const { prepared, engine } = spec.compiled;
    const tokens = services.tokens;
    const task: Record<string, unknown> = {};
    Object.defineProperty(task, 'Token', { enumerable: true, get: () => tokens.issue(spec.executionArn) });
    const context = {
      Execution: { Id: spec.executionArn, Name: spec.name, RoleArn: spec.roleArn, StartTime: new Date().toISOString() },
      StateMachine: { Id: spec.stateMachineArn, Name: spec.stateMachineName },
      Task: task,
    };
    OBSERVERS.set(context, {
      prepared,
      nextIteration: (mapName) => {
        const index = this.iterations.get(mapName) ?? 0;
        this.iterations.set(mapName, index + 1);
        return index;
      },
      onEvent: (event, nested, owner, index) => this.onEvent(event, nested, owner, index),
    });
    const overrides = {
      taskResourceLocalHandlers: {} as Record<string, (input: Json) => Promise<Json>>,
      waitTimeOverrides: {} as Record<string, number>,
      retryIntervalOverrides: {} as Record<string, number>,
    };
    for (const [name, state] of prepared.states) {
      if (state.Type === 'Task') overrides.taskResourceLocalHandlers[name] = (input) => this.runTask(name, state, input);
      if (state.Type === 'Wait') overrides.waitTimeOverrides[name] = 0;
      if (Array.isArray(state.Retry)) overrides.retryIntervalOverrides[name] = 0;
    }
    const run = engine.run(spec.input as never, { overrides: overrides as never, context: context as never });
    this.abortRun = () => run.abort();
    this.done = run.result.then(
      (output) => {
        this.status = 'SUCCEEDED';
        this.output = JSON.stringify(output ?? null);
      },
      (error: Error & { cause?: unknown }) => {
        if (error.name === 'ExecutionAbortedError') this.status = 'ABORTED';
        else if (error.name === 'ExecutionTimeoutError') {
          this.status = 'TIMED_OUT';
          this.error = 'States.Timeout';
        } else {
          this.status = 'FAILED';
          // aws-local-stepfunctions wraps the Fail state's or the uncaught task error in an ExecutionError.
          const inner = error.cause instanceof Error ? error.cause : error;
          this.error = inner.name;
          this.cause = inner.message;
        }
      },
    );
    this.done = this.done.finally(() => {
      this.stopDate = Date.now() / 1000;
      tokens.closeExecution(spec.executionArn);
    });
  }

  /** StopExecution. */
  public abort(): void {
    if (this.status === 'RUNNING' && !this.stopped) this.abortRun();
  }

  private onEvent(event: EngineEvent, nested: boolean, owner: NestedOwner | undefined, index: number | undefined): void {
    // The engine forwards nested events to the enclosing run's logger later, as they are or as
    // MapIteration*/ParallelBranch* copies: each was recorded where it happened.
    if (this.seen.has(event) || /^(MapIteration|ParallelBranch)/.test(event.type) || this.stopped) return;
    this.seen.add(event);
    const history = this.history;
    const iteration = (outcome: 'Started' | 'Succeeded' | 'Failed' | 'Aborted') => {
      if (owner?.kind === 'Map' && index !== undefined) history.mapIteration(outcome, owner.name, index);
    };
    switch (event.type) {
      case 'ExecutionStarted':
        if (nested) iteration('Started');
        else history.executionStarted(event.input ?? null);
        return;
      case 'ExecutionSucceeded':
        if (nested) iteration('Succeeded');
        else history.executionSucceeded(event.output ?? null);
        return;
      case 'ExecutionFailed':
        if (nested) iteration('Failed');
        else history.executionFailed(String(event.Error), causeText(event.Cause));
        return;
      case 'ExecutionAborted':
        if (nested) iteration('Aborted');
        else {
          history.executionAborted();
          this.halt();
        }
        return;
      case 'ExecutionTimeout':
        if (!nested) {
          history.executionTimedOut();
          this.halt();
        }
        return;
    }
    const state = event.state;
    if (!state) return;
    if (event.type === 'StateEntered') {
      if (state.type === 'Map') this.iterations.set(state.name, 0);
      history.stateEntered(state.type, state.name, state.input);
      checkSize(state.input, `the input of state ${state.name}`);
      if (state.type === 'Wait') checkWait(state.name, this.spec.compiled.prepared.states.get(state.name) ?? {}, state.input);
    } else if (event.type === 'StateExited') {
      checkSize(state.output ?? null, `the output of state ${state.name}`);
      history.stateExited(state.type, state.name, state.output ?? null);
    } else if (event.type === 'StateFailed') {
      if (state.type === 'Map' || state.type === 'Parallel') history.containerFailed(state.type);
      if (state.type === 'Task' && event.Error === 'States.Timeout') {
        const definition = this.spec.compiled.prepared.states.get(state.name) ?? {};
        history.taskTimedOut(taskResource(String(definition.Resource)), 'States.Timeout', causeText(event.Cause));
      }
    }
  }

  /** A Task state: the integration through the local services, then, for a callback task, its token. */
  private async runTask(stateName: string, state: StateDefinition, input: Json): Promise<Json> {
    const arn = String(state.Resource);
    const task = taskResource(arn);
    const timeoutSeconds = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined;
    const heartbeatSeconds = typeof state.HeartbeatSeconds === 'number' ? state.HeartbeatSeconds : undefined;
    // After the state timed out or the execution stopped, a late answer is not the state's any more.
    const deadline = Date.now() + (timeoutSeconds ?? Number.POSITIVE_INFINITY) * 1000;
    const live = () => !this.stopped && Date.now() < deadline;
    // The engine keeps a task's timers until the task settles: a stopped execution lets go of its tasks.
    const settle = <T>(work: Promise<T>) => Promise.race([work, this.halted]);
    const history = this.history;
    history.taskScheduled(task, this.services.region, input, timeoutSeconds, heartbeatSeconds);
    const pending = arn.endsWith(CALLBACK_SUFFIX)
      ? this.services.tokens.claim({ executionArn: this.spec.executionArn, stateName, heartbeatSeconds, timeoutSeconds }, input)
      : undefined;
    history.taskStarted(task);
    try {
      const result = await settle(this.services.runTask(baseResource(arn), input));
      if (!arn.endsWith(CALLBACK_SUFFIX)) {
        if (live()) history.taskSucceeded(task, result);
        return result;
      }
      if (live()) history.taskSubmitted(task, result);
      // Without a token in its input nobody can call the task back: it waits until it times out, as on AWS.
      const output = await settle(pending ? pending.result : new Promise<Json>(() => undefined));
      if (live()) history.taskSucceeded(task, output);
      return output;
    } catch (error) {
      pending?.close();
      const failure = taskFailure(error, arn);
      if (live()) {
        if (failure.name === 'States.HeartbeatTimeout') history.taskTimedOut(task, failure.name, failure.message);
        else history.taskFailed(task, failure.name, failure.message);
      }
      throw failure;
    }
  }
}

/** The error a failed integration call surfaces as, named the way Step Functions names it. */
function taskFailure(error: unknown, arn: string): TaskError {
  const { resourceType, legacyLambda } = taskResource(arn);
  const lambda = legacyLambda || resourceType === 'lambda';
  const e = error instanceof Error ? error : new Error(String(error));
  if (e instanceof TaskError) {
    // Step Functions reports a function's error as the function's error payload, a JSON text.
    if (lambda && !/^(Lambda|States)\./.test(e.name)) {
      return new TaskError(e.name, JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [] }));
    }
    return e;
  }
  const prefix = ERROR_PREFIXES[resourceType] ?? resourceType.charAt(0).toUpperCase() + resourceType.slice(1);
  // An AWS SDK error of the integrated service (it carries $metadata): `<Service>.<ErrorName>`.
  if ((e as { $metadata?: unknown }).$metadata !== undefined) return new TaskError(`${prefix}.${e.name}`, e.message);
  return new TaskError('States.TaskFailed', e.message);
}

function causeText(cause: unknown): string {
  return typeof cause === 'string' ? cause : JSON.stringify(cause ?? '');
}

function checkSize(value: Json, what: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(value ?? null));
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new TerminalError('States.DataLimitExceeded', `${what} is ${bytes} bytes, more than the ${MAX_PAYLOAD_BYTES}-byte quota`);
  }
}

/**
 * The check a Wait makes on its path before it waits, which the engine skips when the wait is
 * overridden: TimestampPath must hold an RFC 3339 timestamp, SecondsPath a non-negative integer.
 */
function checkWait(name: string, state: StateDefinition, rawInput: Json): void {
  const path = (state.TimestampPath ?? state.SecondsPath) as string | undefined;
  if (path === undefined) return;
  let input: unknown = rawInput;
  if (state.InputPath === null) input = {};
  else if (typeof state.InputPath === 'string') input = JSONPath({ path: state.InputPath, json: rawInput, wrap: false });
  const value = JSONPath({ path, json: input ?? null, wrap: false });
  if (state.TimestampPath !== undefined && !(typeof value === 'string' && RFC3339.test(value))) {
    throw new TerminalError(
      'States.Runtime',
      `An error occurred while executing the state '${name}'. The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${path} == ${JSON.stringify(value ?? null)}`,
    );
  }
  if (state.SecondsPath !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value >= 0)) {
    throw new TerminalError(
      'States.Runtime',
      `An error occurred while executing the state '${name}'. The SecondsPath parameter does not reference a non-negative integer: ${path} == ${JSON.stringify(value ?? null)}`,
    );
  }
}
