import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { thresholdAlarm } from './alarms';
import { guardDuration, guardInteger } from './guards';
import { SQS } from './limits';
import { acknowledge } from './nag';

/** Props of {@link DeadLetterQueue}. */
export interface DeadLetterQueueProps {
  /** What the queue keeps, for the alarm and the acknowledgements: `dead letters of <purpose>`. */
  readonly purpose: string;
  /**
   * A FIFO queue (required when its sources are FIFO).
   * @default false
   */
  readonly fifo?: boolean;
  /**
   * How long dead letters are kept.
   * @default Duration.days(14)
   */
  readonly retentionPeriod?: Duration;
  /**
   * Largest message it accepts, in bytes: at least the largest record that can reach it, or that
   * record is lost. For a queue's redrive, the source's maximum; for an SNS subscription,
   * `FAILURE_RECORDS.snsEnvelopedMaxBytes`; for a Lambda subscriber's on-failure destination,
   * `FAILURE_RECORDS.snsLambdaFailureRecordMaxBytes` (see `limits.ts`). No default: the right size
   * depends on what fails into it.
   */
  readonly maxMessageSizeBytes: number;
  /**
   * Encryption at rest: SSE-SQS, or KMS with `encryptionMasterKey`.
   * @default sqs.QueueEncryption.SQS_MANAGED
   */
  readonly encryption?: sqs.QueueEncryption;
  /**
   * The customer-managed key, with `encryption: KMS`.
   * @default - none
   */
  readonly encryptionMasterKey?: kms.IKey;
  /**
   * KMS data key reuse period, with `encryption: KMS`.
   * @default Duration.minutes(5)
   */
  readonly dataKeyReuse?: Duration;
  /**
   * Which queues may redrive into it: only these (redrive-allow policy `byQueue`).
   * @default - the service default (any queue of the account)
   */
  readonly sourceQueues?: sqs.IQueue[];
  /**
   * Removal policy of the queue.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Where the not-empty alarm notifies.
   * @default - the alarm has no actions
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/**
 * A dead-letter queue: encrypted, TLS only, long retention, long polling, and an alarm as soon as
 * it holds a message. Used for queue redrive policies, SNS subscription redrive policies, Lambda
 * on-failure destinations and the alarm topic's e-mail subscription.
 */
export class DeadLetterQueue extends Construct {
  /** The queue. */
  public readonly queue: sqs.Queue;
  /** ApproximateNumberOfMessagesVisible >= 1. */
  public readonly alarm: cloudwatch.Alarm;

  public constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    const retentionPeriod = props.retentionPeriod ?? Duration.seconds(SQS.deadLetterRetentionSeconds);
    const maxMessageSizeBytes = props.maxMessageSizeBytes;
    const encryption = props.encryption ?? sqs.QueueEncryption.SQS_MANAGED;
    guardDuration(this, 'retentionPeriod', retentionPeriod, SQS.retentionSeconds);
    guardInteger(this, 'maxMessageSizeBytes', maxMessageSizeBytes, SQS.maxMessageSizeBytes);

    this.queue = new sqs.Queue(this, 'Queue', {
      fifo: props.fifo || undefined,
      retentionPeriod,
      receiveMessageWaitTime: Duration.seconds(SQS.defaultReceiveWaitSeconds),
      maxMessageSizeBytes,
      enforceSSL: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
      encryption,
      encryptionMasterKey: props.encryptionMasterKey,
      dataKeyReuse:
        encryption === sqs.QueueEncryption.SQS_MANAGED
          ? undefined
          : (props.dataKeyReuse ?? Duration.seconds(SQS.defaultDataKeyReuseSeconds)),
      redriveAllowPolicy: props.sourceQueues
        ? { redrivePermission: sqs.RedrivePermission.BY_QUEUE, sourceQueues: props.sourceQueues }
        : undefined,
    });
    const reason = `This queue keeps the dead letters of ${props.purpose}; a dead-letter queue of a dead-letter queue would only move the same messages again.`;
    acknowledge(this.queue, 'AwsSolutions-SQS3', reason);
    acknowledge(this.queue, 'Serverless-SQSRedrivePolicy', reason);

    this.alarm = thresholdAlarm(this, 'NotEmptyAlarm', {
      description: `Dead letters of ${props.purpose}: the dead-letter queue is not empty`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      action: props.alarmAction,
    });
  }
}
