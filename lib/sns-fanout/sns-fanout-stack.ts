import { type CfnElement, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { AlarmTopic } from '../shared/alarm-topic';
import { DeadLetterQueue } from '../shared/dead-letter-queue';
import { HandlerFunction } from '../shared/handler-function';
import { CLAIM_CHECK, FAILURE_RECORDS, SQS } from '../shared/limits';
import { acknowledge } from '../shared/nag';
import type { ProfileSettings } from '../shared/profile';
import { SecureBucket } from '../shared/secure-bucket';
import { SecureTable } from '../shared/secure-table';
import { QueueWithDeadLetter, type QueueWithDeadLetterProps } from '../sqs-dlq';
import { FanoutTopic } from './fanout-topic';

/** Props of {@link SnsFanoutStack}. */
export interface SnsFanoutStackProps extends StackProps {
  /** The profile's settings. */
  readonly settings: ProfileSettings;
  /**
   * Address subscribed to the alarm topic.
   * @default - no e-mail subscription
   */
  readonly alarmEmail?: string;
  /**
   * Address subscribed to the fan-out topic itself (every notification by e-mail).
   * @default - no e-mail subscriber
   */
  readonly notificationEmail?: string;
  /**
   * HTTPS endpoint subscribed to the fan-out topic with a custom retry policy.
   * @default - no HTTP/S subscriber
   */
  readonly webhookUrl?: string;
}

/** The countries the shipping queue's body filter selects. */
export const SHIPPING_COUNTRIES = ['DE', 'FR', 'NL'];
/** The kinds the priority queue's attribute filter selects (with amount >= PRIORITY_MIN_AMOUNT). */
export const PRIORITY_KINDS = ['order-created', 'order-cancelled'];
export const PRIORITY_MIN_AMOUNT = 100;
/** How long claim-checked payloads stay in the payload bucket. */
export const PAYLOAD_RETENTION = Duration.days(14);

/**
 * The SNS fan-out pattern: one encrypted topic delivering to a queue filtered on message attributes
 * (encrypted with a customer-managed key), a queue filtered on the message body, an unfiltered audit
 * queue with raw delivery, a Lambda subscriber that resolves claim-checked payloads, and optional
 * e-mail and HTTPS subscribers; every subscription with its own dead-letter queue. A FIFO topic
 * delivers to two FIFO queues. Payloads over 256 KiB travel by claim check through an encrypted
 * bucket with lifecycle expiry.
 */
export class SnsFanoutStack extends Stack {
  public readonly alarms: AlarmTopic;
  public readonly notifications: FanoutTopic;
  public readonly fifoNotifications: FanoutTopic;
  public readonly priority: QueueWithDeadLetter;
  public readonly shipping: QueueWithDeadLetter;
  public readonly audit: QueueWithDeadLetter;
  public readonly fifoAudit: QueueWithDeadLetter;
  public readonly fifoPriority: QueueWithDeadLetter;
  public readonly processor: HandlerFunction;
  public readonly processorFailures: DeadLetterQueue;
  public readonly deliveries: SecureTable;
  public readonly payloads: SecureBucket;

  public constructor(scope: Construct, id: string, props: SnsFanoutStackProps) {
    super(scope, id, {
      description: 'decoupling-patterns: SNS fan-out to filtered queues, Lambda and e-mail; FIFO topic; claim check',
      ...props,
    });
    const { settings } = props;
    const removalPolicy = settings.removalPolicy;
    this.alarms = new AlarmTopic(this, 'Alarms', { email: props.alarmEmail, removalPolicy });
    const alarmAction = this.alarms.action;

    this.payloads = new SecureBucket(this, 'Payloads', {
      expiration: PAYLOAD_RETENTION,
      removalPolicy,
      autoDeleteObjects: settings.autoDeleteObjects,
    });
    this.deliveries = new SecureTable(this, 'Deliveries', { partitionKey: 'id', timeToLiveAttribute: 'expiresAt', removalPolicy });

    this.notifications = new FanoutTopic(this, 'Notifications', { removalPolicy, alarmAction });
    // Subscriber queues accept 1 MiB: a 256 KiB message in its SNS envelope is larger than 256 KiB.
    const queueDefaults: QueueWithDeadLetterProps = { removalPolicy, alarmAction, maxMessageSizeBytes: SQS.maxMessageSizeBytes.max };

    this.priority = new QueueWithDeadLetter(this, 'Priority', { ...queueDefaults, encryption: sqs.QueueEncryption.KMS });
    this.notifications.subscribeQueue('Priority', this.priority.queue, {
      rawMessageDelivery: true,
      filterPolicy: {
        kind: sns.SubscriptionFilter.stringFilter({ allowlist: PRIORITY_KINDS }),
        amount: sns.SubscriptionFilter.numericFilter({ greaterThanOrEqualTo: PRIORITY_MIN_AMOUNT }),
      },
    });
    this.shipping = new QueueWithDeadLetter(this, 'Shipping', queueDefaults);
    this.notifications.subscribeQueue('Shipping', this.shipping.queue, {
      filterPolicyWithMessageBody: {
        order: sns.FilterOrPolicy.policy({
          shipping: sns.FilterOrPolicy.policy({
            country: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: SHIPPING_COUNTRIES })),
          }),
        }),
      },
    });
    this.audit = new QueueWithDeadLetter(this, 'Audit', { ...queueDefaults, retentionPeriod: Duration.days(14) });
    this.notifications.subscribeQueue('Audit', this.audit.queue, { rawMessageDelivery: true });

    this.processorFailures = new DeadLetterQueue(this, 'ProcessorFailures', {
      purpose: 'the processor function (asynchronous invocations)',
      // Lambda's on-failure record wraps the whole event: the largest notification's must fit.
      maxMessageSizeBytes: FAILURE_RECORDS.snsLambdaFailureRecordMaxBytes,
      removalPolicy,
      alarmAction,
    });
    this.processor = new HandlerFunction(this, 'Processor', {
      entry: 'sns-fanout/processor.ts',
      description: 'Records every notification of the fan-out topic, resolving claim-checked payloads',
      serviceName: 'sns-fanout-processor',
      timeout: Duration.seconds(30),
      memorySize: CLAIM_CHECK.processorMemoryMb,
      logRetention: settings.logRetention,
      removalPolicy,
      environment: {
        DELIVERIES_TABLE_NAME: this.deliveries.table.tableName,
        DELIVERY_RETENTION_DAYS: '7',
        // The claim check reads this bucket and prefix only, objects of at most this many bytes.
        PAYLOAD_BUCKET_NAME: this.payloads.bucket.bucketName,
        PAYLOAD_KEY_PREFIX: CLAIM_CHECK.keyPrefix,
        PAYLOAD_MAX_BYTES: String(CLAIM_CHECK.maxPayloadBytes),
      },
    });
    this.processor.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.processorFailures.queue),
    });
    this.deliveries.table.grant(this.processor, 'dynamodb:PutItem');
    this.processor.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.payloads.bucket.arnForObjects(`${CLAIM_CHECK.keyPrefix}*`)] }),
    );
    acknowledge(
      this.processor.executionRole.node.findChild('DefaultPolicy'),
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.payloads.bucket.node.defaultChild as CfnElement)}.Arn>/${CLAIM_CHECK.keyPrefix}*]`,
      `Claim-checked payloads are stored under ${CLAIM_CHECK.keyPrefix}<uuid>; their keys are not known in advance, so the grant is the ${CLAIM_CHECK.keyPrefix} prefix of the payload bucket, GetObject only.`,
    );
    acknowledge(
      this.processor,
      'Serverless-LambdaDLQ',
      'Failed asynchronous invocations go to the on-failure destination (ProcessorFailures, an EventInvokeConfig), which records the request and the error; a DeadLetterConfig queue would receive the same events without them.',
    );
    this.notifications.subscribeFunction('Processor', this.processor);

    const email = props.notificationEmail ?? props.alarmEmail;
    if (email) this.notifications.subscribeEmail('Email', email);
    if (props.webhookUrl)
      this.notifications.subscribeUrl('Webhook', props.webhookUrl, {
        numRetries: 3,
        minDelay: Duration.seconds(1),
        maxDelay: Duration.seconds(20),
      });

    this.fifoNotifications = new FanoutTopic(this, 'FifoNotifications', {
      fifo: true,
      contentBasedDeduplication: true,
      removalPolicy,
      alarmAction,
    });
    this.fifoAudit = new QueueWithDeadLetter(this, 'FifoAudit', { ...queueDefaults, fifo: true });
    this.fifoNotifications.subscribeQueue('FifoAudit', this.fifoAudit.queue, { rawMessageDelivery: true });
    this.fifoPriority = new QueueWithDeadLetter(this, 'FifoPriority', { ...queueDefaults, fifo: true });
    this.fifoNotifications.subscribeQueue('FifoPriority', this.fifoPriority.queue, {
      rawMessageDelivery: true,
      filterPolicy: { kind: sns.SubscriptionFilter.stringFilter({ allowlist: PRIORITY_KINDS }) },
    });

    const outputs: Record<string, string> = {
      AlarmTopicArn: this.alarms.topic.topicArn,
      TopicArn: this.notifications.topic.topicArn,
      FifoTopicArn: this.fifoNotifications.topic.topicArn,
      PriorityQueueUrl: this.priority.queue.queueUrl,
      ShippingQueueUrl: this.shipping.queue.queueUrl,
      AuditQueueUrl: this.audit.queue.queueUrl,
      FifoAuditQueueUrl: this.fifoAudit.queue.queueUrl,
      FifoPriorityQueueUrl: this.fifoPriority.queue.queueUrl,
      ProcessorFailuresQueueUrl: this.processorFailures.queue.queueUrl,
      ProcessorLogGroupName: this.processor.functionLogGroup.logGroupName,
      DeliveriesTableName: this.deliveries.table.tableName,
      PayloadBucketName: this.payloads.bucket.bucketName,
    };
    for (const [name, queue] of Object.entries({
      Priority: this.priority,
      Shipping: this.shipping,
      Audit: this.audit,
      FifoAudit: this.fifoAudit,
      FifoPriority: this.fifoPriority,
    })) {
      outputs[`${name}DeadLetterQueueUrl`] = queue.deadLetterQueue.queueUrl;
    }
    for (const topic of [this.notifications, this.fifoNotifications]) {
      for (const [name, { deadLetterQueue }] of topic.subscribed)
        outputs[`${name}SubscriptionDeadLetterQueueUrl`] = deadLetterQueue.queue.queueUrl;
    }
    for (const [outputId, value] of Object.entries(outputs)) new CfnOutput(this, outputId, { value });
  }
}
