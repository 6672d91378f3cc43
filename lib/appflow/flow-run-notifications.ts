import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
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
/** EventBridge's most retries of a delivery, and the most age of an event it retries (User Guide, "Event retry policy"). */
const DELIVERY_RETRY = { attempts: 185, maxAge: Duration.hours(24) } as const;
const EVENTS_PRINCIPAL = new iam.ServicePrincipal('events.amazonaws.com');

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
  /**
   * A topic every failed run's report is also published to, as it happens: the queue's alarm fires
   * once while a report waits in it, so a second failure meanwhile would notify nobody. The topic
   * must be of this stack (its policy, and its key's, get the statements EventBridge needs).
   * @default - the failed-runs queue and its alarm only
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * AppFlow's end-of-run reports through EventBridge: a rule on the default bus matches the reports of
 * these flows whose status is not "Execution Successful", publishes each to the alarm topic (every
 * failure notifies) and keeps it in a failed-runs queue (the durable record), whose alarm fires as
 * soon as it holds one. Reports EventBridge cannot deliver to either, after its retries, go to a
 * dead-letter queue with its own alarm. The rule matches on `detail.flow-name`: the event's
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
          retryAttempts: DELIVERY_RETRY.attempts,
          maxEventAge: DELIVERY_RETRY.maxAge,
        }),
      ],
    });
    if (props.alarmTopic) this.publishTo(props.alarmTopic);
  }

  /**
   * Adds the topic as a target of the rule, with what EventBridge needs and no more: `sns:Publish`
   * on the topic for this rule only (`aws:SourceArn`), and, when the topic is encrypted, the use of
   * its key by SNS topics of this account and Region only (`kms:EncryptionContext:aws:sns:topicArn`,
   * which SNS sets on every data key; EventBridge's KMS requests do not carry `aws:SourceArn`). The
   * topic's own ARN cannot go into its key's policy: the key would depend on the topic that depends
   * on the key.
   */
  private publishTo(topic: sns.ITopic): void {
    const rule = this.rule;
    const topicPolicy = topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAppFlowFailedRunReports',
        principals: [EVENTS_PRINCIPAL],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
      }),
    );
    if (!topicPolicy.statementAdded) {
      throw new PropError(this, 'alarmTopic', 'is imported: its policy must let events.amazonaws.com publish; pass a topic of this stack');
    }
    if (topic.masterKey) {
      const keyPolicy = topic.masterKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowEventBridgeToPublishAppFlowFailedRunReports',
          principals: [EVENTS_PRINCIPAL],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: {
            ArnLike: { 'kms:EncryptionContext:aws:sns:topicArn': Stack.of(this).formatArn({ service: 'sns', resource: '*' }) },
          },
        }),
        true,
      );
      if (!keyPolicy.statementAdded) {
        throw new PropError(
          this,
          'alarmTopic.masterKey',
          'is imported: its policy must let events.amazonaws.com use it; pass a key of this stack',
        );
      }
    }
    rule.addTarget({
      bind: () => ({
        arn: topic.topicArn,
        targetResource: topic,
        deadLetterConfig: { arn: this.undelivered.queue.queueArn },
        retryPolicy: {
          maximumRetryAttempts: DELIVERY_RETRY.attempts,
          maximumEventAgeInSeconds: DELIVERY_RETRY.maxAge.toSeconds(),
        },
      }),
    });
  }
}
