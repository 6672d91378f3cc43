import type { Target } from '../local/target';

/** What a scenario needs to run. */
export interface ScenarioOptions {
  readonly report?: (line: string) => void;
  readonly stackName?: string;
}

/** One pattern's scenario: `scenarios/<pattern>.ts` exports it as `scenario`. */
export interface ScenarioDefinition {
  readonly pattern: string;
  /** The app's stack id for the pattern. */
  readonly stack: string;
  /** What it proves, in one line. */
  readonly description: string;
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
}

/** A failed expectation of a scenario: one line saying what was expected and what happened. */
export class ScenarioError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** Runs named steps, reports progress, keeps counters, and turns the first failure into the result. */
export class Run {
  public readonly counters: Counters = { sent: 0, processed: 0, deadLettered: 0 };
  private readonly steps: Array<{ name: string; ok: boolean; detail: string }> = [];
  private readonly started = Date.now();

  public constructor(
    public readonly pattern: string,
    public readonly target: Target,
    private readonly report: (line: string) => void = () => undefined,
  ) {}

  /** Runs one step; its return value is the step's detail line. */
  public async step(name: string, fn: () => Promise<string>): Promise<void> {
    this.report(`  … ${name}`);
    try {
      const detail = await fn();
      this.steps.push({ name, ok: true, detail });
      this.report(`  ✓ ${name}: ${detail}`);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.steps.push({ name, ok: false, detail });
      this.report(`  ✗ ${name}: ${detail}`);
      throw error;
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
    };
  }
}

/** Checks a condition of the scenario. */
export function expectThat(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ScenarioError(message);
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(what: string, seconds: number, probe: () => Promise<T | undefined>, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : '';
      throw new ScenarioError(`timed out after ${seconds} s waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A short id that keeps one run's messages apart from others on a shared stack. */
export function runId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}
