/**
 * Gathers pushed messages into batches the way Lambda's MQ pollers do: a batch is handed over when it
 * holds `batchSize` messages or when the batching window has passed since its first message.
 */
export class BatchGatherer<T> {
  private buffer: T[] = [];
  private wake?: () => void;

  public constructor(
    private readonly batchSize: number,
    private readonly windowMs: number,
  ) {}

  public push(item: T): void {
    this.buffer.push(item);
    this.wake?.();
  }

  /** Drops what is buffered (the messages went back to the broker). */
  public clear(): void {
    this.buffer = [];
  }

  /** The next batch, or an empty one when `signal` aborts first. */
  public async next(signal: AbortSignal): Promise<T[]> {
    while (this.buffer.length === 0 && !signal.aborted) await this.sleep(250, signal);
    const windowEnds = Date.now() + this.windowMs;
    while (this.buffer.length < this.batchSize && Date.now() < windowEnds && !signal.aborted) {
      await this.sleep(Math.min(50, windowEnds - Date.now()), signal);
    }
    return this.buffer.splice(0, this.batchSize);
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wake = done;
      signal.addEventListener('abort', done);
    });
  }
}

/** Waits `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    // The listener goes with the pause, so that a long-lived signal does not collect one per pause.
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The statistics of a local MQ event source. */
export interface MqEventSourceStats {
  batches: number;
  received: number;
  acknowledged: number;
  failedBatches: number;
  deadLettered: number;
}
