import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { DeadLetterQueue } from '../shared/dead-letter-queue';
import { PropError } from '../shared/guards';
import type { IngestionFlow } from './ingestion-flow';

/** The event AppFlow publishes to the default event bus when a run ends (User Guide, "Flow notifications"). */
export const END_FLOW_RUN_REPORT = 'AppFlow End Flow Run Report';
/** The `detail.status` of a successful run's report. */
export const RUN_SUCCESSFUL = 'Execution Successful';
/** An EventBridge event is at most 256 KiB, so the queues that keep them accept that. */
const EVENT_MAX_BYTES = 256 * 1024;

/** Props of {@link FlowRunNotifications}. */
export interface FlowRunNotificationsProps {
  /** The flows whose failed runs are reported. */
  readonly flows: readonly IngestionFlow[];
  /**
   * Removal policy of the queues.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Where the alarms notify (a failed run, an undeliverable report).
   * @default - no actions
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/**
 * AppFlow's end-of-run reports through EventBridge: a rule on the default bus matches the reports of
 * these flows whose status is not "Execution Successful" and keeps them in a failed-runs queue,
 * whose alarm fires as soon as it holds one. Reports EventBridge cannot deliver, after its retries,
 * go to a dead-letter queue with its own alarm. The rule matches on `detail.flow-name`: the event's
 * `resources` field does not carry the flow's ARN.
 */
export class FlowRunNotifications extends Construct {
  /** Reports of failed runs (their alarm is the pattern's "a run failed" alarm). */
  public readonly failedRuns: DeadLetterQueue;
  /** Reports EventBridge could not deliver to `failedRuns`. */
  public readonly undelivered: DeadLetterQueue;
  /** The rule. */
  public readonly rule: events.Rule;

  public constructor(scope: Construct, id: string, props: FlowRunNotificationsProps) {
    super(scope, id);
    if (props.flows.length === 0) throw new PropError(this, 'flows', 'is empty: name the flows whose runs are reported');
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    this.failedRuns = new DeadLetterQueue(this, 'FailedRuns', {
      purpose: 'failed AppFlow runs (their end-of-run reports)',
      maxMessageSizeBytes: EVENT_MAX_BYTES,
      removalPolicy,
      alarmAction: props.alarmAction,
    });
    this.undelivered = new DeadLetterQueue(this, 'Undelivered', {
      purpose: 'the failed-run rule (reports EventBridge could not deliver)',
      maxMessageSizeBytes: EVENT_MAX_BYTES,
      removalPolicy,
      alarmAction: props.alarmAction,
    });
    this.rule = new events.Rule(this, 'FailedRunRule', {
      description: "AppFlow end-of-run reports of failed runs of this stack's flows, to the failed-runs queue (alarm)",
      eventPattern: {
        source: ['aws.appflow'],
        detailType: [END_FLOW_RUN_REPORT],
        detail: {
          'flow-name': props.flows.map((f) => f.flowName),
          status: [{ 'anything-but': RUN_SUCCESSFUL }],
        },
      },
      targets: [
        new targets.SqsQueue(this.failedRuns.queue, {
          deadLetterQueue: this.undelivered.queue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
  }
}
