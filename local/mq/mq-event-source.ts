import type { InvocationResult } from '../lambda/local-function';
import type { LocalEventSource, SyncInvoke } from '../services/service';
import type { BatchGatherer, MqEventSourceStats } from './batch-gatherer';
import { pause } from './batch-gatherer';

/** What every Amazon MQ event source mapping has, whichever the engine. */
export interface MqEventSourceSpec {
  readonly logicalId: string;
  readonly brokerArn: string;
  readonly queue: string;
  readonly host: string;
  readonly port: number;
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly enabled: boolean;
  /** The broker user of the BASIC_AUTH secret (read when polling starts). */
  readonly credentials: () => { username: string; password: string };
  readonly retryDelaySeconds: number;
  readonly onError: (error: Error) => void;
}

/**
 * The part of Lambda's Amazon MQ event sources that does not depend on the engine: start and stop, one
 * session after another (a dropped connection is reported once and retried a second later; refused
 * credentials stop the mapping with EVENT_SOURCE_AUTHN_ERROR, as on AWS), batches handed from the
 * gatherer to the engine, and the function invoked and counted. Each engine opens its session, shapes
 * its event and acknowledges (or returns) its messages.
 */
export abstract class MqEventSource<S extends MqEventSourceSpec, M> implements LocalEventSource {
  public readonly stats: MqEventSourceStats = { batches: 0, received: 0, acknowledged: 0, failedBatches: 0, deadLettered: 0 };
  private readonly controller = new AbortController();
  private loop?: Promise<void>;
  private lastProblem = '';

  public constructor(
    public readonly spec: S,
    private readonly invoke: SyncInvoke,
  ) {}

  /** The engine as errors name it (`ActiveMQ`, `RabbitMQ`). */
  protected abstract readonly engine: string;

  /** Whether a session's error means the broker refused the secret's credentials. */
  protected abstract refusedCredentials(message: string): boolean;

  /** Connects, consumes until `signal` aborts (resolves) or the connection fails (rejects), and disconnects. */
  protected abstract session(signal: AbortSignal): Promise<void>;

  public start(): void {
    if (!this.spec.enabled || this.loop) return;
    this.loop = this.run();
  }

  public async stop(): Promise<void> {
    this.controller.abort();
    await this.loop;
  }

  private report(problem: string): void {
    if (problem === this.lastProblem) return;
    this.lastProblem = problem;
    this.spec.onError(new Error(`Amazon MQ event source ${this.spec.logicalId} (${this.engine} queue ${this.spec.queue}): ${problem}`));
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      try {
        await this.session(signal);
      } catch (error) {
        if (signal.aborted) return;
        const message = (error as Error).message.split('\n')[0];
        if (this.refusedCredentials(message)) {
          // Lambda reports EVENT_SOURCE_AUTHN_ERROR and stops this consumer.
          this.report(
            `EVENT_SOURCE_AUTHN_ERROR: the broker refused the credentials of the BASIC_AUTH secret (${message}); the mapping stops polling`,
          );
          return;
        }
        this.report(`PROBLEM: ${message}; retrying`);
        await pause(1000, signal);
      }
    }
  }

  /**
   * Hands every non-empty batch the gatherer makes to `handle`, until `signal` aborts (then resolves with
   * the batch in hand, which no one has seen) or `dropped` rejects. A session that polls is healthy
   * again: the next problem is reported even when it is the last one again.
   */
  protected async poll(
    gatherer: BatchGatherer<M>,
    dropped: Promise<never>,
    signal: AbortSignal,
    handle: (batch: M[]) => Promise<void>,
  ): Promise<M[]> {
    this.lastProblem = '';
    for (;;) {
      const batch = await Promise.race([gatherer.next(signal), dropped]);
      if (signal.aborted) return batch;
      if (batch.length === 0) continue;
      await handle(batch);
    }
  }

  /** Invokes the function with a batch's event; `acknowledge` runs when it succeeded. Counts both outcomes. */
  protected async invokeBatch(batch: readonly M[], event: unknown, acknowledge: () => void): Promise<InvocationResult> {
    this.stats.batches++;
    this.stats.received += batch.length;
    const outcome = await this.invoke(event);
    if (outcome.ok) {
      acknowledge();
      this.stats.acknowledged += batch.length;
    } else {
      this.stats.failedBatches++;
    }
    return outcome;
  }
}
