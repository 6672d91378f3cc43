import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { guardDuration, guardRange } from '../shared/guards';
import { STEP_FUNCTIONS, STEP_FUNCTIONS_DEFAULTS } from '../shared/limits';
import { acknowledgeFunctionQualifiers, at, ddbNumber, ddbString, guardTaskTimeoutCoversFunction, numberAt } from './task-helpers';
import { TRANSIENT_ERRORS, type TransientRetry, transientRetryProps } from './transient-retry';
import { WorkflowStateMachine } from './workflow-state-machine';

/** Props of {@link IngestionWorkflow}. */
export interface IngestionWorkflowProps {
  /** The readings table: partition key `sensorId`, sort key `takenAt` (strings), TTL on `expiresAt`. */
  readonly readings: dynamodb.ITable;
  /** The function that validates and normalises a reading (the ValidateReading task). */
  readonly validator: lambda.IFunction;
  /** Where invalid readings are kept, with the reason, so that nothing is lost. */
  readonly quarantine: sqs.IQueue;
  /** The topic alerts are published to. */
  readonly alerts: sns.ITopic;
  /**
   * Temperatures (in °C) at or above this raise an alert.
   * @default 40
   */
  readonly alertThresholdCelsius?: number;
  /**
   * Timeout of every task; at least the validator's timeout.
   * @default Duration.seconds(10)
   */
  readonly taskTimeout?: Duration;
  /**
   * Retry of transient errors; a synchronous caller is waiting, so the waits are short.
   * @default - 1 s, 2 attempts, backoff 2, at most 2 s, full jitter
   */
  readonly transientRetry?: TransientRetry;
  /**
   * The execution timeout: at most five minutes (Express).
   * @default Duration.minutes(1)
   */
  readonly timeout?: Duration;
  /**
   * Whether log events carry each state's input and output. Express workflows keep no history of
   * their own, so the logs are the record; but at sensor rates every reading would be logged several
   * times over (CloudWatch Logs charges per GB ingested), and the synchronous caller already gets the
   * result or the error. Turn it on to debug.
   * @default false
   */
  readonly includeExecutionData?: boolean;
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

/**
 * The sensor-ingestion workflow, an Express state machine (at-least-once, up to 5 minutes, started
 * synchronously with StartSyncExecution):
 *
 * ValidateReading (Lambda: validate and convert to canonical units) -> EnrichReading (Pass: the
 * ingestion id and time) -> RouteReading (Choice): hot temperatures go through RaiseAlert (SNS
 * publish) -> StoreReading (DynamoDB put) -> ReadingStored (Succeed). An invalid reading is caught:
 * QuarantineReading (SQS send, with the reason) -> DescribeRejection (Pass) -> RejectReading (Fail),
 * so the caller gets `InvalidReading` with the field errors and the reading is kept.
 *
 * At-least-once: a reading may be processed twice, so every effect is idempotent (the put is keyed
 * by sensor and time; a duplicate alert is harmless).
 */
export class IngestionWorkflow extends Construct {
  /** The state machine with its log group and alarms. */
  public readonly workflow: WorkflowStateMachine;

  public constructor(scope: Construct, id: string, props: IngestionWorkflowProps) {
    super(scope, id);
    const alertThreshold = props.alertThresholdCelsius ?? 40;
    const taskTimeout = props.taskTimeout ?? Duration.seconds(10);
    const timeout = props.timeout ?? Duration.seconds(STEP_FUNCTIONS_DEFAULTS.ingestionTimeoutSeconds);
    this.validate(props.validator, alertThreshold, taskTimeout);
    const retry = props.transientRetry ?? { maxAttempts: 2, maxDelay: Duration.seconds(2) };
    const timeoutOf = sfn.Timeout.duration(taskTimeout);

    const reject = new tasks.SqsSendMessage(this, 'QuarantineReading', {
      comment: 'Keeps the invalid reading and the reason',
      queue: props.quarantine,
      messageBody: sfn.TaskInput.fromObject({
        reading: sfn.JsonPath.objectAt('$$.Execution.Input'),
        error: at('$.error.Error'),
        cause: at('$.error.Cause'),
        ingestId: at('$$.Execution.Name'),
      }),
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: timeoutOf,
    })
      .addRetry(transientRetryProps(this, 'transientRetry', TRANSIENT_ERRORS.sqs, retry))
      .next(
        new sfn.Pass(this, 'DescribeRejection', {
          comment: 'Reads the error message out of the function error',
          parameters: { detail: sfn.JsonPath.stringToJson(at('$.error.Cause')) },
          resultPath: '$.rejection',
        }),
      )
      .next(new sfn.Fail(this, 'RejectReading', { error: 'InvalidReading', causePath: '$.rejection.detail.errorMessage' }));

    const store = new tasks.DynamoPutItem(this, 'StoreReading', {
      comment: 'Stores the reading (idempotent: keyed by sensor and time)',
      table: props.readings,
      item: {
        sensorId: ddbString('$.sensorId'),
        takenAt: ddbString('$.takenAt'),
        metric: ddbString('$.metric'),
        value: ddbNumber('$.value'),
        unit: ddbString('$.unit'),
        ingestId: ddbString('$.ingestId'),
        receivedAt: ddbString('$.receivedAt'),
        expiresAt: ddbNumber('$.expiresAt'),
      },
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: timeoutOf,
    })
      .addRetry(transientRetryProps(this, 'transientRetry', TRANSIENT_ERRORS.dynamodb, retry))
      .next(new sfn.Succeed(this, 'ReadingStored'));
    const alert = new tasks.SnsPublish(this, 'RaiseAlert', {
      comment: 'Publishes the alert (at-least-once: subscribers may see it twice)',
      topic: props.alerts,
      message: sfn.TaskInput.fromObject({
        kind: 'reading-alert',
        sensorId: at('$.sensorId'),
        metric: at('$.metric'),
        value: numberAt('$.value'),
        unit: at('$.unit'),
        takenAt: at('$.takenAt'),
      }),
      messageAttributes: { kind: { value: 'reading-alert' } },
      resultSelector: { messageId: at('$.MessageId') },
      resultPath: '$.alert',
      taskTimeout: timeoutOf,
    })
      .addRetry(transientRetryProps(this, 'transientRetry', TRANSIENT_ERRORS.sns, retry))
      .next(store);
    const route = new sfn.Choice(this, 'RouteReading', { comment: 'Hot temperatures raise an alert; every reading is stored' })
      .when(
        sfn.Condition.and(
          sfn.Condition.stringEquals('$.metric', 'temperature'),
          sfn.Condition.numberGreaterThanEquals('$.value', alertThreshold),
        ),
        alert,
      )
      .otherwise(store);
    const enrich = new sfn.Pass(this, 'EnrichReading', {
      comment: 'Adds the ingestion id and time',
      parameters: {
        sensorId: at('$.sensorId'),
        metric: at('$.metric'),
        value: numberAt('$.value'),
        unit: at('$.unit'),
        takenAt: at('$.takenAt'),
        expiresAt: numberAt('$.expiresAt'),
        ingestId: at('$$.Execution.Name'),
        receivedAt: at('$$.Execution.StartTime'),
      },
    }).next(route);
    const validate = new tasks.LambdaInvoke(this, 'ValidateReading', {
      comment: 'Validates the reading and converts it to canonical units',
      lambdaFunction: props.validator,
      payload: sfn.TaskInput.fromJsonPathAt('$'),
      outputPath: '$.Payload',
      retryOnServiceExceptions: false,
      taskTimeout: timeoutOf,
    })
      .addRetry(transientRetryProps(this, 'transientRetry', TRANSIENT_ERRORS.lambda, retry))
      .addCatch(reject, { errors: ['InvalidReading'], resultPath: '$.error' })
      .next(enrich);

    this.workflow = new WorkflowStateMachine(this, 'Workflow', {
      type: sfn.StateMachineType.EXPRESS,
      definition: validate,
      comment: 'Sensor ingestion: validate, enrich, route, store; invalid readings are quarantined and refused',
      timeout,
      includeExecutionData: props.includeExecutionData,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      alarmAction: props.alarmAction,
    });
    this.workflow.grantTopicKey(props.alerts);
    acknowledgeFunctionQualifiers(this.workflow, props.validator, 'validator function');
  }

  private validate(validator: lambda.IFunction, alertThreshold: number, taskTimeout: Duration): void {
    guardRange(this, 'alertThresholdCelsius', alertThreshold, { min: -100, max: 150, unit: '°C' });
    guardDuration(this, 'taskTimeout', taskTimeout, STEP_FUNCTIONS.taskTimeoutSeconds);
    guardTaskTimeoutCoversFunction(this, taskTimeout, validator, "the validator's");
  }
}
