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
  /** Topic names: 1 to 256 characters, the .fifo suffix included ("Amazon SNS quotas", CreateTopic). */
  maxTopicNameLength: 256,
  /** The payload size above which the claim check offloads to S3 (the extended clients' default). */
  claimCheckThresholdBytes: { min: 1, max: 256 * KIB, unit: 'bytes', source: 'SNS message size' },
} as const satisfies Record<string, number | Range>;

/**
 * The bounds of an order message (the SQS + DLQ consumers' schema). The handler, which may not
 * import this file, declares the same constants (`lambda/sqs-dlq/order.ts`; a test keeps them
 * equal). Every number is bounded so that every derived total is an exact integer.
 */
export const ORDER = {
  /** Items per order: 1 to 100. */
  maxItems: 100,
  /** Units of one item: 1 to 1,000. */
  maxQuantity: 1000,
  /** Unit price: 0 to 100,000,000 cents (USD 1,000,000), far above any real item. */
  maxUnitPriceCents: 100_000_000,
} as const;

const MIB = 1024 * KIB;

/**
 * The claim check's receiving side (the SNS fan-out processor). A pointer is data from whoever can
 * publish, so the processor reads only from its stack's payload bucket and key prefix, and only
 * objects whose size it learned before reading them.
 */
export const CLAIM_CHECK = {
  /** Key prefix of offloaded payloads in the payload bucket (the processor may read nothing else). */
  keyPrefix: 'payloads/',
  /** Memory of the processor, in MB: the maximum payload below is sized to it. */
  processorMemoryMb: 512,
  /**
   * Bytes of memory per payload byte at the processor's peak, with headroom: about 6 are in use
   * (the received chunks and their concatenation, the decoded string at up to 2 bytes per
   * character, the parsed JSON), and the rest leaves room for the runtime and the garbage collector.
   */
  memoryPerPayloadByte: 16,
  /**
   * The largest payload the processor reads: its memory / 16 = 32 MiB. A larger object, or one
   * whose size differs from the pointer's ExtendedPayloadSize, is refused before its body is read.
   */
  maxPayloadBytes: (512 * MIB) / 16,
} as const;

const JSON_ESCAPE_FACTOR = 3;
const SNS_ENVELOPE_BYTES = 16 * KIB;
const LAMBDA_RECORD_BYTES = 16 * KIB;
const SNS_ENVELOPED_MAX_BYTES = SNS.maxMessageSizeBytes * JSON_ESCAPE_FACTOR + SNS_ENVELOPE_BYTES;

/**
 * The largest records that reach failure targets, computed so that every dead-letter queue and
 * on-failure destination accepts what can reach it (a record a target refuses is lost). A queue's
 * own DLQ takes its source's messages unchanged, so it gets the source's maximum message size.
 */
export const FAILURE_RECORDS = {
  /**
   * JSON escaping, worst case, in bytes out per byte of UTF-8 in: `"`, `\`, tab, LF and CR take 2
   * bytes, a 2-byte character written as `\uXXXX` 6 (3 per byte). SNS accepts no other control
   * characters.
   */
  jsonEscapeFactor: JSON_ESCAPE_FACTOR,
  /**
   * Room for the rest of the SNS envelope (Type, MessageId, TopicArn, a Subject of up to 100
   * characters, Timestamp, Signature, SigningCertURL, UnsubscribeURL) and the JSON around up to 10
   * message attributes.
   */
  snsEnvelopeBytes: SNS_ENVELOPE_BYTES,
  /**
   * Room for the rest of a Lambda destination record (version, timestamp, requestContext,
   * responseContext) and the function's error: its type, a one-line message (the handlers'
   * messages never quote the payload) and its stack trace.
   */
  lambdaRecordBytes: LAMBDA_RECORD_BYTES,
  /**
   * The largest SNS notification in its JSON envelope: what a subscription DLQ or a queue without
   * raw delivery receives, and the event a Lambda subscriber gets. 256 KiB x 3 + 16 KiB.
   */
  snsEnvelopedMaxBytes: SNS_ENVELOPED_MAX_BYTES,
  /** The largest on-failure record of a Lambda subscriber: its largest event plus the record around it. */
  snsLambdaFailureRecordMaxBytes: SNS_ENVELOPED_MAX_BYTES + LAMBDA_RECORD_BYTES,
} as const;

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
  `Order messages (this project's bounds, \`ORDER\`): ${count(ORDER.maxItems)} items at most, a \`quantity\` of 1 to ${count(ORDER.maxQuantity)}, a \`unitPriceCents\` of 0 to ${count(ORDER.maxUnitPriceCents)}; the largest total, ${count(ORDER.maxItems * ORDER.maxQuantity * ORDER.maxUnitPriceCents)} cents, is far below 2^53 - 1 (${count(Number.MAX_SAFE_INTEGER)}), so every total is exact. One more than a maximum is a batch item failure with one log line.`,
];

/** Quotas the SNS fan-out guide states in prose, rendered from the constants above. */
export const SNS_FACTS: readonly string[] = [
  `Publish: at most ${count(SNS.maxMessageSizeBytes)} bytes (256 KiB), message attributes included (SNS Developer Guide, "Amazon SNS quotas").`,
  `The AWS extended client libraries carry payloads up to ${count(SNS.extendedClientMaxBytes / (1024 * 1024 * 1024))} GiB through S3; this project's claim check uses their wire format.`,
  `This project's processor (${count(CLAIM_CHECK.processorMemoryMb)} MB) reads claim-checked payloads of at most ${count(CLAIM_CHECK.maxPayloadBytes)} bytes (${count(CLAIM_CHECK.maxPayloadBytes / MIB)} MiB, its memory / ${CLAIM_CHECK.memoryPerPayloadByte}: \`CLAIM_CHECK\`), from its own payload bucket under \`${CLAIM_CHECK.keyPrefix}\` only; anything else is refused before it is read.`,
  `Failure records (this project's \`FAILURE_RECORDS\`): a ${count(SNS.maxMessageSizeBytes)}-byte notification in its SNS JSON envelope takes at most ${count(FAILURE_RECORDS.snsEnvelopedMaxBytes)} bytes (JSON escaping at most ${FAILURE_RECORDS.jsonEscapeFactor}x, plus ${count(FAILURE_RECORDS.snsEnvelopeBytes)} bytes of envelope), and every subscription dead-letter queue accepts that; the processor's on-failure record adds the request context and the error, at most ${count(FAILURE_RECORDS.snsLambdaFailureRecordMaxBytes)} bytes, and ProcessorFailures accepts that (SQS allows up to ${count(SQS.maxMessageSizeBytes.max)}). With the 256 KiB default they would be lost.`,
  `HTTP/S retry policies: every retry phase together within ${count(SNS.deliveryMaxTotalSeconds)} s (SNS Developer Guide, "Amazon SNS message delivery retries").`,
];
export * from './limits/amazonmq';
export * from './limits/apigateway';
export * from './limits/appflow';
export * from './limits/batch';
export * from './limits/events';
export * from './limits/pricing';
export * from './limits/stepfunctions';
