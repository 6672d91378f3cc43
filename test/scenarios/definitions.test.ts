import type { Stack } from 'aws-cdk-lib';
import { buildApp } from '../../lib/app';
import { PATTERNS } from '../../lib/patterns';
import { SCENARIOS } from '../../scenarios';
import { NO_BUNDLING } from '../helpers';

// One synth of the whole app as `cdk synth` builds it (no bundling, no nag): the outputs of each stack.
let outputs: ReadonlyMap<string, readonly string[]>;
beforeAll(() => {
  const app = buildApp({ context: NO_BUNDLING, nag: false });
  const assembly = app.synth();
  outputs = new Map(
    PATTERNS.map((p) => {
      const stack = app.node.findChild(p.stackId) as Stack;
      return [p.stackId, Object.keys(assembly.getStackByName(stack.stackName).template.Outputs ?? {})];
    }),
  );
}, 60_000);

describe('what each scenario declares it reads (ScenarioDefinition.outputs)', () => {
  test.each(Object.values(SCENARIOS).map((s) => [s.pattern, s] as const))(
    '%s: each declared output is an output of its stack',
    (_, scenario) => {
      const declared = scenario.outputs;
      const missing = declared.filter((key) => !outputs.get(scenario.stack)?.includes(key));
      expect(missing).toEqual([]);
      expect(new Set(declared).size).toBe(declared.length);
      // What a stack deployed with other context may lack is among what is declared.
      expect((scenario.optionalOutputs ?? []).filter((key) => !declared.includes(key))).toEqual([]);
    },
  );
});
