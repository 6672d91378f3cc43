import type { Target } from '../../local/target';
import { eventually, Run, ScenarioInterrupted, withInterruption } from '../../scenarios/scenario';

// How a scenario run stops on Ctrl-C (scenarios/scenario.ts): `decoupling smoke` hands the signal to
// the scenario, `decoupling demo` wraps the whole demo (whose runs get no signal of their own).
const target = { name: 'local' } as Target;

async function threeSteps(onStep: (name: string) => void): Promise<{ error?: string; cleaned: string[]; steps: string[] }> {
  const run = new Run('fake', target);
  try {
    for (const name of ['one', 'two', 'three']) {
      await run.step(name, async () => {
        onStep(name);
        return 'done';
      });
      if (name === 'one') {
        // A cleanup that waits: it must run to its end after an interruption.
        run.cleanup('test data', () => eventually('the data to go', 5, async () => 'gone', { intervalMs: 1 }));
      }
    }
    const result = await run.finish();
    return { cleaned: result.cleaned.map((c) => `${c.what}: ${c.detail}`), steps: result.steps.map((s) => s.name) };
  } catch (error) {
    const result = await run.finish(error);
    return { error: result.error, cleaned: result.cleaned.map((c) => `${c.what}: ${c.detail}`), steps: result.steps.map((s) => s.name) };
  }
}

describe('interrupting a scenario run', () => {
  test('without a signal every step runs', async () => {
    expect(await threeSteps(() => undefined)).toEqual({ cleaned: ['test data: gone'], steps: ['one', 'two', 'three'] });
  });

  test('an outer signal reaches runs started under a withInterruption without one (the demo wraps the scenarios)', async () => {
    const controller = new AbortController();
    const result = await withInterruption(controller.signal, () =>
      withInterruption(undefined, () => threeSteps((name) => name === 'one' && controller.abort())),
    );
    expect(result).toEqual({
      error: 'ScenarioInterrupted: interrupted before the step two',
      cleaned: ['test data: gone'],
      steps: ['one'],
    });
  });

  test('a wait stops when the signal fires while it pauses between looks', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    const wait = withInterruption(controller.signal, () =>
      eventually('nothing', 60, async () => undefined, { intervalMs: 30_000, idleProbes: 1 }),
    );
    await expect(wait).rejects.toThrow(new ScenarioInterrupted('interrupted waiting for nothing'));
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
