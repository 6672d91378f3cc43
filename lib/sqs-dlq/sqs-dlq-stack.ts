import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { AlarmTopic } from '../shared/alarm-topic';
import { PropError } from '../shared/guards';
import { HandlerFunction } from '../shared/handler-function';
import type { ProfileSettings } from '../shared/profile';
import { SecureTable } from '../shared/secure-table';
import { BacklogWorker } from './backlog-worker';
import { QueueConsumer } from './queue-consumer';
import { QueueWithDeadLetter, type QueueWithDeadLetterProps } from './queue-with-dead-letter';

/** Props of {@link SqsDlqStack}. */
export interface SqsDlqStackProps extends StackProps {
  /** The profile's settings (removal policies, log retention). */
  readonly settings: ProfileSettings;
  /**
   * Address subscribed to the stack's alarm topic.
   * @default - no e-mail subscription
   */
  readonly alarmEmail?: string;
  /**
   * Deploy a Fargate worker, running `workerImage`, that scales on the backlog of its own work
   * queue. Opt-in in every profile, and only with your own image: there is no default worker,
   * because a placeholder would consume and drop your messages.
   * @default false
   */
  readonly backlogWorker?: boolean;
  /**
   * Container image of the backlog worker; required with `backlogWorker: true`. It gets the work
   * queue's URL in `QUEUE_URL` and must delete a message only after processing it.
   * @default - none (no worker)
   */
  readonly workerImage?: ecs.ContainerImage;
  /**
   * Command of the backlog worker's container.
   * @default - the image's own command
   */
  readonly workerCommand?: string[];
}

/** Function timeout of both consumers; the queues' visibility timeout is six times this. */
export const CONSUMER_TIMEOUT = Duration.seconds(20);
/**
 * How long receipts are kept (DynamoDB TTL). A receipt is also what makes an order id processed:
 * a duplicate is recognised while its receipt exists, so this is the deduplication window too.
 */
export const RECEIPT_RETENTION = Duration.days(30);

/**
 * The SQS + dead-letter queue pattern: a standard and a FIFO queue, each with its DLQ, alarms and a
 * Lambda consumer that reports partial batch failures and applies each order id once: its effect,
 * a receipt in the receipts table, is one conditional write keyed by the order id. Optionally
 * (opt-in, with your own image) a Fargate worker that scales on a third queue's backlog.
 */
export class SqsDlqStack extends Stack {
  public readonly alarms: AlarmTopic;
  public readonly orders: QueueWithDeadLetter;
  public readonly fifoOrders: QueueWithDeadLetter;
  public readonly consumer: HandlerFunction;
  public readonly fifoConsumer: HandlerFunction;
  public readonly receipts: SecureTable;
  public readonly work?: QueueWithDeadLetter;
  public readonly worker?: BacklogWorker;

  public constructor(scope: Construct, id: string, props: SqsDlqStackProps) {
    super(scope, id, {
      description: 'decoupling-patterns: SQS queue + dead-letter queue (standard and FIFO) with a Lambda consumer',
      ...props,
    });
    const { settings } = props;
    const removalPolicy = settings.removalPolicy;
    this.alarms = new AlarmTopic(this, 'Alarms', { email: props.alarmEmail, removalPolicy });
    const alarmAction = this.alarms.action;

    this.receipts = new SecureTable(this, 'Receipts', {
      partitionKey: 'orderId',
      sortKey: 'receiptId',
      timeToLiveAttribute: 'expiresAt',
      removalPolicy,
    });

    const visibilityTimeout = Duration.seconds(CONSUMER_TIMEOUT.toSeconds() * 6);
    const queueDefaults: QueueWithDeadLetterProps = { visibilityTimeout, removalPolicy, alarmAction };
    this.orders = new QueueWithDeadLetter(this, 'Orders', queueDefaults);
    this.fifoOrders = new QueueWithDeadLetter(this, 'FifoOrders', {
      ...queueDefaults,
      fifo: true,
      contentBasedDeduplication: true,
      highThroughputFifo: true,
    });

    const consumerProps = {
      timeout: CONSUMER_TIMEOUT,
      memorySize: 256,
      logRetention: settings.logRetention,
      removalPolicy,
      environment: {
        RECEIPTS_TABLE_NAME: this.receipts.table.tableName,
        RECEIPT_RETENTION_DAYS: String(RECEIPT_RETENTION.toDays()),
      },
    };
    this.consumer = new HandlerFunction(this, 'Consumer', {
      ...consumerProps,
      entry: 'sqs-dlq/consumer.ts',
      description: 'Processes orders from the standard queue (partial batch responses, idempotent)',
      serviceName: 'sqs-dlq-consumer',
    });
    this.fifoConsumer = new HandlerFunction(this, 'FifoConsumer', {
      ...consumerProps,
      entry: 'sqs-dlq/fifo-consumer.ts',
      description: 'Processes orders from the FIFO queue in order per message group (idempotent)',
      serviceName: 'sqs-dlq-fifo-consumer',
    });
    for (const fn of [this.consumer, this.fifoConsumer]) {
      // One conditional PutItem per order is the whole effect (it returns the stored receipt when the condition fails).
      this.receipts.table.grant(fn, 'dynamodb:PutItem');
    }
    new QueueConsumer(this, 'OrdersConsumer', {
      source: this.orders,
      handler: this.consumer,
      batchSize: 10,
      maxConcurrency: 5,
      alarmAction,
    });
    new QueueConsumer(this, 'FifoOrdersConsumer', {
      source: this.fifoOrders,
      handler: this.fifoConsumer,
      batchSize: 10,
      maxConcurrency: 5,
      alarmAction,
    });

    const workerImage = validateWorker(this, props);
    if (workerImage) {
      this.work = new QueueWithDeadLetter(this, 'Work', { ...queueDefaults, visibilityTimeout: Duration.minutes(5) });
      this.worker = new BacklogWorker(this, 'Worker', {
        source: this.work,
        image: workerImage,
        command: props.workerCommand,
        logRetention: settings.logRetention,
        removalPolicy,
      });
      new CfnOutput(this, 'WorkQueueUrl', { value: this.work.queue.queueUrl, description: 'Queue drained by the backlog worker' });
    }

    const outputs: Record<string, string> = {
      AlarmTopicArn: this.alarms.topic.topicArn,
      QueueUrl: this.orders.queue.queueUrl,
      QueueArn: this.orders.queue.queueArn,
      DeadLetterQueueUrl: this.orders.deadLetterQueue.queueUrl,
      DeadLetterQueueArn: this.orders.deadLetterQueue.queueArn,
      FifoQueueUrl: this.fifoOrders.queue.queueUrl,
      FifoQueueArn: this.fifoOrders.queue.queueArn,
      FifoDeadLetterQueueUrl: this.fifoOrders.deadLetterQueue.queueUrl,
      FifoDeadLetterQueueArn: this.fifoOrders.deadLetterQueue.queueArn,
      ReceiptsTableName: this.receipts.table.tableName,
      ConsumerLogGroupName: this.consumer.functionLogGroup.logGroupName,
      FifoConsumerLogGroupName: this.fifoConsumer.functionLogGroup.logGroupName,
      MaxReceiveCount: String(this.orders.maxReceiveCount),
      FifoMaxReceiveCount: String(this.fifoOrders.maxReceiveCount),
    };
    for (const [outputId, value] of Object.entries(outputs)) {
      new CfnOutput(this, outputId, { value });
    }
  }
}

/** The worker's image when the worker is enabled; one-line errors for an incomplete or stray setting. */
function validateWorker(stack: SqsDlqStack, props: SqsDlqStackProps): ecs.ContainerImage | undefined {
  if (props.backlogWorker === true) {
    if (!props.workerImage) {
      throw new PropError(
        stack,
        'backlogWorker',
        '= true needs workerImage: the worker runs your image (and workerCommand); there is no default worker, because a placeholder would consume and drop your messages',
      );
    }
    return props.workerImage;
  }
  for (const [prop, value] of [
    ['workerImage', props.workerImage],
    ['workerCommand', props.workerCommand],
  ] as const) {
    if (value !== undefined) {
      throw new PropError(stack, prop, 'is set but backlogWorker is not true: set backlogWorker: true or remove it');
    }
  }
  return undefined;
}
