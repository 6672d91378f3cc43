/**
 * The documented numbers every pattern enforces. Each one names its source so that a reviewer can
 * check it, and the guides quote these values rather than retyping them.
 *
 * Units are in the constant's name (`Seconds`, `Bytes`). Ranges are inclusive.
 */

/** An inclusive numeric range with the unit it is expressed in. */
export interface Range {
  readonly min: number;
  readonly max: number;
  readonly unit: string;
}

const KIB = 1024;
const DAY_SECONDS = 24 * 60 * 60;

/** Amazon SQS quotas and settings (SQS Developer Guide: "Amazon SQS quotas", "queue parameters"). */
export const SQS = {
  /** Delivery delay of a delay queue: 0 to 15 minutes (SQS Developer Guide, "Amazon SQS delay queues"). */
  deliveryDelaySeconds: { min: 0, max: 900, unit: 's' } as Range,
  /** The notes' message size: up to 256 KiB of any format (the project's default maximum). */
  notesMaxMessageSizeBytes: 256 * KIB,
  /** CreateQueue MaximumMessageSize: 1,024 bytes to 1 MiB since August 2025 (SQS API Reference). */
  maxMessageSizeBytes: { min: 1 * KIB, max: 1024 * KIB, unit: 'bytes' } as Range,
  /** Message retention: 60 s to 14 days (SQS Developer Guide, "Amazon SQS message quotas"). */
  retentionSeconds: { min: 60, max: 14 * DAY_SECONDS, unit: 's' } as Range,
  /** Default message retention: 4 days (SQS Developer Guide, "Amazon SQS message quotas"). */
  defaultRetentionSeconds: 4 * DAY_SECONDS,
  /** Dead-letter queues keep messages as long as SQS allows: 14 days. */
  deadLetterRetentionSeconds: 14 * DAY_SECONDS,
  /** ReceiveMessageWaitTimeSeconds: 0 (short polling) to 20 s (SQS Developer Guide, "short and long polling"). */
  receiveWaitSeconds: { min: 0, max: 20, unit: 's' } as Range,
  /** The project's default receive wait: the longest long poll, fewest empty receives. */
  defaultReceiveWaitSeconds: 20,
  /** Visibility timeout: 0 s to 12 hours, 30 s by default (SQS Developer Guide, "visibility timeout"). */
  visibilityTimeoutSeconds: { min: 0, max: 12 * 60 * 60, unit: 's' } as Range,
  /** SQS's own default visibility timeout (SQS Developer Guide, "visibility timeout"). */
  defaultVisibilityTimeoutSeconds: 30,
  /** Redrive policy maxReceiveCount: 1 to 1,000 (SQS Developer Guide, "dead-letter queues"). */
  maxReceiveCount: { min: 1, max: 1000, unit: 'receives' } as Range,
  /**
   * The project's default maxReceiveCount: 5, the minimum the Lambda Developer Guide recommends for a
   * queue consumed by Lambda, so that throttled receives do not dead-letter healthy messages.
   */
  defaultMaxReceiveCount: 5,
  /** KMS data key reuse period: 60 s to 24 hours, 5 minutes by default (SQS API Reference, CreateQueue). */
  dataKeyReuseSeconds: { min: 60, max: DAY_SECONDS, unit: 's' } as Range,
  defaultDataKeyReuseSeconds: 300,
  /** Messages per SendMessageBatch / ReceiveMessage / DeleteMessageBatch call (SQS message quotas). */
  maxBatchEntries: 10,
  /** FIFO throughput without high-throughput mode: 300 API calls/s per action, 3,000 messages/s batched. */
  fifoTransactionsPerSecond: 300,
  fifoBatchedMessagesPerSecond: 3000,
  /** Queue names: at most 80 characters, `.fifo` included for FIFO queues (SQS quotas). */
  maxQueueNameLength: 80,
} as const;

/** AWS Lambda settings for an SQS event source (Lambda Developer Guide, "Using Lambda with Amazon SQS"). */
export const LAMBDA_SQS = {
  /** Batch size: 1 to 10,000 for standard queues (more than 10 needs a batching window), 1 to 10 for FIFO. */
  standardBatchSize: { min: 1, max: 10_000, unit: 'records' } as Range,
  fifoBatchSize: { min: 1, max: 10, unit: 'records' } as Range,
  /** Batch sizes above this need a batching window of at least 1 s (Lambda API, CreateEventSourceMapping). */
  batchSizeWithoutWindow: 10,
  /** MaximumBatchingWindowInSeconds: 0 to 300 s; not supported for FIFO queues. */
  batchingWindowSeconds: { min: 0, max: 300, unit: 's' } as Range,
  /** ScalingConfig.MaximumConcurrency: 2 to 1,000 concurrent invocations. */
  maxConcurrency: { min: 2, max: 1000, unit: 'invocations' } as Range,
  /** The queue's visibility timeout must be at least this many times the function timeout. */
  visibilityToTimeoutRatio: 6,
  /** Function timeout: 1 s to 15 minutes (Lambda quotas). */
  timeoutSeconds: { min: 1, max: 900, unit: 's' } as Range,
  /** Memory: 128 MB to 10,240 MB (Lambda quotas). */
  memoryMb: { min: 128, max: 10_240, unit: 'MB' } as Range,
} as const;

/** Amazon SNS quotas (SNS Developer Guide, "Amazon SNS quotas"). */
export const SNS = {
  /** Maximum publish payload: 256 KiB. */
  maxMessageSizeBytes: 256 * KIB,
} as const;

/** Amazon CloudWatch Logs retention used for every log group the patterns create. */
export const LOGS = {
  sandboxRetentionDays: 7,
  productionRetentionDays: 365,
} as const;
