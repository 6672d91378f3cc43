import { Duration, Names, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { thresholdAlarm } from '../shared/alarms';
import { guardDuration, guardRange, PropError, seconds } from '../shared/guards';
import { STEP_FUNCTIONS } from '../shared/limits';
import { acknowledge, XRAY_WILDCARD_REASON } from '../shared/nag';

/** Props of {@link WorkflowStateMachine}. */
export interface WorkflowStateMachineProps {
  /** Standard (exactly-once, up to a year, auditable history) or Express (at-least-once, up to 5 minutes). */
  readonly type: sfn.StateMachineType;
  /** The workflow's first state, chained to the rest. */
  readonly definition: sfn.IChainable;
  /** What the workflow does, in the definition's Comment. */
  readonly comment: string;
  /**
   * The execution timeout: at most one year for Standard, five minutes for Express. Required: an
   * execution without one could wait for a year.
   */
  readonly timeout: Duration;
  /**
   * What the executions log to CloudWatch Logs.
   * @default sfn.LogLevel.ALL
   */
  readonly logLevel?: sfn.LogLevel;
  /**
   * Whether log events carry the states' input and output. Off by default: Standard executions keep
   * the data in their own history, and at Express rates it multiplies the log volume (see the guide).
   * @default false
   */
  readonly includeExecutionData?: boolean;
  /**
   * Retention of the log group.
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the log group.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Where the failed, timed-out, throttled and aborted alarms notify.
   * @default - alarms without actions
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/** The alarms every workflow gets: any failed, timed-out, throttled or aborted execution. */
export interface WorkflowAlarms {
  readonly failed: cloudwatch.Alarm;
  readonly timedOut: cloudwatch.Alarm;
  readonly throttled: cloudwatch.Alarm;
  readonly aborted: cloudwatch.Alarm;
}

/** A state as the Amazon States Language renders it (the parts the guards read). */
interface StateJson {
  readonly Type?: string;
  readonly Resource?: unknown;
  readonly TimeoutSeconds?: number;
  readonly HeartbeatSeconds?: number;
  readonly MaxConcurrency?: number;
  readonly Branches?: ReadonlyArray<{ readonly States?: Record<string, StateJson> }>;
  readonly ItemProcessor?: { readonly States?: Record<string, StateJson> };
  readonly Iterator?: { readonly States?: Record<string, StateJson> };
}

const LOGGABLE_STATE_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * A state machine with the project's defaults: JSONPath as the query language, logs to a log group
 * under `/aws/vendedlogs/states/` (the prefix keeps CloudWatch Logs' resource policy within its size
 * limit however many state machines log), X-Ray tracing, an execution timeout, and alarms on failed,
 * timed-out, throttled and aborted executions.
 *
 * Guards what the service refuses or what fails later: the execution timeout of each type; state
 * names over 80 characters or with characters CloudWatch Logs logging rejects; a Task without a
 * timeout, with a timeout longer than the execution's, or with a heartbeat not shorter than its
 * timeout; an inline Map without a bounded MaxConcurrency (1 to 40); callback (`.waitForTaskToken`)
 * or job (`.sync`) tasks in an Express workflow, which supports neither.
 */
export class WorkflowStateMachine extends Construct {
  /** The state machine. */
  public readonly stateMachine: sfn.StateMachine;
  /** Its log group, under /aws/vendedlogs/states/. */
  public readonly logGroup: logs.LogGroup;
  /** Its execution alarms. */
  public readonly alarms: WorkflowAlarms;

  public constructor(scope: Construct, id: string, props: WorkflowStateMachineProps) {
    super(scope, id);
    const express = props.type === sfn.StateMachineType.EXPRESS;
    const range = express ? STEP_FUNCTIONS.expressTimeoutSeconds : STEP_FUNCTIONS.standardTimeoutSeconds;
    guardDuration(this, 'timeout', props.timeout, range);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: props.type,
      definitionBody: sfn.DefinitionBody.fromChainable(props.definition),
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      comment: props.comment,
      timeout: props.timeout,
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: props.logLevel ?? sfn.LogLevel.ALL,
        includeExecutionData: props.includeExecutionData ?? false,
      },
    });
    this.validateStates(props.definition.startState, express, seconds(props.timeout));

    const policy = this.stateMachine.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      acknowledge(policy, 'AwsSolutions-IAM5[Resource::*]', `${XRAY_WILDCARD_REASON} ${LOG_DELIVERY_WILDCARD_REASON}`);
    }

    const period = { period: Duration.minutes(5), statistic: 'Sum' };
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, what: string) =>
      thresholdAlarm(this, alarmId, {
        description: `${this.node.path}: ${what} in 5 minutes`,
        metric,
        threshold: 1,
        action: props.alarmAction,
      });
    this.alarms = {
      failed: alarm('FailedAlarm', this.stateMachine.metricFailed(period), 'an execution failed'),
      timedOut: alarm('TimedOutAlarm', this.stateMachine.metricTimedOut(period), 'an execution timed out'),
      throttled: alarm('ThrottledAlarm', this.stateMachine.metricThrottled(period), 'an execution was throttled'),
      aborted: alarm('AbortedAlarm', this.stateMachine.metricAborted(period), 'an execution was aborted (stopped)'),
    };
  }

  /**
   * Lets the executions publish to `topic` when it is encrypted with a customer-managed key: an SNS
   * publish task grants sns:Publish, not the use of the topic's key.
   */
  public grantTopicKey(topic: sns.ITopic): void {
    topic.masterKey?.grant(this.stateMachine, 'kms:GenerateDataKey', 'kms:Decrypt');
  }

  /** Every state of the definition, nested branches and item processors included, against the guards. */
  private validateStates(start: sfn.State, express: boolean, executionSeconds: number | undefined): void {
    const check = (name: string, state: StateJson): void => {
      guardRange(this, `state ${JSON.stringify(name)} name length`, name.length, STEP_FUNCTIONS.stateNameLength);
      if (!LOGGABLE_STATE_NAME.test(name)) {
        throw new PropError(
          this,
          `state ${JSON.stringify(name)}`,
          'has characters CloudWatch Logs logging rejects: use A-Z, a-z, 0-9, - and _',
        );
      }
      if (state.Type === 'Task') this.checkTask(name, state, express, executionSeconds);
      if (state.Type === 'Map') {
        const where = `state ${JSON.stringify(name)} MaxConcurrency`;
        if (!state.MaxConcurrency) throw new PropError(this, where, 'is unset or 0 (unbounded): set maxConcurrency from 1 to 40');
        guardRange(this, where, state.MaxConcurrency, STEP_FUNCTIONS.inlineMapConcurrency);
      }
      const nested = [
        ...(state.Branches ?? []),
        ...(state.ItemProcessor ? [state.ItemProcessor] : []),
        ...(state.Iterator ? [state.Iterator] : []),
      ];
      for (const machine of nested) for (const [inner, json] of Object.entries(machine.States ?? {})) check(inner, json);
    };
    for (const state of sfn.State.findReachableStates(start, { includeErrorHandlers: true })) {
      check(state.stateId, state.toStateJson() as StateJson);
    }
  }

  private checkTask(name: string, state: StateJson, express: boolean, executionSeconds: number | undefined): void {
    const where = `state ${JSON.stringify(name)}`;
    const resource = typeof state.Resource === 'string' ? state.Resource : '';
    if (express && /\.(waitForTaskToken|sync)(:\d+)?$/.test(resource)) {
      throw new PropError(
        this,
        where,
        'uses a callback (.waitForTaskToken) or job (.sync) integration: Express workflows support neither (use a Standard workflow)',
      );
    }
    const timeout = state.TimeoutSeconds;
    if (timeout === undefined) {
      throw new PropError(this, `${where} taskTimeout`, `is unset: the task would wait ${STEP_FUNCTIONS.defaultTaskTimeoutSeconds} s`);
    }
    guardRange(this, `${where} taskTimeout`, timeout, STEP_FUNCTIONS.taskTimeoutSeconds);
    if (executionSeconds !== undefined && timeout > executionSeconds) {
      throw new PropError(this, `${where} taskTimeout`, `= ${timeout} s is longer than the execution timeout (${executionSeconds} s)`);
    }
    const heartbeat = state.HeartbeatSeconds;
    if (heartbeat !== undefined && !Token.isUnresolved(heartbeat) && heartbeat >= timeout) {
      throw new PropError(this, `${where} heartbeatTimeout`, `= ${heartbeat} s is not shorter than its taskTimeout (${timeout} s)`);
    }
  }
}

/** The reason Step Functions logging needs a wildcard resource. */
export const LOG_DELIVERY_WILDCARD_REASON =
  'Logging to CloudWatch Logs needs the log-delivery actions (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups), which support no resource-level permissions (Step Functions Developer Guide, "IAM policies for logging to CloudWatch Logs").';
