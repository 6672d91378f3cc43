import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { InvocationResult } from '../lambda/local-function';

/** An SQS event source mapping, as the template configures it. */
export interface SqsEventSourceSpec {
  readonly logicalId: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly fifo: boolean;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** ScalingConfig.MaximumConcurrency, or the local default. */
  readonly maxConcurrency: number;
  readonly reportBatchItemFailures: boolean;
  readonly enabled: boolean;
}

/** Where records go: the function's synchronous invoke. */
export type Invoke = (event: unknown) => Promise<InvocationResult>;

/** Counters of one event source mapping. */
export interface EventSourceStats {
  batches: number;
  received: number;
  succeeded: number;
  failed: number;
}

const RECEIVE_WAIT_SECONDS = 1;

/**
 * Polls a queue the way Lambda's event source mapping does: up to `maxConcurrency` concurrent
 * pollers, batches of up to `batchSize` records gathered for at most the batching window, the
 * function invoked synchronously, successful records deleted; with ReportBatchItemFailures only the
 * reported records are kept (an invalid response fails the whole batch, as on AWS).
 *
 * One deliberate difference, for speed: failed records are made visible again after
 * `retryDelaySeconds` (default 0) instead of the queue's visibility timeout. Receive counts, the
 * redrive to the dead-letter queue after maxReceiveCount and FIFO group order are the emulator's.
 */
export class SqsEventSource {
  public readonly stats: EventSourceStats = { batches: 0, received: 0, succeeded: 0, failed: 0 };
  private readonly controller = new AbortController();
  private pollers: Promise<void>[] = [];

  public constructor(
    public readonly spec: SqsEventSourceSpec,
    private readonly sqs: SQSClient,
    private readonly invoke: Invoke,
    private readonly options: { retryDelaySeconds: number; region: string; onError?: (error: Error) => void },
  ) {}

  /** Starts polling (no-op when the mapping is disabled). */
  public start(): void {
    if (!this.spec.enabled || this.pollers.length > 0) return;
    for (let i = 0; i < this.spec.maxConcurrency; i++) this.pollers.push(this.poll());
  }

  /** Stops polling; in-flight batches finish first. */
  public async stop(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled(this.pollers);
    this.pollers = [];
  }

  private async poll(): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      try {
        const messages = await this.gather(signal);
        if (messages.length > 0) await this.process(messages);
      } catch (error) {
        if (signal.aborted) return;
        this.options.onError?.(error as Error);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Receives up to batchSize messages, waiting at most the batching window once the first arrived. */
  private async gather(signal: AbortSignal): Promise<Message[]> {
    const { spec } = this;
    const messages: Message[] = [];
    const windowEnds = Date.now() + spec.maxBatchingWindowSeconds * 1000;
    while (messages.length < spec.batchSize && !signal.aborted) {
      const remainingWindow = windowEnds - Date.now();
      const waitSeconds = messages.length === 0 ? RECEIVE_WAIT_SECONDS : Math.min(RECEIVE_WAIT_SECONDS, Math.floor(remainingWindow / 1000));
      if (messages.length > 0 && remainingWindow <= 0) break;
      const response = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: spec.queueUrl,
          MaxNumberOfMessages: Math.min(10, spec.batchSize - messages.length),
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: signal },
      );
      const received = response.Messages ?? [];
      messages.push(...received);
      if (received.length === 0 && messages.length > 0 && spec.maxBatchingWindowSeconds === 0) break;
      if (received.length === 0 && messages.length === 0) return messages;
      if (spec.maxBatchingWindowSeconds === 0) break;
    }
    return messages;
  }

  private async process(messages: Message[]): Promise<void> {
    const { spec } = this;
    this.stats.batches++;
    this.stats.received += messages.length;
    const event = { Records: messages.map((m) => this.record(m)) };
    const outcome = await this.invoke(event);
    const failedIds = this.failedMessageIds(outcome, messages);
    const succeeded = messages.filter((m) => !failedIds.has(m.MessageId as string));
    const failed = messages.filter((m) => failedIds.has(m.MessageId as string));
    this.stats.succeeded += succeeded.length;
    this.stats.failed += failed.length;
    await this.inBatches(succeeded, (entries) =>
      this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: spec.queueUrl,
          Entries: entries.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      ),
    );
    await this.inBatches(failed, (entries) =>
      this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: spec.queueUrl,
          Entries: entries.map((m, i) => ({
            Id: String(i),
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: this.options.retryDelaySeconds,
          })),
        }),
      ),
    );
  }

  /** Which records to keep in the queue, by Lambda's rules for the function's response. */
  private failedMessageIds(outcome: InvocationResult, messages: Message[]): Set<string> {
    const all = new Set(messages.map((m) => m.MessageId as string));
    if (!outcome.ok) return all;
    if (!this.spec.reportBatchItemFailures) return new Set();
    const response = outcome.result as { batchItemFailures?: Array<{ itemIdentifier?: unknown }> } | null;
    if (response === null || response === undefined || typeof response !== 'object') return new Set();
    if (response.batchItemFailures === undefined || response.batchItemFailures === null) return new Set();
    if (!Array.isArray(response.batchItemFailures)) return all;
    const failed = new Set<string>();
    for (const item of response.batchItemFailures) {
      // An empty, missing or unknown identifier makes Lambda treat the whole batch as failed.
      if (typeof item?.itemIdentifier !== 'string' || !all.has(item.itemIdentifier)) return all;
      failed.add(item.itemIdentifier);
    }
    return failed;
  }

  private async inBatches(messages: Message[], send: (entries: Message[]) => Promise<unknown>): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) await send(messages.slice(i, i + 10));
  }

  /** An SQS record in the shape Lambda delivers. */
  private record(message: Message) {
    const attributes = message.Attributes ?? {};
    return {
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body,
      attributes: {
        ApproximateReceiveCount: attributes.ApproximateReceiveCount,
        SentTimestamp: attributes.SentTimestamp,
        SenderId: attributes.SenderId,
        ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp,
        ...(this.spec.fifo
          ? {
              SequenceNumber: attributes.SequenceNumber,
              MessageGroupId: attributes.MessageGroupId,
              MessageDeduplicationId: attributes.MessageDeduplicationId,
            }
          : {}),
      },
      messageAttributes: Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [k, lambdaAttribute(v)])),
      md5OfBody: message.MD5OfBody,
      ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: this.spec.queueArn,
      awsRegion: this.options.region,
    };
  }
}

function lambdaAttribute(value: MessageAttributeValue) {
  return {
    stringValue: value.StringValue,
    binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
    stringListValues: [],
    binaryListValues: [],
    dataType: value.DataType,
  };
}
