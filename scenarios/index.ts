import { PATTERNS } from '../lib/patterns';
import { type ScenarioDefinition, withInterruption } from './scenario';

export type { Cleaned, ScenarioDefinition, ScenarioOptions, ScenarioResult } from './scenario';
export { ScenarioInterrupted, withInterruption } from './scenario';

/**
 * Every scenario, by pattern folder name, in the order of `lib/patterns.ts`: each pattern's
 * `scenarios/<pattern>.ts` exports its definition as `scenario`, so a new pattern adds no line here.
 * Each `run` honours `options.signal` (see `ScenarioOptions.signal`): the pattern's file need not.
 */
export const SCENARIOS: Readonly<Record<string, ScenarioDefinition>> = Object.fromEntries(
  PATTERNS.map((pattern) => {
    const { scenario } = require(`./${pattern.name}`) as { scenario?: ScenarioDefinition };
    if (scenario?.pattern !== pattern.name || scenario.stack !== pattern.stackId) {
      throw new Error(`scenarios/${pattern.name}.ts must export a scenario for ${pattern.name} on stack ${pattern.stackId}`);
    }
    const definition: ScenarioDefinition = {
      ...scenario,
      run: (target, options) => withInterruption(options.signal, () => scenario.run(target, options)),
    };
    return [pattern.name, definition];
  }),
);
