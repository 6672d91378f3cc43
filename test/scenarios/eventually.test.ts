import { eventually, Run, ScenarioError, ScenarioTimeout } from '../../scenarios/scenario';

/** Seconds since `started`, to one decimal. */
const since = (started: number) => (Date.now() - started) / 1000;

describe('eventually: deadlines follow progress', () => {
  test('returns the first value the probe gives', async () => {
    let calls = 0;
    await expect(eventually('three calls', 1, async () => (++calls === 3 ? 'done' : undefined), 5)).resolves.toBe('done');
    expect(calls).toBe(3);
  });

  test('a probe that keeps making progress may take longer than the idle window in all', async () => {
    const started = Date.now();
    let seen = 0;
    const value = await eventually(
      'a slow but steady count',
      0.3,
      async (progress) => {
        await new Promise((r) => setTimeout(r, 100));
        progress(++seen);
        return seen === 12 ? seen : undefined;
      },
      { intervalMs: 0 },
    );
    expect(value).toBe(12);
    expect(since(started)).toBeGreaterThan(1);
  });

  test('nothing new for the idle window fails, with the whole wait in the message', async () => {
    const started = Date.now();
    let seen = 0;
    const error = await eventually(
      'ten items',
      0.3,
      async (progress) => {
        seen = Math.min(seen + 1, 4); // stalls at 4
        progress(seen);
        return undefined;
      },
      { intervalMs: 20, maxSeconds: 30 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioTimeout);
    expect(error).toBeInstanceOf(ScenarioError);
    const timeout = error as ScenarioTimeout;
    expect(timeout.message).toMatch(/^timed out after \d+\.\d s waiting for ten items$/);
    expect(timeout.name).toBe('ScenarioError');
    expect(timeout.lastProgress).toBe(4);
    expect(timeout.why).toBe('nothing new for 0.3 s; last progress: 4');
    // Progress for a few looks, then the idle window: it fails fast, long before the 30 s ceiling.
    expect(timeout.ceiling).toBe(false);
    expect(since(started)).toBeGreaterThanOrEqual(0.3);
    expect(since(started)).toBeLessThan(5);
  });

  test('a probe that reports no progress waits the window once, as a fixed deadline would', async () => {
    const started = Date.now();
    await expect(eventually('nothing', 0.2, async () => undefined, 10)).rejects.toThrow(/^timed out after 0\.\d s waiting for nothing$/);
    expect(since(started)).toBeGreaterThanOrEqual(0.2);
  });

  test('a busy machine gets as many looks as a quiet one: the window lasts at least idleProbes looks', async () => {
    let looks = 0;
    await expect(
      eventually(
        'a slow look',
        0.05,
        async () => {
          looks++;
          await new Promise((r) => setTimeout(r, 60)); // each look outlasts the idle window
          return undefined;
        },
        { intervalMs: 0, idleProbes: 4 },
      ),
    ).rejects.toBeInstanceOf(ScenarioTimeout);
    expect(looks).toBe(4);
  });

  test('the ceiling ends a wait whose progress never stops', async () => {
    let n = 0;
    const error = (await eventually(
      'a count without end',
      1,
      async (progress) => {
        progress(++n);
        return undefined;
      },
      { intervalMs: 10, maxSeconds: 0.2 },
    ).catch((e: unknown) => e)) as ScenarioTimeout;
    expect(error.ceiling).toBe(true);
    expect(error.why).toMatch(/^still making progress at the ceiling of 0\.\d s$/);
  });

  test('the last error of the probe is named', async () => {
    await expect(
      eventually(
        'a reachable endpoint',
        0.1,
        async () => {
          throw new Error('connection refused');
        },
        10,
      ),
    ).rejects.toThrow(/^timed out after [\d.]+ s waiting for a reachable endpoint \(last error: connection refused\)$/);
  });

  test('a step that times out reports why, and its duration', async () => {
    const lines: string[] = [];
    const run = new Run('test', { name: 'local' } as never, (line) => lines.push(line));
    await expect(run.step('wait', () => eventually('x', 0.05, async () => undefined, 5).then(() => 'never'))).rejects.toThrow();
    expect(lines[1]).toMatch(
      /^ {2}✗ wait: timed out after [\d.]+ s waiting for x \(nothing new for 0\.05 s; no progress reported\) \([\d.]+ s\)$/,
    );
    expect(run.result(new Error('x')).steps).toEqual([{ name: 'wait', ok: false, detail: expect.stringMatching(/^timed out after/) }]);
  });
});
