import { AsyncLocalStorage } from 'node:async_hooks';
import type { Target } from '../local/target';

/** What a scenario needs to run. */
export interface ScenarioOptions {
  readonly report?: (line: string) => void;
  readonly stackName?: string;
  /**
   * Stops the run when aborted (Ctrl-C): no further step starts and a wait in progress ends, then
   * the run's cleanups remove its test data as at any other end, and the result's error is a
   * {@link ScenarioInterrupted}. `SCENARIOS` (scenarios/index.ts) hands it to every {@link Run} the
   * scenario starts.
   * @default - the run is not interruptible
   */
  readonly signal?: AbortSignal;
}

// The signal of the scenario running in this async context: a scenario file creates its Run without
// knowing about interruption, and the Run (and `eventually`) find the signal here.
const interruption = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `fn` so that every {@link Run} it starts, and every {@link eventually} wait, stops when
 * `signal` is aborted. Without a signal, `fn` runs in the caller's context (which may have one).
 */
export function withInterruption<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  return signal ? interruption.run(signal, fn) : fn();
}

/** The run was interrupted (Ctrl-C): the step or wait named did not run to its end. */
export class ScenarioInterrupted extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ScenarioInterrupted';
  }
}

function stopIfInterrupted(what: string): void {
  if (interruption.getStore()?.aborted) throw new ScenarioInterrupted(`interrupted ${what}`);
}

/** One pattern's scenario: `scenarios/<pattern>.ts` exports it as `scenario`. */
export interface ScenarioDefinition {
  readonly pattern: string;
  /** The app's stack id for the pattern. */
  readonly stack: string;
  /** What it proves, in one line. */
  readonly description: string;
  /**
   * The stack outputs it reads (every key it passes to `requireOutput` or reads from the outputs),
   * checked before a run against a deployed stack; `test/app.test.ts` checks that each is an output
   * of the pattern's synthesized stack (both profiles), and the local scenario tests that the
   * scenario reads no other.
   */
  readonly outputs: readonly string[];
  /**
   * Of `outputs`, those a stack deployed with other context lacks by design (amazon-mq deployed with
   * one engine has no outputs of the other); the scenario reads them only when the stack has them,
   * so a check before a run skips them.
   * @default - none: a stack without any of `outputs` cannot run the scenario
   */
  readonly optionalOutputs?: readonly string[];
  readonly run: (target: Target, options: ScenarioOptions) => Promise<ScenarioResult>;
}

/** Message accounting a scenario reports. */
export interface Counters {
  /** Messages the scenario sent (duplicates included). */
  sent: number;
  /** Distinct messages processed by the pattern. */
  processed: number;
  /** Distinct messages that ended in a dead-letter queue. */
  deadLettered: number;
}

/** The outcome of one scenario run. */
export interface ScenarioResult {
  readonly pattern: string;
  readonly target: Target['name'];
  readonly steps: ReadonlyArray<{ readonly name: string; readonly ok: boolean; readonly detail: string }>;
  readonly counters: Counters;
  readonly durationMs: number;
  readonly error?: string;
  /** The test data the run removed when it ended, one entry per registered cleanup, in the order they ran. */
  readonly cleaned: readonly Cleaned[];
}

/** The outcome of one cleanup of a run (see {@link Run.cleanup}). */
export interface Cleaned {
  /** What it removes, as registered. */
  readonly what: string;
  readonly ok: boolean;
  /** What it did (for example `40 deleted`), or why it failed. */
  readonly detail: string;
}

/** A failed expectation of a scenario: one line saying what was expected and what happened. */
export class ScenarioError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/**
 * Runs named steps, reports progress, keeps counters, and turns the first failure into the result.
 * What the run creates in the stack is registered with {@link Run.cleanup} and removed by
 * {@link Run.finish} when the run ends, passed or failed.
 */
export class Run {
  public readonly counters: Counters = { sent: 0, processed: 0, deadLettered: 0 };
  private readonly steps: Array<{ name: string; ok: boolean; detail: string }> = [];
  private readonly cleanups: Array<{ what: string; fn: () => Promise<string> }> = [];
  private readonly cleaned: Cleaned[] = [];
  private readonly started = Date.now();
  /** The interruption of the context the run was created in (see {@link withInterruption}). */
  private readonly signal = interruption.getStore();

  public constructor(
    public readonly pattern: string,
    public readonly target: Target,
    private readonly report: (line: string) => void = () => undefined,
  ) {}

  /** Runs one step; its return value is the step's detail line. */
  public async step(name: string, fn: () => Promise<string>): Promise<void> {
    if (this.signal?.aborted) {
      this.report(`  ■ ${name}: not started, the run was interrupted`);
      throw new ScenarioInterrupted(`interrupted before the step ${name}`);
    }
    this.report(`  … ${name}`);
    const started = Date.now();
    const took = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    try {
      const detail = await fn();
      this.steps.push({ name, ok: true, detail });
      this.report(`  ✓ ${name}: ${detail} (${took()})`);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.steps.push({ name, ok: false, detail });
      this.report(`  ✗ ${name}: ${detail}${error instanceof ScenarioTimeout ? ` (${error.why})` : ''} (${took()})`);
      throw error;
    }
  }

  /**
   * Registers the removal of test data the run creates, or makes the stack create (items, objects,
   * messages), to run when the run ends: register it before the data can exist, and key it on what
   * is this run's (its run id, its order ids), so that on a shared stack it removes nothing else.
   * `fn` may find nothing to remove (the run stopped earlier); it says what it did in a few words
   * (`3 deleted`).
   */
  public cleanup(what: string, fn: () => Promise<string>): void {
    this.cleanups.push({ what, fn });
  }

  /**
   * Ends the run: runs every registered cleanup, the last registered first (what was created last
   * may depend on what came before: stop the work, then delete what it wrote), each once; one that
   * fails does not stop the others, its error is in {@link ScenarioResult.cleaned}. Then returns the
   * result, with the error that stopped the run if any.
   */
  public async finish(error?: unknown): Promise<ScenarioResult> {
    // Cleanups run to their end even after an interruption: their waits must not stop.
    await interruption.exit(() => this.runCleanups());
    return this.result(error);
  }

  private async runCleanups(): Promise<void> {
    while (this.cleanups.length > 0) {
      const { what, fn } = this.cleanups.pop() as (typeof this.cleanups)[number];
      try {
        const detail = (await fn()) || 'done';
        this.cleaned.push({ what, ok: true, detail });
        this.report(`  ⌫ ${what}: ${detail}`);
      } catch (failure) {
        const detail = failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure);
        this.cleaned.push({ what, ok: false, detail });
        this.report(`  ✗ cleanup of ${what} failed: ${detail}`);
      }
    }
  }

  /** The result so far, with the error that stopped the run if any. */
  public result(error?: unknown): ScenarioResult {
    return {
      pattern: this.pattern,
      target: this.target.name,
      steps: [...this.steps],
      counters: { ...this.counters },
      durationMs: Date.now() - this.started,
      ...(error === undefined ? {} : { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
      cleaned: [...this.cleaned],
    };
  }
}

/** Checks a condition of the scenario. */
export function expectThat(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ScenarioError(message);
}

/** Reports what a probe has seen so far (a count, a set of ids...); a marker that differs from the last is progress. */
export type Progress = (marker: unknown) => void;

/** Options of {@link eventually}. */
export interface EventuallyOptions {
  /**
   * Milliseconds between probes.
   * @default 250
   */
  readonly intervalMs?: number;
  /**
   * Looks (probes) with nothing new that a wait also needs before it fails: on a machine so busy
   * that one look takes seconds, seconds alone say little.
   * @default 3
   */
  readonly idleProbes?: number;
  /**
   * A ceiling on the whole wait, however much progress is reported (a probe whose marker changes
   * forever cannot hang a run).
   * @default - 20 times the idle window
   */
  readonly maxSeconds?: number;
}

/** A wait that ran out: nothing new within the idle window (or the ceiling was reached). */
export class ScenarioTimeout extends ScenarioError {
  public constructor(
    message: string,
    /** The idle window that ran out, in seconds. */
    public readonly idleSeconds: number,
    /** The whole wait, in seconds. */
    public readonly elapsedSeconds: number,
    /** The last progress marker the probe reported, if any. */
    public readonly lastProgress: unknown,
    /** Whether the ceiling (`maxSeconds`) ended the wait rather than the idle window. */
    public readonly ceiling: boolean,
  ) {
    super(message);
  }

  /** One line on why the wait ended, for progress reports. */
  public get why(): string {
    if (this.ceiling) return `still making progress at the ceiling of ${this.elapsedSeconds.toFixed(1)} s`;
    const last = this.lastProgress === undefined ? 'no progress reported' : `last progress: ${describe(this.lastProgress)}`;
    return `nothing new for ${this.idleSeconds} s; ${last}`;
  }
}

/**
 * Polls `probe` until it returns a value (not undefined). The deadline follows progress: the wait
 * fails when `idleSeconds` pass with nothing new, so a slow machine that keeps making progress
 * passes and a broken configuration fails as soon as it stops moving. The probe reports what it has
 * seen through its `progress` argument (for example the number of messages collected so far); each
 * marker that differs from the previous one restarts the idle window. The window also lasts at least
 * `idleProbes` looks, so that a machine too busy to look often gets as many looks as a quiet one. A
 * probe that reports nothing waits `idleSeconds` in all, as a fixed deadline would.
 *
 * The error names the whole wait: `timed out after <elapsed> s waiting for <what>`.
 */
export async function eventually<T>(
  what: string,
  idleSeconds: number,
  probe: (progress: Progress) => Promise<T | undefined>,
  options: EventuallyOptions | number = {},
): Promise<T> {
  const {
    intervalMs = 250,
    idleProbes = 3,
    maxSeconds = 20 * idleSeconds,
  } = typeof options === 'number' ? { intervalMs: options } : options;
  const started = Date.now();
  let idleSince = started;
  let probesSince = 0;
  let lastMarker: string | undefined;
  let lastProgress: unknown;
  const progress: Progress = (marker) => {
    const key = JSON.stringify(marker) ?? String(marker);
    if (key !== lastMarker) {
      lastMarker = key;
      lastProgress = marker;
      idleSince = Date.now();
      probesSince = 0;
    }
  };
  let last: unknown;
  for (;;) {
    stopIfInterrupted(`waiting for ${what}`);
    try {
      probesSince++;
      const value = await probe(progress);
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    const now = Date.now();
    const ceiling = now - started > maxSeconds * 1000;
    if (ceiling || (now - idleSince > idleSeconds * 1000 && probesSince >= idleProbes)) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : '';
      const elapsed = (now - started) / 1000;
      throw new ScenarioTimeout(
        `timed out after ${elapsed.toFixed(1)} s waiting for ${what}${why}`,
        idleSeconds,
        elapsed,
        lastProgress,
        ceiling,
      );
    }
    await pause(intervalMs);
  }
}

/** Waits `ms`, or less when the run is interrupted meanwhile. */
function pause(ms: number): Promise<void> {
  const signal = interruption.getStore();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function describe(marker: unknown): string {
  const text = typeof marker === 'string' ? marker : JSON.stringify(marker);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A short id that keeps one run's messages apart from others on a shared stack. */
export function runId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}
