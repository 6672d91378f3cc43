import type { Template } from 'aws-cdk-lib/assertions';

/** A state of a rendered definition (the fields the tests read). */
export interface StateJson {
  readonly Type: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly Resource?: string;
  readonly TimeoutSeconds?: number;
  readonly HeartbeatSeconds?: number;
  readonly Choices?: ReadonlyArray<Record<string, unknown>>;
  readonly Catch?: ReadonlyArray<{ ErrorEquals: string[]; Next: string; ResultPath?: string }>;
  readonly Retry?: ReadonlyArray<Record<string, unknown> & { ErrorEquals: string[] }>;
  readonly Branches?: ReadonlyArray<{ StartAt: string; States: Record<string, StateJson> }>;
  readonly ItemProcessor?: { StartAt: string; States: Record<string, StateJson> };
  readonly [field: string]: unknown;
}

/** A rendered definition: its states, and every state by name (nested ones included). */
export interface RenderedDefinition {
  readonly json: { StartAt: string; States: Record<string, StateJson>; TimeoutSeconds?: number; QueryLanguage?: string; Comment?: string };
  readonly states: Record<string, StateJson>;
}

/**
 * The definition of the state machine whose logical id starts with `prefix`: its DefinitionString
 * (an Fn::Join around references) parsed, each reference rendered as `<ref:LogicalId>` or
 * `<partition>`.
 */
export function definitionOf(template: Template, prefix: string): RenderedDefinition {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const id = Object.keys(machines).find((key) => key.startsWith(prefix));
  if (!id) throw new Error(`no state machine ${prefix}*`);
  const value = machines[id].Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] };
  const text = value['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const p = part as { Ref?: string; 'Fn::GetAtt'?: string[] };
      if (p.Ref === 'AWS::Partition') return 'aws';
      return `<ref:${p.Ref ?? p['Fn::GetAtt']?.[0]}>`;
    })
    .join('');
  const json = JSON.parse(text) as RenderedDefinition['json'];
  const states: Record<string, StateJson> = {};
  const walk = (machine: { States?: Record<string, StateJson> }) => {
    for (const [name, state] of Object.entries(machine.States ?? {})) {
      states[name] = state;
      for (const branch of state.Branches ?? []) walk(branch);
      if (state.ItemProcessor) walk(state.ItemProcessor);
    }
  };
  walk(json);
  return { json, states };
}
