import { randomUUID } from 'node:crypto';
import { EndpointError, startJsonEndpoint } from '../json-endpoint';
import { TaskTokens } from './callbacks';
import type { Json, MachineDefinition } from './definition';
import { type CompiledDefinition, compileDefinition, LocalExecution, type TaskRunner } from './engine';

export { TaskError } from '../services/service';
export { allStates, baseResource, type Json, unsupportedFeature } from './definition';
export { type CompiledDefinition, compileDefinition, type TaskRunner } from './engine';

/** A state machine of the template, with its definition resolved. */
export interface StateMachineSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly definition: Record<string, unknown>;
  /** The execution role's ARN, as the template resolves it. */
  readonly roleArn?: string;
  /**
   * The definition compiled by {@link compileDefinition} (its ASL validation takes a few hundred
   * milliseconds: compile each definition once).
   * @default - compiled at the first execution
   */
  readonly compiled?: CompiledDefinition;
}

/** The running Step Functions endpoint. */
export interface LocalStepFunctions {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Execution names: 1 to 80 characters, none of whitespace, brackets, wildcards, control characters and these. */
const FORBIDDEN_IN_NAMES = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;
const validName = (name: string) =>
  name.length >= 1 &&
  name.length <= 80 &&
  !FORBIDDEN_IN_NAMES.test(name) &&
  ![...name].some((ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
  });
const MAX_INPUT_BYTES = 256 * 1024;

/**
 * A Step Functions endpoint for the state machines of the templates, executing them on
 * aws-local-stepfunctions (see `engine.ts`): StartExecution (idempotent per name for Standard, as on
 * AWS), StartSyncExecution (Express), DescribeExecution, ListExecutions, StopExecution and
 * GetExecutionHistory (Standard only, as on AWS), DescribeStateMachine, and SendTaskSuccess,
 * SendTaskFailure and SendTaskHeartbeat for callback tasks. `region` names the executions' ARNs.
 * Task states run through `runTask` (the local functions and emulators); Wait states and Retry
 * intervals take no time locally.
 */
export async function startStepFunctions(
  machines: readonly StateMachineSpec[],
  runTask: TaskRunner,
  region: string,
): Promise<LocalStepFunctions> {
  // `machines` may grow after the endpoint starts (the runtime registers them as it reads templates).
  const executions = new Map<string, LocalExecution>();
  const compiled = new WeakMap<StateMachineSpec, CompiledDefinition>();
  const tokens = new TaskTokens();
  const services = { region, runTask, tokens };

  const compiledOf = (machine: StateMachineSpec): CompiledDefinition => {
    let found = machine.compiled ?? compiled.get(machine);
    if (!found) {
      found = compileDefinition(machine.definition as MachineDefinition);
      compiled.set(machine, found);
    }
    return found;
  };

  function start(machine: StateMachineSpec, input: Record<string, unknown>): LocalExecution {
    const name = input.name === undefined ? randomUUID() : String(input.name);
    if (!validName(name)) throw new EndpointError('InvalidName', `Invalid Name: '${name}'`);
    const text = input.input === undefined ? '{}' : String(input.input);
    if (Buffer.byteLength(text) > MAX_INPUT_BYTES) {
      throw new EndpointError('ValidationException', `1 validation error detected: input must be at most ${MAX_INPUT_BYTES} bytes`);
    }
    let parsed: Json;
    try {
      parsed = JSON.parse(text) as Json;
    } catch {
      throw new EndpointError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
    }
    const express = machine.type === 'EXPRESS';
    // Express executions may share a name (each gets its own ARN); a Standard name is unique.
    const executionArn = express
      ? `arn:aws:states:${region}:000000000000:express:${machine.name}:${name}:${randomUUID()}`
      : `arn:aws:states:${region}:000000000000:execution:${machine.name}:${name}`;
    const existing = executions.get(executionArn);
    if (existing) {
      // StartExecution is idempotent for a running Standard execution started with the same input.
      if (
        existing.status === 'RUNNING' &&
        existing.spec.input !== undefined &&
        JSON.stringify(existing.spec.input) === JSON.stringify(parsed)
      )
        return existing;
      throw new EndpointError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const execution = new LocalExecution(
      {
        executionArn,
        name,
        stateMachineArn: machine.arn,
        stateMachineName: machine.name,
        roleArn: machine.roleArn ?? `arn:aws:iam::000000000000:role/${machine.name}`,
        compiled: compiledOf(machine),
        input: parsed,
      },
      services,
    );
    executions.set(executionArn, execution);
    return execution;
  }

  const describe = (e: LocalExecution) => ({
    executionArn: e.spec.executionArn,
    stateMachineArn: e.spec.stateMachineArn,
    name: e.spec.name,
    status: e.status,
    startDate: e.startDate,
    ...(e.stopDate === undefined ? {} : { stopDate: e.stopDate }),
    input: JSON.stringify(e.spec.input),
    ...(e.output === undefined ? {} : { output: e.output }),
    ...(e.error === undefined ? {} : { error: e.error }),
    ...(e.cause === undefined ? {} : { cause: e.cause }),
  });

  const machineOf = (arn: unknown): StateMachineSpec => {
    const machine = machines.find((m) => m.arn === String(arn));
    if (!machine) throw new EndpointError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(arn)}'`);
    return machine;
  };
  const standardOnly = (machine: StateMachineSpec, operation: string) => {
    if (machine.type === 'EXPRESS')
      throw new EndpointError('StateMachineTypeNotSupported', `${operation} is not supported by EXPRESS state machines`);
  };
  const executionOf = (arn: unknown, operation: string): LocalExecution => {
    if (/^arn:aws:states:[^:]+:\d+:express:/.test(String(arn)))
      throw new EndpointError('StateMachineTypeNotSupported', `${operation} is not supported by EXPRESS state machines`);
    const execution = executions.get(String(arn));
    if (!execution) throw new EndpointError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(arn)}'`);
    return execution;
  };

  const operations: Record<string, (input: Record<string, unknown>) => Promise<unknown>> = {
    StartExecution: async (input) => {
      const e = start(machineOf(input.stateMachineArn), input);
      return { executionArn: e.spec.executionArn, startDate: e.startDate };
    },
    StartSyncExecution: async (input) => {
      const machine = machineOf(input.stateMachineArn);
      if (machine.type !== 'EXPRESS')
        throw new EndpointError('StateMachineTypeNotSupported', 'This operation is only supported by EXPRESS state machines');
      const e = start(machine, input);
      await e.done;
      return describe(e);
    },
    DescribeExecution: async (input) => describe(executionOf(input.executionArn, 'DescribeExecution')),
    StopExecution: async (input) => {
      const e = executionOf(input.executionArn, 'StopExecution');
      e.abort();
      await e.done;
      return { stopDate: e.stopDate };
    },
    ListExecutions: async (input) => {
      const machine = machineOf(input.stateMachineArn);
      standardOnly(machine, 'ListExecutions');
      return {
        executions: [...executions.values()]
          .filter((e) => e.spec.stateMachineArn === machine.arn && (!input.statusFilter || e.status === input.statusFilter))
          .map((e) => ({
            executionArn: e.spec.executionArn,
            stateMachineArn: e.spec.stateMachineArn,
            name: e.spec.name,
            status: e.status,
            startDate: e.startDate,
            stopDate: e.stopDate,
          })),
      };
    },
    GetExecutionHistory: async (input) => {
      const e = executionOf(input.executionArn, 'GetExecutionHistory');
      const all = input.reverseOrder === true ? [...e.history.all()].reverse() : [...e.history.all()];
      const from = input.nextToken === undefined ? 0 : Number(input.nextToken);
      if (!Number.isInteger(from) || from < 0 || from > all.length) throw new EndpointError('InvalidToken', "Invalid Token: 'nextToken'");
      const size = Math.min(Math.max(Number(input.maxResults ?? 100) || 100, 1), 1000);
      const page = all.slice(from, from + size);
      const events = input.includeExecutionData === false ? page.map(withoutData) : page;
      return { events, ...(from + size < all.length ? { nextToken: String(from + size) } : {}) };
    },
    DescribeStateMachine: async (input) => {
      const m = machineOf(input.stateMachineArn);
      return {
        stateMachineArn: m.arn,
        name: m.name,
        type: m.type,
        status: 'ACTIVE',
        definition: JSON.stringify(m.definition),
        roleArn: m.roleArn ?? `arn:aws:iam::000000000000:role/${m.name}`,
        creationDate: 0,
      };
    },
    SendTaskSuccess: async (input) => {
      tokens.success(input.taskToken, input.output);
      return {};
    },
    SendTaskFailure: async (input) => {
      tokens.failure(input.taskToken, input.error, input.cause);
      return {};
    },
    SendTaskHeartbeat: async (input) => {
      tokens.heartbeat(input.taskToken);
      return {};
    },
  };

  const endpoint = await startJsonEndpoint('Step Functions', operations, 'application/x-amz-json-1.0');
  return {
    // A *.localhost name: the SDK prefixes StartSyncExecution's host with `sync-`, which must resolve too.
    endpoint: `http://sfn.localhost:${endpoint.port}`,
    stop: async () => {
      for (const e of executions.values()) e.abort();
      await Promise.allSettled([...executions.values()].map((e) => e.done));
      await endpoint.stop();
    },
  };
}

/** A history event without the input and output data (GetExecutionHistory with includeExecutionData false). */
function withoutData(event: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && value && typeof value === 'object') {
      const { input: _i, output: _o, parameters: _p, ...rest } = value as Record<string, unknown>;
      copy[key] = rest;
    } else copy[key] = value;
  }
  return copy;
}
