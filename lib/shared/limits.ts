/**
 * The documented numbers every pattern enforces: the single source for guards, defaults and the
 * tables in the guides (`npm run docs` renders them; a test fails when a guide is stale).
 *
 * Units are in the constant's name (`Seconds`, `Bytes`) or in the range. Ranges are inclusive.
 */

/** An inclusive numeric range, the unit it is expressed in, and where it is documented. */
export interface Range {
  readonly min: number;
  readonly max: number;
  readonly unit: string;
  /** Short name of the source, quoted in guard messages. */
  readonly source?: string;
}

/** One row of a guide's limits table. */
export interface DocumentedSetting {
  /** What the setting is called in the guide. */
  readonly setting: string;
  /** The construct prop that carries it. */
  readonly prop: string;
  /** What the service allows. */
  readonly allowed: Range;
  /** What the service does when the setting is not given. */
  readonly serviceDefault?: number;
  /** What the project uses when the prop is not given. */
  readonly projectDefault?: number;
  /** Where the numbers come from. */
  readonly citation: string;
}

const KIB = 1024;
const DAY_SECONDS = 24 * 60 * 60;

/** Amazon SQS quotas and settings. */
export const SQS = {
  /** Delivery delay of a delay queue: 0 to 15 minutes. */
  deliveryDelaySeconds: { min: 0, max: 900, unit: 's', source: 'SQS delay queues' },
  /** The notes' message size: up to 256 KiB of any format (the project's default maximum). */
  notesMaxMessageSizeBytes: 256 * KIB,
  /** CreateQueue MaximumMessageSize: 1,024 bytes to 1 MiB (raised from 256 KiB in August 2025). */
  maxMessageSizeBytes: { min: 1 * KIB, max: 1024 * KIB, unit: 'bytes', source: 'SQS message quotas' },
  /** Message retention: 60 s to 14 days. */
  retentionSeconds: { min: 60, max: 14 * DAY_SECONDS, unit: 's', source: 'SQS message quotas' },
  /** Default message retention: 4 days. */
  defaultRetentionSeconds: 4 * DAY_SECONDS,
  /** Dead-letter queues keep messages as long as SQS allows: 14 days. */
  deadLetterRetentionSeconds: 14 * DAY_SECONDS,
  /** ReceiveMessageWaitTimeSeconds: 0 (short polling, the service default) to 20 s. */
  receiveWaitSeconds: { min: 0, max: 20, unit: 's', source: 'SQS long polling' },
  /** The project's default receive wait: the longest long poll, fewest empty receives. */
  defaultReceiveWaitSeconds: 20,
  /** Visibility timeout: 0 s to 12 hours. */
  visibilityTimeoutSeconds: { min: 0, max: 12 * 60 * 60, unit: 's', source: 'SQS visibility timeout' },
  /** SQS's own default visibility timeout. */
  defaultVisibilityTimeoutSeconds: 30,
  /** Redrive policy maxReceiveCount: 1 to 1,000. */
  maxReceiveCount: { min: 1, max: 1000, unit: 'receives', source: 'SQS redrive policy' },
  /**
   * The project's default maxReceiveCount: 5, the minimum the Lambda Developer Guide recommends for a
   * queue consumed by Lambda, so that throttled receives do not dead-letter healthy messages.
   */
  defaultMaxReceiveCount: 5,
  /** KMS data key reuse period: 60 s to 24 hours, 5 minutes by default. */
  dataKeyReuseSeconds: { min: 60, max: DAY_SECONDS, unit: 's', source: 'SQS KMS data key reuse' },
  defaultDataKeyReuseSeconds: 300,
  /** Messages per SendMessageBatch / ReceiveMessage / DeleteMessageBatch call. */
  maxBatchEntries: 10,
  /** FIFO throughput without high-throughput mode: 300 API calls/s per action, 3,000 messages/s batched. */
  fifoTransactionsPerSecond: 300,
  fifoBatchedMessagesPerSecond: 3000,
  /** Queue names: at most 80 characters, `.fifo` included for FIFO queues. */
  maxQueueNameLength: 80,
} as const satisfies Record<string, number | Range>;

/** AWS Lambda settings for an SQS event source and for functions. */
export const LAMBDA_SQS = {
  /** Batch size: 1 to 10,000 for standard queues (more than 10 needs a batching window), 1 to 10 for FIFO. */
  standardBatchSize: { min: 1, max: 10_000, unit: 'records', source: 'Lambda, standard event source' },
  fifoBatchSize: { min: 1, max: 10, unit: 'records', source: 'Lambda, FIFO event source' },
  /** Batch sizes above this need a batching window of at least 1 s. */
  batchSizeWithoutWindow: 10,
  /** MaximumBatchingWindowInSeconds: 0 to 300 s; not supported for FIFO queues. */
  batchingWindowSeconds: { min: 0, max: 300, unit: 's', source: 'Lambda event source mapping' },
  /** ScalingConfig.MaximumConcurrency: 2 to 1,000 concurrent invocations. */
  maxConcurrency: { min: 2, max: 1000, unit: 'invocations', source: 'Lambda SQS maximum concurrency' },
  /** The queue's visibility timeout must be at least this many times the function timeout. */
  visibilityToTimeoutRatio: 6,
  /** Function timeout: 1 s to 15 minutes. */
  timeoutSeconds: { min: 1, max: 900, unit: 's', source: 'Lambda quotas' },
  /** Memory: 128 MB to 10,240 MB. */
  memoryMb: { min: 128, max: 10_240, unit: 'MB', source: 'Lambda quotas' },
} as const satisfies Record<string, number | Range>;

/** Amazon SNS quotas and settings (SNS Developer Guide). */
export const SNS = {
  /** Maximum publish payload, message attributes included: 256 KiB ("Amazon SNS quotas"). */
  maxMessageSizeBytes: 256 * KIB,
  /** The extended client libraries (payload offloading to S3) carry payloads up to 2 GB. */
  extendedClientMaxBytes: 2 * 1024 * 1024 * KIB,
  /** Filter policies: at most 5 attribute or property names per policy ("Amazon SNS message filtering"). */
  filterPolicyKeys: { min: 1, max: 5, unit: 'keys', source: 'SNS filter policy constraints' },
  /** Filter policies: at most 150 combinations of values across all keys. */
  filterPolicyCombinations: { min: 1, max: 150, unit: 'combinations', source: 'SNS filter policy constraints' },
  /** HTTP/S delivery policy: retries in all phases, 0 to 100 ("Amazon SNS message delivery retries"). */
  deliveryRetries: { min: 0, max: 100, unit: 'retries', source: 'SNS delivery policy' },
  /** HTTP/S delivery policy: minimum and maximum delay between retries, 1 to 3,600 s. */
  deliveryDelaySeconds: { min: 1, max: 3600, unit: 's', source: 'SNS delivery policy' },
  /** HTTP/S delivery policy: total retry time is at most one hour. */
  deliveryMaxTotalSeconds: 3600,
  /** The payload size above which the claim check offloads to S3 (the extended clients' default). */
  claimCheckThresholdBytes: { min: 1, max: 256 * KIB, unit: 'bytes', source: 'SNS message size' },
} as const satisfies Record<string, number | Range>;

/** Amazon CloudWatch Logs retention used for every log group the patterns create. */
export const LOGS = {
  sandboxRetentionDays: 7,
  productionRetentionDays: 365,
} as const;

/** The SQS + DLQ guide's limits table. */
export const SQS_SETTINGS: readonly DocumentedSetting[] = [
  {
    setting: 'Delivery delay',
    prop: 'deliveryDelay',
    allowed: SQS.deliveryDelaySeconds,
    serviceDefault: 0,
    projectDefault: 0,
    citation: 'SQS Developer Guide, "Amazon SQS delay queues"',
  },
  {
    setting: 'Maximum message size',
    prop: 'maxMessageSizeBytes',
    allowed: SQS.maxMessageSizeBytes,
    serviceDefault: SQS.maxMessageSizeBytes.max,
    projectDefault: SQS.notesMaxMessageSizeBytes,
    citation: 'SQS API Reference, CreateQueue MaximumMessageSize',
  },
  {
    setting: 'Message retention',
    prop: 'retentionPeriod',
    allowed: SQS.retentionSeconds,
    serviceDefault: SQS.defaultRetentionSeconds,
    projectDefault: SQS.defaultRetentionSeconds,
    citation: 'SQS Developer Guide, "Amazon SQS message quotas"',
  },
  {
    setting: 'Dead-letter queue retention (never shorter than the source)',
    prop: 'deadLetterRetentionPeriod',
    allowed: SQS.retentionSeconds,
    serviceDefault: SQS.defaultRetentionSeconds,
    projectDefault: SQS.deadLetterRetentionSeconds,
    citation: 'SQS Developer Guide, "Using dead-letter queues"',
  },
  {
    setting: 'Receive wait (long polling)',
    prop: 'receiveMessageWaitTime',
    allowed: SQS.receiveWaitSeconds,
    serviceDefault: 0,
    projectDefault: SQS.defaultReceiveWaitSeconds,
    citation: 'SQS Developer Guide, "Amazon SQS short and long polling"',
  },
  {
    setting: 'Visibility timeout',
    prop: 'visibilityTimeout',
    allowed: SQS.visibilityTimeoutSeconds,
    serviceDefault: SQS.defaultVisibilityTimeoutSeconds,
    projectDefault: SQS.defaultVisibilityTimeoutSeconds,
    citation: 'SQS Developer Guide, "Amazon SQS visibility timeout"',
  },
  {
    setting: 'maxReceiveCount (redrive policy)',
    prop: 'maxReceiveCount',
    allowed: SQS.maxReceiveCount,
    projectDefault: SQS.defaultMaxReceiveCount,
    citation: 'SQS Developer Guide, dead-letter queues; Lambda Developer Guide, SQS error handling',
  },
  {
    setting: 'KMS data key reuse period',
    prop: 'dataKeyReuse',
    allowed: SQS.dataKeyReuseSeconds,
    serviceDefault: SQS.defaultDataKeyReuseSeconds,
    projectDefault: SQS.defaultDataKeyReuseSeconds,
    citation: 'SQS API Reference, CreateQueue KmsDataKeyReusePeriodSeconds',
  },
  {
    setting: 'Lambda batch size, standard queue',
    prop: 'batchSize',
    allowed: LAMBDA_SQS.standardBatchSize,
    serviceDefault: 10,
    projectDefault: 10,
    citation: 'Lambda Developer Guide, "Lambda parameters for Amazon SQS event source mappings"',
  },
  {
    setting: 'Lambda batch size, FIFO queue',
    prop: 'batchSize',
    allowed: LAMBDA_SQS.fifoBatchSize,
    serviceDefault: 10,
    projectDefault: 10,
    citation: 'Lambda Developer Guide, "Lambda parameters for Amazon SQS event source mappings"',
  },
  {
    setting: 'Lambda batching window (standard queues only)',
    prop: 'maxBatchingWindow',
    allowed: LAMBDA_SQS.batchingWindowSeconds,
    serviceDefault: 0,
    projectDefault: 0,
    citation: 'Lambda Developer Guide, "Lambda parameters for Amazon SQS event source mappings"',
  },
  {
    setting: 'Lambda maximum concurrency',
    prop: 'maxConcurrency',
    allowed: LAMBDA_SQS.maxConcurrency,
    projectDefault: 10,
    citation: 'Lambda Developer Guide, "Configuring maximum concurrency for Amazon SQS event sources"',
  },
  {
    setting: 'Lambda function timeout',
    prop: 'timeout',
    allowed: LAMBDA_SQS.timeoutSeconds,
    serviceDefault: 3,
    projectDefault: 30,
    citation: 'Lambda Developer Guide, "Lambda quotas"',
  },
];

/** The SNS fan-out guide's limits table. */
export const SNS_SETTINGS: readonly DocumentedSetting[] = [
  {
    setting: 'Message size, attributes included (larger payloads need the claim check)',
    prop: 'thresholdBytes (claim check)',
    allowed: SNS.claimCheckThresholdBytes,
    serviceDefault: SNS.maxMessageSizeBytes,
    projectDefault: SNS.maxMessageSizeBytes,
    citation: 'SNS Developer Guide, "Amazon SNS quotas"; extended client libraries',
  },
  {
    setting: 'Filter policy keys',
    prop: 'filterPolicy / filterPolicyWithMessageBody',
    allowed: SNS.filterPolicyKeys,
    citation: 'SNS Developer Guide, "Amazon SNS subscription filter policy constraints"',
  },
  {
    setting: 'Filter policy value combinations',
    prop: 'filterPolicy / filterPolicyWithMessageBody',
    allowed: SNS.filterPolicyCombinations,
    citation: 'SNS Developer Guide, "Amazon SNS subscription filter policy constraints"',
  },
  {
    setting: 'HTTP/S retries (healthy retry policy)',
    prop: 'numRetries',
    allowed: SNS.deliveryRetries,
    serviceDefault: 3,
    projectDefault: 3,
    citation: 'SNS Developer Guide, "Amazon SNS message delivery retries"',
  },
  {
    setting: 'HTTP/S minimum delay between retries',
    prop: 'minDelay',
    allowed: SNS.deliveryDelaySeconds,
    serviceDefault: 20,
    projectDefault: 1,
    citation: 'SNS Developer Guide, "Amazon SNS message delivery retries"',
  },
  {
    setting: 'HTTP/S maximum delay between retries (numRetries x maxDelay within one hour)',
    prop: 'maxDelay',
    allowed: SNS.deliveryDelaySeconds,
    serviceDefault: 20,
    projectDefault: 20,
    citation: 'SNS Developer Guide, "Amazon SNS message delivery retries"',
  },
];

const count = (n: number) => n.toLocaleString('en-US');

/** Quotas the SQS + DLQ guide states in prose, rendered from the constants above. */
export const SQS_FACTS: readonly string[] = [
  'Standard queues: a nearly unlimited number of API calls per second per action (SQS Developer Guide, "Amazon SQS message quotas").',
  `FIFO queues without high-throughput mode: ${count(SQS.fifoTransactionsPerSecond)} API calls per second per action, ${count(SQS.fifoBatchedMessagesPerSecond)} messages per second with batches of ${SQS.maxBatchEntries} (same source); high-throughput mode partitions by message group and raises the limit, so spread messages over many message group ids.`,
  `Batch calls (SendMessageBatch, DeleteMessageBatch, ReceiveMessage) carry at most ${SQS.maxBatchEntries} messages.`,
  `Queue names: at most ${SQS.maxQueueNameLength} characters, the .fifo suffix included.`,
];

/** Quotas the SNS fan-out guide states in prose, rendered from the constants above. */
export const SNS_FACTS: readonly string[] = [
  `Publish: at most ${count(SNS.maxMessageSizeBytes)} bytes (256 KiB), message attributes included (SNS Developer Guide, "Amazon SNS quotas").`,
  `The AWS extended client libraries carry payloads up to ${count(SNS.extendedClientMaxBytes / (1024 * 1024 * 1024))} GiB through S3; this project's claim check uses their wire format.`,
  `HTTP/S retry policies: every retry phase together within ${count(SNS.deliveryMaxTotalSeconds)} s (SNS Developer Guide, "Amazon SNS message delivery retries").`,
];
export * from './limits/batch';
export * from './limits/events';
