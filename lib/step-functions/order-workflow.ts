import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { guardDuration, guardInteger, guardRange, PropError, seconds } from '../shared/guards';
import { SQS, STEP_FUNCTIONS, STEP_FUNCTIONS_DEFAULTS } from '../shared/limits';
import { acknowledgeFunctionQualifiers, at, ddbNumber, ddbString, guardTaskTimeoutCoversFunction, numberAt } from './task-helpers';
import { TRANSIENT_ERRORS, type TransientRetry, transientRetryProps } from './transient-retry';
import { WorkflowStateMachine } from './workflow-state-machine';

/** Props of {@link OrderWorkflow}. */
export interface OrderWorkflowProps {
  /**
   * The orders table: partition key `orderId`, sort key `record` (`ORDER`, `PAYMENT`,
   * `RESERVATION#<sku>`), all strings.
   */
  readonly orders: dynamodb.ITable;
  /** The function that authorises payments (the AuthorisePayment task). */
  readonly payments: lambda.IFunction;
  /** The queue approval requests go to, each with its task token. */
  readonly approvalQueue: sqs.IQueue;
  /** The topic order confirmations are published to. */
  readonly notifications: sns.ITopic;
  /**
   * Orders of at least this amount (or with status FLAGGED) wait for a human approval.
   * @default 1000
   */
  readonly approvalThreshold?: number;
  /**
   * How long an approver has to decide (the callback task's TimeoutSeconds). Never longer than the
   * execution timeout or the approval queue's retention (the request would expire unseen).
   * @default Duration.days(7)
   */
  readonly approvalTimeout?: Duration;
  /**
   * How long until an approver must claim the request with SendTaskHeartbeat (HeartbeatSeconds).
   * @default Duration.days(1)
   */
  readonly approvalHeartbeat?: Duration;
  /**
   * Line items reserved at once by the Map state: 1 to 40 (inline Map).
   * @default 5
   */
  readonly reservationConcurrency?: number;
  /**
   * The fixed Wait before shipping (a cancellation window).
   * @default Duration.seconds(10)
   */
  readonly coolingOff?: Duration;
  /**
   * Timeout of every task that calls a service and returns; at least the payment function's timeout.
   * @default Duration.seconds(30)
   */
  readonly taskTimeout?: Duration;
  /**
   * Retry of transient errors (the payment gateway, throttled writes).
   * @default - 1 s, 3 attempts, backoff 2, at most 10 s, full jitter
   */
  readonly transientRetry?: TransientRetry;
  /**
   * The execution timeout: at most one year (Standard).
   * @default Duration.days(30)
   */
  readonly timeout?: Duration;
  /**
   * Retention of the workflow's log group.
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the log group.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Where the workflow's alarms notify.
   * @default - alarms without actions
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/** The error an approver sends with SendTaskFailure to reject an order. */
export const APPROVAL_REJECTED_ERROR = 'ApprovalRejected';

/**
 * The order-processing workflow, a Standard state machine (exactly-once, auditable history) that
 * uses every state type:
 *
 * ValidateOrder (Choice) -> ShapeOrder (Pass) -> RouteOrder (Choice on status and amount):
 * CANCELLED orders end in OrderCancelled (Succeed); large or FLAGGED orders first wait for a human
 * decision, RequestApproval (SQS, `.waitForTaskToken`); the rest go straight on to
 * ReserveAndAuthorise (Parallel): ReserveItems (Map over the line items, bounded concurrency,
 * DynamoDB puts) beside AuthorisePayment (Lambda, retried with backoff and jitter on transient
 * errors). A failure there is caught: ReleaseStock (Map, DynamoDB deletes) undoes the reservations,
 * DescribeFailure (Pass) words the cause, OrderFailed (Fail) ends the execution. Otherwise
 * RecordOrder (DynamoDB put), CoolingOff (Wait, seconds), WaitForShipDate (Wait, the timestamp
 * from the input), NotifyCustomer (SNS publish) and OrderCompleted (Succeed).
 */
export class OrderWorkflow extends Construct {
  /** The state machine with its log group and alarms. */
  public readonly workflow: WorkflowStateMachine;
  /** The approval threshold in effect. */
  public readonly approvalThreshold: number;

  public constructor(scope: Construct, id: string, props: OrderWorkflowProps) {
    super(scope, id);
    const approvalThreshold = props.approvalThreshold ?? 1000;
    const approvalTimeout = props.approvalTimeout ?? Duration.seconds(STEP_FUNCTIONS_DEFAULTS.approvalTimeoutSeconds);
    const approvalHeartbeat = props.approvalHeartbeat ?? Duration.seconds(STEP_FUNCTIONS_DEFAULTS.approvalHeartbeatSeconds);
    const reservationConcurrency = props.reservationConcurrency ?? STEP_FUNCTIONS_DEFAULTS.reservationConcurrency;
    const coolingOff = props.coolingOff ?? Duration.seconds(STEP_FUNCTIONS_DEFAULTS.coolingOffSeconds);
    const taskTimeout = props.taskTimeout ?? Duration.seconds(STEP_FUNCTIONS_DEFAULTS.taskTimeoutSeconds);
    const timeout = props.timeout ?? Duration.seconds(STEP_FUNCTIONS_DEFAULTS.orderTimeoutSeconds);
    this.validate(props, { approvalThreshold, approvalTimeout, approvalHeartbeat, reservationConcurrency, coolingOff, taskTimeout });
    this.approvalThreshold = approvalThreshold;

    const retryWrites = transientRetryProps(this, 'transientRetry', TRANSIENT_ERRORS.dynamodb, props.transientRetry);
    const retryPublish = transientRetryProps(this, 'transientRetry', TRANSIENT_ERRORS.sns, props.transientRetry);
    const retryGateway = transientRetryProps(this, 'transientRetry', ['PaymentGatewayUnavailable'], props.transientRetry);
    const timeoutOf = (d: Duration) => sfn.Timeout.duration(d);
    const reservationKey = tasks.DynamoAttributeValue.fromString(sfn.JsonPath.format('RESERVATION#{}', at('$.sku')));
    const lineItem = { orderId: at('$.orderId'), sku: at('$$.Map.Item.Value.sku'), quantity: numberAt('$$.Map.Item.Value.quantity') };

    // Failure path: undo the reservations, word the cause, fail.
    const releaseItem = new tasks.DynamoDeleteItem(this, 'ReleaseItem', {
      comment: 'Deletes one reservation (idempotent: deleting a missing item succeeds)',
      table: props.orders,
      key: { orderId: ddbString('$.orderId'), record: reservationKey },
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: timeoutOf(taskTimeout),
    }).addRetry(retryWrites);
    const releaseStock = new sfn.Map(this, 'ReleaseStock', {
      comment: 'Compensation: undoes the reservation of every line item',
      itemsPath: '$.items',
      itemSelector: lineItem,
      maxConcurrency: reservationConcurrency,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(releaseItem);
    const describeFailure = new sfn.Pass(this, 'DescribeFailure', {
      comment: 'Words the cause of the failure from the caught error',
      parameters: { cause: sfn.JsonPath.format('order {} failed: {}', at('$.orderId'), at('$.failure.Error')) },
      resultPath: '$.failureCause',
    });
    const orderFailed = new sfn.Fail(this, 'OrderFailed', { error: 'OrderFailed', causePath: '$.failureCause.cause' });
    const compensate = releaseStock.next(describeFailure).next(orderFailed);

    // Reserve every line item beside the payment authorisation.
    const reserveItem = new tasks.DynamoPutItem(this, 'ReserveItem', {
      comment: 'Reserves one line item (idempotent: the same item again overwrites itself)',
      table: props.orders,
      item: { orderId: ddbString('$.orderId'), record: reservationKey, sku: ddbString('$.sku'), quantity: ddbNumber('$.quantity') },
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: timeoutOf(taskTimeout),
    }).addRetry(retryWrites);
    const reserveItems = new sfn.Map(this, 'ReserveItems', {
      comment: 'Reserves every line item, a bounded number at a time',
      itemsPath: '$.items',
      itemSelector: lineItem,
      maxConcurrency: reservationConcurrency,
    }).itemProcessor(reserveItem);
    const authorisePayment = new tasks.LambdaInvoke(this, 'AuthorisePayment', {
      comment: 'Authorises the payment; transient gateway errors are retried with backoff and jitter',
      lambdaFunction: props.payments,
      payload: sfn.TaskInput.fromObject({ orderId: at('$.orderId'), amount: numberAt('$.amount'), card: at('$.card') }),
      resultSelector: { authorisationId: at('$.Payload.authorisationId'), attempts: numberAt('$.Payload.attempts') },
      taskTimeout: timeoutOf(taskTimeout),
    }).addRetry(retryGateway);
    const reserveAndAuthorise = new sfn.Parallel(this, 'ReserveAndAuthorise', {
      comment: 'Reserves the stock and authorises the payment at the same time; any failure is compensated',
      resultSelector: {
        reserved: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$[0]')),
        authorisationId: at('$[1].authorisationId'),
        paymentAttempts: numberAt('$[1].attempts'),
      },
      resultPath: '$.fulfilment',
    })
      .branch(reserveItems)
      .branch(authorisePayment)
      .addCatch(compensate, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });

    // Fulfilment.
    const recordOrder = new tasks.DynamoPutItem(this, 'RecordOrder', {
      comment: 'Records the confirmed order',
      table: props.orders,
      item: {
        orderId: ddbString('$.orderId'),
        record: tasks.DynamoAttributeValue.fromString('ORDER'),
        status: tasks.DynamoAttributeValue.fromString('CONFIRMED'),
        customerId: ddbString('$.customerId'),
        amount: ddbNumber('$.amount'),
        authorisationId: ddbString('$.fulfilment.authorisationId'),
        shipAt: ddbString('$.shipAt'),
        receivedAt: ddbString('$.receivedAt'),
      },
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: timeoutOf(taskTimeout),
    }).addRetry(retryWrites);
    const notifyCustomer = new tasks.SnsPublish(this, 'NotifyCustomer', {
      comment: 'Publishes the confirmation (subscribers are idempotent on orderId: a retry may publish twice)',
      topic: props.notifications,
      message: sfn.TaskInput.fromObject({
        kind: 'order-confirmed',
        orderId: at('$.orderId'),
        customerId: at('$.customerId'),
        amount: numberAt('$.amount'),
        authorisationId: at('$.fulfilment.authorisationId'),
        shipAt: at('$.shipAt'),
      }),
      messageAttributes: { kind: { value: 'order-confirmed' } },
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: timeoutOf(taskTimeout),
    }).addRetry(retryPublish);
    const fulfil = recordOrder
      .next(new sfn.Wait(this, 'CoolingOff', { comment: 'A cancellation window', time: sfn.WaitTime.duration(coolingOff) }))
      .next(
        new sfn.Wait(this, 'WaitForShipDate', {
          comment: 'Until the ship date of the order',
          time: sfn.WaitTime.timestampPath('$.shipAt'),
        }),
      )
      .next(notifyCustomer)
      .next(new sfn.Succeed(this, 'OrderCompleted'));
    reserveAndAuthorise.next(fulfil);

    // Human approval: the task token travels with the request; SendTaskSuccess or SendTaskFailure resumes.
    const requestApproval = new tasks.SqsSendMessage(this, 'RequestApproval', {
      comment: 'Sends the approval request with its task token and waits for SendTaskSuccess or SendTaskFailure',
      queue: props.approvalQueue,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      messageBody: sfn.TaskInput.fromObject({
        taskToken: sfn.JsonPath.taskToken,
        orderId: at('$.orderId'),
        customerId: at('$.customerId'),
        amount: numberAt('$.amount'),
        status: at('$.status'),
        executionArn: at('$$.Execution.Id'),
      }),
      taskTimeout: timeoutOf(approvalTimeout),
      heartbeatTimeout: timeoutOf(approvalHeartbeat),
      resultPath: '$.approval',
    })
      .addCatch(new sfn.Fail(this, 'OrderRejected', { error: 'OrderRejected', causePath: '$.rejection.Cause' }), {
        errors: [APPROVAL_REJECTED_ERROR],
        resultPath: '$.rejection',
      })
      .addCatch(
        new sfn.Fail(this, 'ApprovalExpired', { error: 'ApprovalExpired', cause: 'no approver claimed or decided the order in time' }),
        {
          errors: [sfn.Errors.TIMEOUT, sfn.Errors.HEARTBEAT_TIMEOUT],
          resultPath: '$.expiry',
        },
      )
      .next(reserveAndAuthorise);

    const route = new sfn.Choice(this, 'RouteOrder', { comment: 'Branches on status and amount' })
      .when(sfn.Condition.stringEquals('$.status', 'CANCELLED'), new sfn.Succeed(this, 'OrderCancelled', { comment: 'Nothing to do' }))
      .when(
        sfn.Condition.or(
          sfn.Condition.numberGreaterThanEquals('$.amount', approvalThreshold),
          sfn.Condition.stringEquals('$.status', 'FLAGGED'),
        ),
        requestApproval,
      )
      .otherwise(reserveAndAuthorise);
    const shape = new sfn.Pass(this, 'ShapeOrder', {
      comment: 'Keeps the fields the workflow uses and adds when it was received',
      parameters: {
        orderId: at('$.orderId'),
        customerId: at('$.customerId'),
        amount: numberAt('$.amount'),
        status: at('$.status'),
        card: at('$.card'),
        items: sfn.JsonPath.listAt('$.items'),
        shipAt: at('$.shipAt'),
        receivedAt: at('$$.Execution.StartTime'),
      },
    }).next(route);
    const present = (path: string, test: (p: string) => sfn.Condition) => sfn.Condition.and(sfn.Condition.isPresent(path), test(path));
    const validate = new sfn.Choice(this, 'ValidateOrder', { comment: 'Refuses an order without the fields the workflow needs' })
      .when(
        sfn.Condition.and(
          present('$.orderId', sfn.Condition.isString),
          present('$.customerId', sfn.Condition.isString),
          present('$.amount', sfn.Condition.isNumeric),
          present('$.status', sfn.Condition.isString),
          present('$.card', sfn.Condition.isString),
          sfn.Condition.isPresent('$.items[0]'),
          present('$.shipAt', sfn.Condition.isTimestamp),
        ),
        shape,
      )
      .otherwise(
        new sfn.Fail(this, 'InvalidOrder', {
          error: 'InvalidOrder',
          cause:
            'an order needs orderId, customerId, status and card (strings), amount (a number), items (at least one) and shipAt (an ISO 8601 timestamp)',
        }),
      );

    this.workflow = new WorkflowStateMachine(this, 'Workflow', {
      type: sfn.StateMachineType.STANDARD,
      definition: validate,
      comment: 'Order processing: validate, route, approve, reserve and authorise, compensate, record, wait, notify',
      timeout,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      alarmAction: props.alarmAction,
    });
    this.workflow.grantTopicKey(props.notifications);
    acknowledgeFunctionQualifiers(this.workflow, props.payments, 'payment function');
  }

  private validate(
    props: OrderWorkflowProps,
    values: {
      approvalThreshold: number;
      approvalTimeout: Duration;
      approvalHeartbeat: Duration;
      reservationConcurrency: number;
      coolingOff: Duration;
      taskTimeout: Duration;
    },
  ): void {
    guardRange(this, 'approvalThreshold', values.approvalThreshold, { min: 0, max: Number.MAX_SAFE_INTEGER, unit: '' });
    guardDuration(this, 'approvalTimeout', values.approvalTimeout, STEP_FUNCTIONS.taskTimeoutSeconds);
    guardDuration(this, 'approvalHeartbeat', values.approvalHeartbeat, STEP_FUNCTIONS.taskTimeoutSeconds);
    guardInteger(this, 'reservationConcurrency', values.reservationConcurrency, STEP_FUNCTIONS.inlineMapConcurrency);
    guardDuration(this, 'coolingOff', values.coolingOff, STEP_FUNCTIONS.waitSeconds);
    guardDuration(this, 'taskTimeout', values.taskTimeout, STEP_FUNCTIONS.taskTimeoutSeconds);
    const approval = seconds(values.approvalTimeout);
    const queue = props.approvalQueue.node.defaultChild as sqs.CfnQueue | undefined;
    const retention = queue instanceof sqs.CfnQueue ? (queue.messageRetentionPeriod ?? SQS.defaultRetentionSeconds) : undefined;
    if (approval !== undefined && typeof retention === 'number' && approval > retention) {
      throw new PropError(
        this,
        'approvalTimeout',
        `= ${approval} s is longer than the approval queue's retention (${retention} s): requests would expire before anyone decides`,
      );
    }
    guardTaskTimeoutCoversFunction(
      this,
      values.taskTimeout,
      props.payments,
      "the payment function's",
      ': the state would time out while the function still runs',
    );
  }
}
