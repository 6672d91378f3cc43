import { synthesizeForLocal } from '../../local/assembly';
import { type LocalRuntime, type StackInput, startLocalRuntime } from '../../local/runtime';
import { localTarget, type Target } from '../../local/target';
import type { Template, TemplateResource } from '../../local/template';
import { runStepFunctionsScenario, STEP_FUNCTIONS_STACK } from '../../scenarios/step-functions';
import { declaredOutputsOnly, leftBehindBy } from '../run-locally';

type State = Record<string, unknown> & {
  Next?: string;
  Default?: string;
  Choices?: Array<{ Next: string }>;
  Catch?: Array<{ Next: string }>;
};
interface Definition {
  StartAt: string;
  States: Record<string, State>;
}

/** The mutants: the order workflow's definition as a construct that got it wrong would render it. */
const MUTANTS: Record<string, (definition: Definition) => void> = {
  // RouteOrder's approval rule with another threshold.
  ChoiceRule: (definition) => {
    const rule = (findState(definition, 'RouteOrder').Choices as unknown as Array<{ Or: Array<Record<string, unknown>> }>)[1];
    rule.Or[0].NumericGreaterThanEquals = 100_000;
  },
  // ReserveAndAuthorise without its Catch (the compensation chain then leads nowhere and is not rendered).
  NoCatch: (definition) => {
    delete findState(definition, 'ReserveAndAuthorise').Catch;
  },
  // AuthorisePayment without the Retry of transient gateway errors.
  NoRetry: (definition) => {
    const payment = findState(definition, 'AuthorisePayment');
    payment.Retry = (payment.Retry as Array<{ ErrorEquals: string[] }>).filter((r) => !r.ErrorEquals.includes('PaymentGatewayUnavailable'));
  },
};

// Synthesized once, bundling this stack only; the mutants are extra state machines in the same
// template, so one runtime (one set of warm functions, queues and tables) runs them all.
let runtime: LocalRuntime;
let target: Target;
beforeAll(async () => {
  const [stack] = synthesizeForLocal({ stacks: [STEP_FUNCTIONS_STACK] }).stacks;
  runtime = await startLocalRuntime({ stacks: [withMutants(stack)], retryDelaySeconds: 0 });
  target = localTarget(runtime, { retryDelaySeconds: 0, slackSeconds: 3 });
}, 60_000);
afterAll(() => runtime?.stop());

/** The target with `OrderWorkflowArn` pointing at a mutant: the scenario runs against it unchanged. */
function mutantTarget(mutant: string): Target {
  return declaredOutputsOnly({
    ...target,
    outputs: async (stackName) => {
      const outputs = await target.outputs(stackName);
      return { ...outputs, OrderWorkflowArn: outputs[`Mutant${mutant}Arn`] };
    },
  });
}

describe('step-functions scenario on the local runtime', () => {
  test('passes on the app as synthesized: every case, both workflows run from their templates; leaves the stack as found', async () => {
    const { value: result, leftBehind } = await leftBehindBy(runtime, () => runStepFunctionsScenario(declaredOutputsOnly(target)));
    expect(result.error).toBeUndefined();
    expect(result.steps.filter((s) => !s.ok)).toEqual([]);
    expect(result.steps).toHaveLength(15);
    expect(result.counters).toEqual({ sent: 12, processed: 9, deadLettered: 1 });
    expect(runtime.notEmulated.filter((n) => n.type === 'AWS::StepFunctions::StateMachine')).toEqual([]);
    // The records the workflow wrote: ORDER, PAYMENT and a reservation per line item of the three
    // confirmed orders (9 + 4 + 4), the declined order's PAYMENT; and the two stored readings.
    expect(result.cleaned).toEqual([
      { what: "this run's invalid reading left in the quarantine queue", ok: true, detail: 'none left in the queue' },
      { what: "this run's readings", ok: true, detail: '2 deleted' },
      { what: "this run's executions still running", ok: true, detail: 'none' },
      { what: "this run's approval requests left in the approval queue and its DLQ", ok: true, detail: 'none left in 2 queues' },
      { what: "the order records of this run's orders", ok: true, detail: '18 deleted' },
    ]);
    expect(leftBehind).toEqual([]);
  }, 30_000);

  describe('bites when the definition is wrong', () => {
    test('a changed Choice rule (the approval threshold): the large order is never sent for approval', async () => {
      const result = await runStepFunctionsScenario(mutantTarget('ChoiceRule'), { cases: ['approved'] });
      expect(result.error).toMatch(/^ScenarioError: \S+-approved ended SUCCEEDED without asking for approval$/);
    }, 30_000);

    test('a removed Catch: the declined order is neither compensated nor failed with its cause', async () => {
      const result = await runStepFunctionsScenario(mutantTarget('NoCatch'), { cases: ['declined'] });
      expect(result.error).toMatch(/^ScenarioError: the execution ended FAILED PaymentDeclined: .*, expected FAILED OrderFailed$/);
    }, 30_000);

    test('a removed Retry: the transient gateway error fails the payment', async () => {
      const result = await runStepFunctionsScenario(mutantTarget('NoRetry'), { cases: ['transient'] });
      expect(result.error).toMatch(
        /^ScenarioError: the execution ended FAILED OrderFailed: order \S+ failed: PaymentGatewayUnavailable, expected SUCCEEDED$/,
      );
    }, 30_000);
  });
});

/** A copy of the stack with each mutant as a state machine `Mutant<name>` and an output `Mutant<name>Arn`. */
function withMutants(stack: StackInput): StackInput {
  const template = JSON.parse(JSON.stringify(stack.template)) as Template & { Resources: Record<string, TemplateResource> };
  const original = Object.entries(template.Resources).find(
    ([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && id.startsWith('OrderWorkflow'),
  )?.[1] as TemplateResource;
  const outputs: Record<string, { Value: unknown }> = { ...template.Outputs };
  for (const [name, edit] of Object.entries(MUTANTS)) {
    const resource = JSON.parse(JSON.stringify(original)) as { Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] } } };
    resource.Properties.DefinitionString = editDefinition(resource.Properties.DefinitionString, edit);
    template.Resources[`Mutant${name}`] = resource as unknown as TemplateResource;
    outputs[`Mutant${name}Arn`] = { Value: { Ref: `Mutant${name}` } };
  }
  return { ...stack, template: { ...template, Outputs: outputs } };
}

/**
 * Edits a DefinitionString (an Fn::Join around the resources' references): parsed with each
 * reference kept as a placeholder, edited, pruned of states nothing leads to any more (as CDK renders
 * a graph; AWS refuses unreachable states), and joined again.
 */
function editDefinition(definitionString: { 'Fn::Join': [string, unknown[]] }, edit: (definition: Definition) => void) {
  const references: unknown[] = [];
  const text = definitionString['Fn::Join'][1]
    .map((part) => (typeof part === 'string' ? part : `@@${references.push(part) - 1}@@`))
    .join('');
  const definition = JSON.parse(text) as Definition;
  edit(definition);
  const reachable = new Set<string>();
  const visit = (name: string | undefined) => {
    if (name === undefined || reachable.has(name)) return;
    reachable.add(name);
    const state = definition.States[name];
    for (const next of [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next), ...(state.Catch ?? []).map((c) => c.Next)])
      visit(next);
  };
  visit(definition.StartAt);
  for (const name of Object.keys(definition.States)) if (!reachable.has(name)) delete definition.States[name];
  const parts = JSON.stringify(definition)
    .split(/@@(\d+)@@/)
    .map((piece, i) => (i % 2 === 1 ? references[Number(piece)] : piece));
  return { 'Fn::Join': ['', parts] as [string, unknown[]] };
}

/** A state by name, at the top level or inside a Parallel branch or Map item processor. */
function findState(definition: { States?: Record<string, State> }, name: string): State {
  const found = tryFind(definition, name);
  if (!found) throw new Error(`no state ${name}`);
  return found;
}

function tryFind(definition: { States?: Record<string, State> }, name: string): State | undefined {
  for (const [stateName, state] of Object.entries(definition.States ?? {})) {
    if (stateName === name) return state;
    const nested = [
      ...((state.Branches as Definition[] | undefined) ?? []),
      ...(state.ItemProcessor ? [state.ItemProcessor as Definition] : []),
    ];
    for (const machine of nested) {
      const inner = tryFind(machine, name);
      if (inner) return inner;
    }
  }
  return undefined;
}
