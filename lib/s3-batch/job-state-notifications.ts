import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { DeadLetterQueue } from '../shared/dead-letter-queue';
import { guardDuration, guardInteger, PropError } from '../shared/guards';
import { EVENTBRIDGE, SQS } from '../shared/limits';
import { QueueWithDeadLetter } from '../sqs-dlq';

/** The job states AWS Batch reports to EventBridge (no event for the initial SUBMITTED). */
export const JOB_STATES = ['PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
/** A job state of a "Batch Job State Change" event. */
export type JobState = (typeof JOB_STATES)[number];

/** Props of {@link JobStateNotifications}. */
export interface JobStateNotificationsProps {
  /** Only jobs of these queues are reported. */
  readonly jobQueues: batch.IJobQueue[];
  /**
   * The states whose changes reach the notification queue.
   * @default ['SUCCEEDED', 'FAILED'] (outcomes only)
   */
  readonly states?: JobState[];
  /**
   * Retries of a delivery EventBridge could not make, before the event goes to the events dead-letter queue.
   * @default 185 (EventBridge's default)
   */
  readonly retryAttempts?: number;
  /**
   * How long EventBridge keeps retrying a delivery.
   * @default Duration.hours(24) (EventBridge's default)
   */
  readonly maxEventAge?: Duration;
  /**
   * Removal policy of the queues.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Where the alarms notify (a failed job, a dead letter, a slow consumer).
   * @default - no actions
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/**
 * Batch job state changes through EventBridge: one rule sends the chosen states of the queues' jobs
 * (their outcomes, by default) to a notification queue for consumers; a second rule sends FAILED jobs
 * to a queue that raises an alarm as soon as it holds one. Deliveries EventBridge cannot make, after
 * its retries, go to an events dead-letter queue (a standard queue, as EventBridge requires).
 */
export class JobStateNotifications extends Construct {
  /** Job state change events for consumers, with its own dead-letter queue for the consumers' failures. */
  public readonly notifications: QueueWithDeadLetter;
  /** FAILED job events, kept for inspection; its alarm is the pattern's "a job failed" alarm. */
  public readonly failedJobs: DeadLetterQueue;
  /** Events EventBridge could not deliver to either queue. */
  public readonly eventsDeadLetters: DeadLetterQueue;
  /** The rule that sends job state changes to `notifications`. */
  public readonly stateChangeRule: events.Rule;
  /** The rule that sends FAILED jobs to `failedJobs`. */
  public readonly failedJobRule: events.Rule;

  public constructor(scope: Construct, id: string, props: JobStateNotificationsProps) {
    super(scope, id);
    const states = props.states ?? ['SUCCEEDED', 'FAILED'];
    const retryAttempts = props.retryAttempts ?? EVENTBRIDGE.defaultRetryAttempts;
    const maxEventAge = props.maxEventAge ?? Duration.seconds(EVENTBRIDGE.defaultMaximumEventAgeSeconds);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    if (props.jobQueues.length === 0) throw new PropError(this, 'jobQueues', 'is empty: name the queues whose jobs are reported');
    if (states.length === 0 || states.some((s) => !JOB_STATES.includes(s))) {
      throw new PropError(this, 'states', `= ${JSON.stringify(states)}: allowed ${JOB_STATES.join(', ')}`);
    }
    guardInteger(this, 'retryAttempts', retryAttempts, EVENTBRIDGE.retryAttempts);
    guardDuration(this, 'maxEventAge', maxEventAge, EVENTBRIDGE.maximumEventAgeSeconds);

    this.eventsDeadLetters = new DeadLetterQueue(this, 'EventsDeadLetterQueue', {
      purpose: 'the job state change rules (events EventBridge could not deliver)',
      // An event of the largest size EventBridge accepts, plus the attributes EventBridge adds (reason, rule, target).
      maxMessageSizeBytes: SQS.maxMessageSizeBytes.max,
      removalPolicy,
      alarmAction: props.alarmAction,
    });
    this.notifications = new QueueWithDeadLetter(this, 'Notifications', { removalPolicy, alarmAction: props.alarmAction });
    this.failedJobs = new DeadLetterQueue(this, 'FailedJobs', {
      purpose: 'FAILED Batch jobs (their job state change events)',
      // The rule delivers the event itself: at most EventBridge's largest event.
      maxMessageSizeBytes: EVENTBRIDGE.maxEventBytes,
      removalPolicy,
      alarmAction: props.alarmAction,
    });

    const jobQueue = props.jobQueues.map((q) => q.jobQueueArn);
    const targetOptions = { deadLetterQueue: this.eventsDeadLetters.queue, retryAttempts, maxEventAge };
    this.stateChangeRule = new events.Rule(this, 'StateChangeRule', {
      description: `Batch job state changes (${states.join(', ')}) of the pipeline's queues, to the notification queue`,
      eventPattern: { source: ['aws.batch'], detailType: ['Batch Job State Change'], detail: { jobQueue, status: states } },
      targets: [new targets.SqsQueue(this.notifications.queue, targetOptions)],
    });
    this.failedJobRule = new events.Rule(this, 'FailedJobRule', {
      description: "FAILED Batch jobs of the pipeline's queues, to the failed-jobs queue (alarm)",
      eventPattern: { source: ['aws.batch'], detailType: ['Batch Job State Change'], detail: { jobQueue, status: ['FAILED'] } },
      targets: [new targets.SqsQueue(this.failedJobs.queue, targetOptions)],
    });
  }

  /** The alarm raised as soon as a job has FAILED. */
  public get failedJobAlarm(): cloudwatch.Alarm {
    return this.failedJobs.alarm;
  }
}
