import { Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { thresholdAlarm } from '../shared/alarms';
import { DeadLetterQueue } from '../shared/dead-letter-queue';
import { guardDuration, guardInteger, PropError, seconds } from '../shared/guards';
import { SQS } from '../shared/limits';

/** Props of {@link QueueWithDeadLetter}. */
export interface QueueWithDeadLetterProps {
  /**
   * A FIFO queue (exactly-once processing, order per message group) instead of a standard one
   * (at-least-once, best-effort order, nearly unlimited throughput). A FIFO queue gets a FIFO
   * dead-letter queue: SQS requires both to be of the same type.
   * @default false
   */
  readonly fifo?: boolean;
  /**
   * FIFO only: deduplicate on a SHA-256 of the body when the producer sends no deduplication id.
   * @default false
   */
  readonly contentBasedDeduplication?: boolean;
  /**
   * FIFO only: high-throughput mode, that is deduplication scope per message group and a throughput
   * limit per message group id, instead of 300 API calls/s for the whole queue.
   * @default false
   */
  readonly highThroughputFifo?: boolean;
  /**
   * Delivery delay: how long every new message stays invisible (a delay queue). 0 to 15 minutes.
   * @default Duration.seconds(0)
   */
  readonly deliveryDelay?: Duration;
  /**
   * Largest message SQS accepts, in bytes: 1,024 to 1,048,576 (1 MiB).
   * @default 262144 (256 KiB, the size the service notes give)
   */
  readonly maxMessageSizeBytes?: number;
  /**
   * How long an unconsumed message is kept: 60 seconds to 14 days.
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
  /**
   * How long the dead-letter queue keeps a message. Never shorter than `retentionPeriod`: for a
   * standard queue a message's age counts from its first enqueue, so a shorter DLQ retention
   * would expire dead letters early.
   * @default Duration.days(14)
   */
  readonly deadLetterRetentionPeriod?: Duration;
  /**
   * Long-polling wait of ReceiveMessage: 0 (short polling) to 20 seconds.
   * @default Duration.seconds(20)
   */
  readonly receiveMessageWaitTime?: Duration;
  /**
   * How long a received message stays invisible to other consumers: 0 seconds to 12 hours. A Lambda
   * consumer needs at least six times its timeout (see `QueueConsumer`).
   * @default Duration.seconds(30)
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Receives before a message moves to the dead-letter queue: 1 to 1,000.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Encryption at rest: `SQS_MANAGED` (SSE-SQS) or `KMS` (a customer-managed key, `encryptionMasterKey`
   * or a new one with rotation). `KMS_MANAGED` (alias/aws/sqs) is accepted here but cannot receive
   * from SNS, EventBridge or S3; `UNENCRYPTED` is rejected.
   * @default sqs.QueueEncryption.SQS_MANAGED
   */
  readonly encryption?: sqs.QueueEncryption;
  /**
   * The customer-managed key, with `encryption: KMS`.
   * @default - a new key with automatic rotation when `encryption` is `KMS`
   */
  readonly encryptionMasterKey?: kms.IKey;
  /**
   * How long SQS reuses a data key before asking KMS again (KMS encryption only): 1 minute to 24 hours.
   * @default Duration.minutes(5)
   */
  readonly dataKeyReuse?: Duration;
  /**
   * Removal policy of both queues and of a created key.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Where the queue's alarms notify.
   * @default - alarms are created without actions
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /**
   * Queue depth (ApproximateNumberOfMessagesVisible) that raises the depth alarm.
   * @default 100
   */
  readonly depthAlarmThreshold?: number;
  /**
   * Age of the oldest message that raises the age alarm. Shorter than `retentionPeriod`, or it
   * could never fire before messages expire.
   * @default Duration.minutes(15)
   */
  readonly ageAlarmThreshold?: Duration;
}

/**
 * An SQS queue and its dead-letter queue, secure and observable by default: encrypted at rest,
 * TLS-only queue policies, long polling, a redrive policy to the DLQ, a DLQ redrive-allow policy
 * that names only this source queue, and alarms on depth, age of the oldest message and a
 * non-empty DLQ.
 *
 * The source queue gets a name derived from its construct path (unique in the app), because the
 * DLQ's redrive-allow policy must name the source's ARN, and referencing the source resource
 * from the DLQ would make a circular dependency (the source's redrive policy references the DLQ).
 */
export class QueueWithDeadLetter extends Construct {
  /** The source queue. */
  public readonly queue: sqs.Queue;
  /** Its dead-letter queue. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The customer-managed key of both queues, when encryption is `KMS`. */
  public readonly encryptionKey?: kms.IKey;
  /** Whether the queues are FIFO. */
  public readonly fifo: boolean;
  /** The source queue's visibility timeout. */
  public readonly visibilityTimeout: Duration;
  /** The redrive policy's maxReceiveCount. */
  public readonly maxReceiveCount: number;
  /** Alarm on ApproximateNumberOfMessagesVisible of the source queue. */
  public readonly depthAlarm: cloudwatch.Alarm;
  /** Alarm on ApproximateAgeOfOldestMessage of the source queue. */
  public readonly ageAlarm: cloudwatch.Alarm;
  /** Alarm when the dead-letter queue holds any message. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  public constructor(scope: Construct, id: string, props: QueueWithDeadLetterProps = {}) {
    super(scope, id);
    const fifo = props.fifo ?? false;
    const deliveryDelay = props.deliveryDelay ?? Duration.seconds(0);
    const maxMessageSizeBytes = props.maxMessageSizeBytes ?? SQS.notesMaxMessageSizeBytes;
    const retentionPeriod = props.retentionPeriod ?? Duration.seconds(SQS.defaultRetentionSeconds);
    const deadLetterRetentionPeriod = props.deadLetterRetentionPeriod ?? Duration.seconds(SQS.deadLetterRetentionSeconds);
    const receiveMessageWaitTime = props.receiveMessageWaitTime ?? Duration.seconds(SQS.defaultReceiveWaitSeconds);
    const visibilityTimeout = props.visibilityTimeout ?? Duration.seconds(SQS.defaultVisibilityTimeoutSeconds);
    const maxReceiveCount = props.maxReceiveCount ?? SQS.defaultMaxReceiveCount;
    const encryption = props.encryption ?? sqs.QueueEncryption.SQS_MANAGED;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const depthAlarmThreshold = props.depthAlarmThreshold ?? 100;
    const ageAlarmThreshold = props.ageAlarmThreshold ?? Duration.minutes(15);

    guardDuration(this, 'deliveryDelay', deliveryDelay, SQS.deliveryDelaySeconds);
    guardInteger(this, 'maxMessageSizeBytes', maxMessageSizeBytes, SQS.maxMessageSizeBytes);
    guardDuration(this, 'retentionPeriod', retentionPeriod, SQS.retentionSeconds);
    guardDuration(this, 'deadLetterRetentionPeriod', deadLetterRetentionPeriod, SQS.retentionSeconds);
    guardDuration(this, 'receiveMessageWaitTime', receiveMessageWaitTime, SQS.receiveWaitSeconds);
    guardDuration(this, 'visibilityTimeout', visibilityTimeout, SQS.visibilityTimeoutSeconds);
    guardInteger(this, 'maxReceiveCount', maxReceiveCount, SQS.maxReceiveCount);
    guardInteger(this, 'depthAlarmThreshold', depthAlarmThreshold, { min: 1, max: Number.MAX_SAFE_INTEGER, unit: 'messages' });
    guardDuration(this, 'ageAlarmThreshold', ageAlarmThreshold, { min: 60, max: SQS.retentionSeconds.max, unit: 's' });

    const retention = seconds(retentionPeriod);
    const dlqRetention = seconds(deadLetterRetentionPeriod);
    if (retention !== undefined && dlqRetention !== undefined && dlqRetention < retention) {
      throw new PropError(
        this,
        'deadLetterRetentionPeriod',
        `= ${dlqRetention} s is shorter than retentionPeriod = ${retention} s: dead letters would expire before the source's messages`,
      );
    }
    const age = seconds(ageAlarmThreshold);
    if (retention !== undefined && age !== undefined && age >= retention) {
      throw new PropError(
        this,
        'ageAlarmThreshold',
        `= ${age} s is not shorter than retentionPeriod = ${retention} s: messages expire before the alarm can fire`,
      );
    }
    if (!fifo && props.contentBasedDeduplication !== undefined) {
      throw new PropError(this, 'contentBasedDeduplication', 'applies to FIFO queues only: set fifo: true or remove it');
    }
    if (!fifo && props.highThroughputFifo !== undefined) {
      throw new PropError(this, 'highThroughputFifo', 'applies to FIFO queues only: set fifo: true or remove it');
    }
    if (encryption === sqs.QueueEncryption.UNENCRYPTED) {
      throw new PropError(this, 'encryption', '= UNENCRYPTED is not allowed: choose SQS_MANAGED or KMS');
    }
    if (props.encryptionMasterKey !== undefined && encryption !== sqs.QueueEncryption.KMS) {
      throw new PropError(this, 'encryptionMasterKey', `is set but encryption = ${encryption}: use encryption: KMS`);
    }
    if (props.dataKeyReuse !== undefined && encryption === sqs.QueueEncryption.SQS_MANAGED) {
      throw new PropError(this, 'dataKeyReuse', 'applies to KMS encryption only');
    }
    guardDuration(this, 'dataKeyReuse', props.dataKeyReuse, SQS.dataKeyReuseSeconds);

    this.fifo = fifo;
    this.visibilityTimeout = visibilityTimeout;
    this.maxReceiveCount = maxReceiveCount;

    if (encryption === sqs.QueueEncryption.KMS) {
      this.encryptionKey =
        props.encryptionMasterKey ??
        new kms.Key(this, 'Key', {
          description: `Encrypts ${this.node.path} and its dead-letter queue`,
          enableKeyRotation: true,
          removalPolicy,
        });
    }
    const encryptionProps = {
      encryption,
      encryptionMasterKey: this.encryptionKey,
      dataKeyReuse:
        encryption === sqs.QueueEncryption.SQS_MANAGED
          ? undefined
          : (props.dataKeyReuse ?? Duration.seconds(SQS.defaultDataKeyReuseSeconds)),
    };

    const suffix = fifo ? '.fifo' : '';
    const queueName = Names.uniqueResourceName(this, { maxLength: SQS.maxQueueNameLength - suffix.length, separator: '-' }) + suffix;
    const queueArn = Stack.of(this).formatArn({ service: 'sqs', resource: queueName });

    const deadLetters = new DeadLetterQueue(this, 'DeadLetterQueue', {
      purpose: queueName,
      fifo,
      retentionPeriod: deadLetterRetentionPeriod,
      maxMessageSizeBytes,
      encryption,
      encryptionMasterKey: this.encryptionKey,
      dataKeyReuse: props.dataKeyReuse,
      sourceQueues: [sqs.Queue.fromQueueArn(this, 'SourceQueueRef', queueArn)],
      removalPolicy,
      alarmAction: props.alarmAction,
    });
    this.deadLetterQueue = deadLetters.queue;

    this.queue = new sqs.Queue(this, 'Queue', {
      queueName,
      fifo: fifo || undefined,
      contentBasedDeduplication: fifo ? (props.contentBasedDeduplication ?? false) : undefined,
      deduplicationScope: fifo && props.highThroughputFifo ? sqs.DeduplicationScope.MESSAGE_GROUP : undefined,
      fifoThroughputLimit: fifo && props.highThroughputFifo ? sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID : undefined,
      deliveryDelay,
      maxMessageSizeBytes,
      retentionPeriod,
      receiveMessageWaitTime,
      visibilityTimeout,
      enforceSSL: true,
      removalPolicy,
      ...encryptionProps,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    const period = Duration.minutes(1);
    this.depthAlarm = thresholdAlarm(this, 'DepthAlarm', {
      description: `${queueName}: ${depthAlarmThreshold} or more messages waiting for 3 minutes (consumers are not keeping up)`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      threshold: depthAlarmThreshold,
      evaluationPeriods: 3,
      action: props.alarmAction,
    });
    this.ageAlarm = thresholdAlarm(this, 'AgeAlarm', {
      description: `${queueName}: oldest message older than ${age ?? ageAlarmThreshold.toHumanString()} s for 3 minutes (stuck or slow consumers)`,
      metric: this.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
      threshold: age ?? ageAlarmThreshold.toSeconds(),
      evaluationPeriods: 3,
      action: props.alarmAction,
    });
    this.deadLetterAlarm = deadLetters.alarm;
  }
}
