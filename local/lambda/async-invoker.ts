import { randomUUID } from 'node:crypto';
import type { InvocationError, LocalFunction } from './local-function';

/** Where an asynchronous invocation's outcome goes (a destination or dead-letter target). */
export type Deliver = (targetArn: string, payload: { body: string; attributes?: Record<string, string> }) => Promise<void>;

/** Lambda's asynchronous invocation settings for one function. */
export interface AsyncSettings {
  /** MaximumRetryAttempts (AWS default 2). */
  readonly maxRetries: number;
  /** DestinationConfig.OnFailure.Destination. */
  readonly onFailure?: string;
  /** DestinationConfig.OnSuccess.Destination. */
  readonly onSuccess?: string;
  /** DeadLetterConfig.TargetArn (SQS queue or SNS topic). */
  readonly deadLetterArn?: string;
}

/** Counters of the asynchronous path of one function. */
export interface AsyncStats {
  accepted: number;
  succeeded: number;
  retried: number;
  failed: number;
}

/**
 * Lambda's asynchronous invocation (how S3 notifications and SNS subscriptions call functions):
 * the event is accepted at once, attempted, retried up to MaximumRetryAttempts on error, then sent
 * to the on-failure destination (a record with the request and the error) or the dead-letter queue
 * (the original event). AWS waits about one then two minutes between attempts; the local runtime
 * waits `retryDelaySeconds`.
 */
export class AsyncInvoker {
  public readonly stats: AsyncStats = { accepted: 0, succeeded: 0, retried: 0, failed: 0 };
  private readonly inFlight = new Set<Promise<void>>();

  public constructor(
    private readonly fn: LocalFunction,
    private settings: AsyncSettings,
    private readonly deliver: Deliver,
    private readonly retryDelaySeconds: number,
    private readonly onError?: (error: Error) => void,
  ) {}

  /** Replaces the settings (an EventInvokeConfig can come after the function in the template). */
  public configure(settings: Partial<AsyncSettings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  /** Accepts an event (HTTP 202 on AWS); the invocation runs in the background. */
  public invoke(event: unknown): string {
    const requestId = randomUUID();
    this.stats.accepted++;
    const work = this.attempt(requestId, event).catch((error: Error) => this.onError?.(error));
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return requestId;
  }

  /** Resolves when every accepted event has finished (succeeded or delivered to its failure target). */
  public async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async attempt(requestId: string, event: unknown): Promise<void> {
    let lastError: InvocationError | undefined;
    for (let attempt = 0; attempt <= this.settings.maxRetries; attempt++) {
      if (attempt > 0) {
        this.stats.retried++;
        await new Promise((r) => setTimeout(r, this.retryDelaySeconds * 1000));
      }
      const outcome = await this.fn.invoke(event);
      if (outcome.ok) {
        this.stats.succeeded++;
        if (this.settings.onSuccess) {
          await this.deliver(this.settings.onSuccess, {
            body: JSON.stringify(this.record(requestId, event, 'Success', attempt, outcome.result)),
          });
        }
        return;
      }
      lastError = outcome.error;
    }
    this.stats.failed++;
    const error = lastError as InvocationError;
    if (this.settings.onFailure) {
      await this.deliver(this.settings.onFailure, {
        body: JSON.stringify(this.record(requestId, event, 'RetriesExhausted', this.settings.maxRetries, error)),
      });
    } else if (this.settings.deadLetterArn) {
      await this.deliver(this.settings.deadLetterArn, {
        body: JSON.stringify(event),
        attributes: { RequestID: requestId, ErrorCode: '200', ErrorMessage: error.errorMessage.slice(0, 1000) },
      });
    }
  }

  /** The record Lambda sends to a destination. */
  private record(requestId: string, event: unknown, condition: 'Success' | 'RetriesExhausted', retries: number, payload: unknown) {
    const failed = condition !== 'Success';
    return {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: { requestId, functionArn: `${this.fn.spec.functionArn}:$LATEST`, condition, approximateInvokeCount: retries + 1 },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(failed ? { functionError: 'Unhandled' } : {}) },
      responsePayload: payload,
    };
  }
}
