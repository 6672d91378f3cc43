/** A JSON value, as executions and tasks exchange them. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One state of a definition, as the Amazon States Language writes it. */
export type StateDefinition = Record<string, unknown>;

/** A definition (or a Map item processor, or a Parallel branch): StartAt and States. */
export interface MachineDefinition {
  readonly StartAt?: string;
  readonly States?: Record<string, StateDefinition>;
  readonly [key: string]: unknown;
}

/** The suffix of a callback integration: the task waits for SendTaskSuccess or SendTaskFailure. */
export const CALLBACK_SUFFIX = '.waitForTaskToken';

/**
 * The longest timer Node.js keeps (2^31 - 1 ms, about 24.8 days): a longer `setTimeout` fires at
 * once, so the engine would time a one-year execution out immediately. Timeouts are capped to it.
 */
export const MAX_TIMER_SECONDS = Math.floor(2_147_483_647 / 1000);

/** The Task TimeoutSeconds AWS applies when a task sets none (aws-local-stepfunctions would use 60). */
const AWS_DEFAULT_TASK_TIMEOUT_SECONDS = 99_999_999;

/** Every state of a definition, nested Map and Parallel states included, by name. */
export function allStates(definition: MachineDefinition): Array<[string, StateDefinition]> {
  const found: Array<[string, StateDefinition]> = [];
  const walk = (machine: unknown) => {
    const states = (machine as MachineDefinition | undefined)?.States ?? {};
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

/** The integration a Task resource calls, without the callback suffix. */
export function baseResource(resource: string): string {
  return resource.endsWith(CALLBACK_SUFFIX) ? resource.slice(0, -CALLBACK_SUFFIX.length) : resource;
}

/** Why a definition cannot run locally, or undefined when it can. */
export function unsupportedFeature(definition: MachineDefinition, supported: (resource: string) => boolean): string | undefined {
  if (definition.QueryLanguage === 'JSONata') return 'JSONata query language (aws-local-stepfunctions evaluates JSONPath only)';
  for (const [name, state] of allStates(definition)) {
    if (state.QueryLanguage === 'JSONata') return `state ${name} uses JSONata (aws-local-stepfunctions evaluates JSONPath only)`;
    const processor = state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined;
    if (processor?.ProcessorConfig?.Mode === 'DISTRIBUTED') return `state ${name} is a distributed Map (not supported locally)`;
    if (state.Assign !== undefined) return `state ${name} assigns variables (Assign), which aws-local-stepfunctions does not evaluate`;
    if (state.HeartbeatSecondsPath !== undefined)
      return `state ${name} uses HeartbeatSecondsPath, which the local runtime does not evaluate`;
    if (state.Type === 'Task') {
      const resource = String(state.Resource);
      // The .sync job pattern is emulated by no service: such a task is never run as request-response.
      if (/\.sync(:\d+)?$/.test(resource) || !supported(baseResource(resource)))
        return `state ${name} calls ${resource}, which the local runtime does not emulate`;
    }
  }
  return undefined;
}

/** Where a nested definition sits: the Map state it iterates for, or the Parallel state it is a branch of. */
export interface NestedOwner {
  readonly kind: 'Map' | 'Parallel';
  readonly name: string;
}

/** A definition ready for the engine, with what the local runtime needs to know about it. */
export interface PreparedDefinition {
  /** A copy of the definition with timeouts the engine can keep (see {@link MAX_TIMER_SECONDS}). */
  readonly definition: MachineDefinition;
  /** Every state by name (names are unique in a whole state machine). */
  readonly states: ReadonlyMap<string, StateDefinition>;
  /** The Map or Parallel state of each nested definition object of {@link definition}. */
  readonly owners: WeakMap<object, NestedOwner>;
}

/**
 * Copies a definition for the engine: every Task gets AWS's default TimeoutSeconds when it sets
 * none (aws-local-stepfunctions would time it out after 60 s), and every timeout is capped to the
 * longest timer Node.js keeps.
 */
export function prepareDefinition(original: MachineDefinition): PreparedDefinition {
  const definition = JSON.parse(JSON.stringify(original)) as MachineDefinition & { TimeoutSeconds?: number };
  if (typeof definition.TimeoutSeconds === 'number') definition.TimeoutSeconds = Math.min(definition.TimeoutSeconds, MAX_TIMER_SECONDS);
  const states = new Map<string, StateDefinition>();
  const owners = new WeakMap<object, NestedOwner>();
  for (const [name, state] of allStates(definition)) {
    states.set(name, state);
    if (state.Type === 'Task' && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = Math.min(Number(state.TimeoutSeconds ?? AWS_DEFAULT_TASK_TIMEOUT_SECONDS), MAX_TIMER_SECONDS);
    }
    const processor = (state.ItemProcessor ?? state.Iterator) as object | undefined;
    if (state.Type === 'Map' && processor) owners.set(processor, { kind: 'Map', name });
    if (state.Type === 'Parallel')
      for (const branch of (state.Branches as object[] | undefined) ?? []) owners.set(branch, { kind: 'Parallel', name });
  }
  return { definition, states, owners };
}
