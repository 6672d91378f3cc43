import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AlarmTopic } from '../shared/alarm-topic';
import { DeadLetterQueue } from '../shared/dead-letter-queue';
import { HandlerFunction } from '../shared/handler-function';
import { SQS, STEP_FUNCTIONS_DEFAULTS } from '../shared/limits';
import { acknowledge } from '../shared/nag';
import type { ProfileSettings } from '../shared/profile';
import { SecureTable } from '../shared/secure-table';
import { FanoutTopic } from '../sns-fanout';
import { QueueWithDeadLetter } from '../sqs-dlq';
import { IngestionWorkflow } from './ingestion-workflow';
import { OrderWorkflow } from './order-workflow';

/** Props of {@link StepFunctionsStack}. */
export interface StepFunctionsStackProps extends StackProps {
  /** The profile's settings (removal policies, log retention). */
  readonly settings: ProfileSettings;
  /**
   * Address subscribed to the stack's alarm topic.
   * @default - no e-mail subscription
   */
  readonly alarmEmail?: string;
}

/** Orders of at least this amount wait for a human approval. */
export const APPROVAL_THRESHOLD = 1000;
/** Temperatures at or above this (°C) raise an alert. */
export const ALERT_THRESHOLD_CELSIUS = 40;
/** The payment simulator's `tok_transient` card fails this many attempts before it is authorised. */
export const SIMULATED_TRANSIENT_FAILURES = 2;
/** How long the approval queue keeps a request: at least the approval timeout. */
export const APPROVAL_RETENTION = Duration.days(14);

/**
 * The Step Functions pattern: a Standard order workflow (every state type, a human approval by task
 * token over SQS, compensation) and an Express sensor-ingestion workflow started synchronously,
 * with the tables, queues, topic and functions they use.
 */
export class StepFunctionsStack extends Stack {
  public readonly alarms: AlarmTopic;
  public readonly orders: SecureTable;
  public readonly readings: SecureTable;
  public readonly notifications: FanoutTopic;
  public readonly approvals: QueueWithDeadLetter;
  public readonly quarantine: DeadLetterQueue;
  public readonly payments: HandlerFunction;
  public readonly validator: HandlerFunction;
  public readonly orderWorkflow: OrderWorkflow;
  public readonly ingestion: IngestionWorkflow;

  public constructor(scope: Construct, id: string, props: StepFunctionsStackProps) {
    super(scope, id, {
      description: 'decoupling-patterns: Step Functions Standard order workflow with human approval, Express ingestion workflow',
      ...props,
    });
    const { settings } = props;
    const removalPolicy = settings.removalPolicy;
    const logRetention = settings.logRetention;
    this.alarms = new AlarmTopic(this, 'Alarms', { email: props.alarmEmail, removalPolicy });
    const alarmAction = this.alarms.action;

    this.orders = new SecureTable(this, 'Orders', { partitionKey: 'orderId', sortKey: 'record', removalPolicy });
    this.readings = new SecureTable(this, 'Readings', {
      partitionKey: 'sensorId',
      sortKey: 'takenAt',
      timeToLiveAttribute: 'expiresAt',
      removalPolicy,
    });
    this.notifications = new FanoutTopic(this, 'Notifications', { removalPolicy, alarmAction });
    this.approvals = new QueueWithDeadLetter(this, 'Approvals', {
      removalPolicy,
      alarmAction,
      retentionPeriod: APPROVAL_RETENTION,
      // A request waits for a person: alarm when nobody has looked at one within the heartbeat.
      ageAlarmThreshold: Duration.seconds(STEP_FUNCTIONS_DEFAULTS.approvalHeartbeatSeconds),
    });
    this.quarantine = new DeadLetterQueue(this, 'Quarantine', {
      purpose: 'the ingestion workflow (invalid readings, kept with the reason)',
      // A 256 KiB reading plus the error and its cause: room for the largest record that can arrive.
      maxMessageSizeBytes: SQS.maxMessageSizeBytes.max,
      removalPolicy,
      alarmAction,
    });

    this.payments = new HandlerFunction(this, 'AuthorisePayment', {
      entry: 'step-functions/authorise-payment.ts',
      description: 'Authorises order payments on a simulated gateway, once per order',
      serviceName: 'step-functions-payments',
      timeout: Duration.seconds(10),
      logRetention,
      removalPolicy,
      environment: {
        ORDERS_TABLE_NAME: this.orders.table.tableName,
        SIMULATED_TRANSIENT_FAILURES: String(SIMULATED_TRANSIENT_FAILURES),
      },
    });
    this.orders.table.grant(this.payments, 'dynamodb:UpdateItem');
    this.validator = new HandlerFunction(this, 'ValidateReading', {
      entry: 'step-functions/validate-reading.ts',
      description: 'Validates sensor readings and converts them to canonical units',
      serviceName: 'step-functions-ingestion',
      timeout: Duration.seconds(5),
      memorySize: 512,
      logRetention,
      removalPolicy,
      environment: { READING_RETENTION_DAYS: '30' },
    });
    for (const fn of [this.payments, this.validator]) {
      acknowledge(
        fn,
        'Serverless-LambdaDLQ',
        'Invoked synchronously by a state machine only: a failure is the task error, which the workflow retries, catches or fails on; there is no asynchronous invocation to dead-letter.',
      );
    }

    this.orderWorkflow = new OrderWorkflow(this, 'OrderWorkflow', {
      orders: this.orders.table,
      payments: this.payments,
      approvalQueue: this.approvals.queue,
      notifications: this.notifications.topic,
      approvalThreshold: APPROVAL_THRESHOLD,
      logRetention,
      removalPolicy,
      alarmAction,
    });
    this.ingestion = new IngestionWorkflow(this, 'IngestionWorkflow', {
      readings: this.readings.table,
      validator: this.validator,
      quarantine: this.quarantine.queue,
      alerts: this.notifications.topic,
      alertThresholdCelsius: ALERT_THRESHOLD_CELSIUS,
      logRetention,
      removalPolicy,
      alarmAction,
    });

    const outputs: Record<string, string> = {
      AlarmTopicArn: this.alarms.topic.topicArn,
      OrderWorkflowArn: this.orderWorkflow.workflow.stateMachine.stateMachineArn,
      IngestionWorkflowArn: this.ingestion.workflow.stateMachine.stateMachineArn,
      ApprovalQueueUrl: this.approvals.queue.queueUrl,
      ApprovalDeadLetterQueueUrl: this.approvals.deadLetterQueue.queueUrl,
      QuarantineQueueUrl: this.quarantine.queue.queueUrl,
      OrdersTableName: this.orders.table.tableName,
      ReadingsTableName: this.readings.table.tableName,
      NotificationsTopicArn: this.notifications.topic.topicArn,
      OrderWorkflowLogGroupName: this.orderWorkflow.workflow.logGroup.logGroupName,
      IngestionWorkflowLogGroupName: this.ingestion.workflow.logGroup.logGroupName,
    };
    for (const [outputId, value] of Object.entries(outputs)) new CfnOutput(this, outputId, { value });
  }
}
