import { Duration, Names } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { thresholdAlarm } from '../shared/alarms';
import { guardDuration, guardInteger, PropError, seconds } from '../shared/guards';
import { LAMBDA_SQS } from '../shared/limits';
import { acknowledge } from '../shared/nag';
import type { QueueWithDeadLetter } from './queue-with-dead-letter';

/** Props of {@link QueueConsumer}. */
export interface QueueConsumerProps {
  /** The queue (and dead-letter queue) to consume. */
  readonly source: QueueWithDeadLetter;
  /** The function that processes each batch; it returns a partial batch response. */
  readonly handler: lambda.Function;
  /**
   * Records per invocation: 1 to 10 for FIFO queues; 1 to 10,000 for standard queues, where more
   * than 10 needs a batching window.
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long Lambda gathers records before invoking: 0 to 5 minutes. Not supported for FIFO queues.
   * @default Duration.seconds(0)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Most concurrent invocations this event source may start: 2 to 1,000. Caps the load on
   * downstream systems without throttling (throttled receives would count toward maxReceiveCount).
   * @default 10
   */
  readonly maxConcurrency?: number;
  /**
   * Where the function's error alarm notifies.
   * @default - the alarm has no actions
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/**
 * Connects a Lambda function to a {@link QueueWithDeadLetter} with an SQS event source that reports
 * batch item failures, so one bad record is retried (then dead-lettered) without failing the batch.
 *
 * Guards the settings the Lambda Developer Guide names: the queue's visibility timeout must be at
 * least six times the function timeout plus the batching window; FIFO queues take batches of at most
 * 10 and no batching window; batches over 10 need a window.
 */
export class QueueConsumer extends Construct {
  /** The event source mapping's configuration. */
  public readonly eventSource: SqsEventSource;
  /** Alarm on the function's Errors metric (crashes and timeouts: the whole batch returns). */
  public readonly errorAlarm: cloudwatch.Alarm;

  public constructor(scope: Construct, id: string, props: QueueConsumerProps) {
    super(scope, id);
    const { source, handler } = props;
    const batchSize = props.batchSize ?? 10;
    const maxBatchingWindow = props.maxBatchingWindow ?? Duration.seconds(0);
    const maxConcurrency = props.maxConcurrency ?? 10;
    const batchRange = source.fifo ? LAMBDA_SQS.fifoBatchSize : LAMBDA_SQS.standardBatchSize;

    guardInteger(this, 'batchSize', batchSize, batchRange);
    guardDuration(this, 'maxBatchingWindow', maxBatchingWindow, LAMBDA_SQS.batchingWindowSeconds);
    guardInteger(this, 'maxConcurrency', maxConcurrency, LAMBDA_SQS.maxConcurrency);

    const window = seconds(maxBatchingWindow) ?? 0;
    if (source.fifo && window > 0) {
      throw new PropError(this, 'maxBatchingWindow', `= ${window} s is not supported for FIFO queues: remove it`);
    }
    if (batchSize > LAMBDA_SQS.batchSizeWithoutWindow && window < 1) {
      throw new PropError(
        this,
        'batchSize',
        `= ${batchSize} needs maxBatchingWindow of at least 1 s (batches over ${LAMBDA_SQS.batchSizeWithoutWindow} records)`,
      );
    }
    const timeout = seconds(handler.timeout ?? Duration.seconds(3));
    const visibility = seconds(source.visibilityTimeout);
    if (timeout !== undefined && visibility !== undefined) {
      const needed = LAMBDA_SQS.visibilityToTimeoutRatio * timeout + window;
      if (visibility < needed) {
        throw new PropError(
          this,
          'source.visibilityTimeout',
          `= ${visibility} s is too short for function timeout ${timeout} s: needs at least ${LAMBDA_SQS.visibilityToTimeoutRatio} x ${timeout} + ${window} s batching window = ${needed} s (Lambda Developer Guide)`,
        );
      }
    }

    this.eventSource = new SqsEventSource(source.queue, {
      batchSize,
      maxBatchingWindow: window > 0 ? maxBatchingWindow : undefined,
      maxConcurrency,
      reportBatchItemFailures: true,
    });
    handler.addEventSource(this.eventSource);

    const reason = `${handler.node.path} is invoked only by the SQS event source mapping (synchronous polling): failed records return to ${source.queue.node.path} and reach its dead-letter queue after maxReceiveCount receives.`;
    acknowledge(handler, 'Serverless-LambdaDLQ', reason);
    acknowledge(handler, 'Serverless-LambdaAsyncFailureDestination', reason);
    const mapping = handler.node.tryFindChild(`SqsEventSource:${Names.nodeUniqueId(source.queue.node)}`);
    if (!mapping) throw new Error(`${this.node.path}: the SQS event source mapping was not found on ${handler.node.path}`);
    acknowledge(
      mapping,
      'Serverless-LambdaEventSourceMappingDestination',
      'On-failure destinations apply to stream and Kafka event sources, not SQS; for SQS the queue redrive policy is the failure destination.',
    );

    this.errorAlarm = thresholdAlarm(this, 'ErrorAlarm', {
      description: `${handler.node.path}: invocations failed (crash or timeout), so whole batches return to the queue`,
      metric: handler.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 1,
      action: props.alarmAction,
    });
  }
}
