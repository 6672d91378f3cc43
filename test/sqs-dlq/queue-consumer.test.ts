import { Duration, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BacklogWorker, type BacklogWorkerProps, QueueConsumer, type QueueConsumerProps, QueueWithDeadLetter } from '../../lib/sqs-dlq';
import { errorOf, testStack } from '../helpers';

interface Setup {
  readonly fifo?: boolean;
  readonly visibility?: Duration;
  readonly timeout?: Duration;
  readonly consumer?: Omit<QueueConsumerProps, 'source' | 'handler'>;
}

function fn(stack: Stack, timeout: Duration): lambda.Function {
  return new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })'),
    timeout,
  });
}

function build(setup: Setup = {}) {
  const stack = testStack();
  const source = new QueueWithDeadLetter(stack, 'Orders', {
    fifo: setup.fifo,
    visibilityTimeout: setup.visibility ?? Duration.seconds(180),
  });
  const handler = fn(stack, setup.timeout ?? Duration.seconds(30));
  const consumer = new QueueConsumer(stack, 'Consumer', { source, handler, ...setup.consumer });
  return { stack, consumer, template: Template.fromStack(stack) };
}

describe('QueueConsumer', () => {
  test('defaults: batches of 10, partial batch responses, maximum concurrency 10, no window', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersQueue'), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
      MaximumBatchingWindowInSeconds: Match.absent(),
    });
  });

  test('settings are passed through', () => {
    const { template } = build({
      visibility: Duration.seconds(185),
      consumer: { batchSize: 500, maxBatchingWindow: Duration.seconds(5), maxConcurrency: 2 },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  test('the function may receive, delete and read attributes of the source queue only', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersQueue'), 'Arn'] },
          }),
        ]),
      },
    });
  });

  test('an error alarm on the function', () => {
    const { template, consumer } = build();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Statistic: 'Sum',
      Threshold: 1,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^Fn') } }],
    });
    expect(consumer.errorAlarm).toBeDefined();
  });

  test('visibility timeout of exactly 6 x timeout + window is accepted', () => {
    expect(() =>
      build({
        visibility: Duration.seconds(185),
        timeout: Duration.seconds(30),
        consumer: { batchSize: 20, maxBatchingWindow: Duration.seconds(5) },
      }),
    ).not.toThrow();
  });

  const guards: Array<[string, Setup, string]> = [
    [
      'visibility timeout under 6 x the function timeout',
      { visibility: Duration.seconds(179), timeout: Duration.seconds(30) },
      'Test/Consumer: source.visibilityTimeout = 179 s is too short for function timeout 30 s: needs at least 6 x 30 + 0 s batching window = 180 s (Lambda Developer Guide)',
    ],
    [
      'the batching window counts too',
      {
        visibility: Duration.seconds(180),
        timeout: Duration.seconds(30),
        consumer: { batchSize: 20, maxBatchingWindow: Duration.seconds(5) },
      },
      'Test/Consumer: source.visibilityTimeout = 180 s is too short for function timeout 30 s: needs at least 6 x 30 + 5 s batching window = 185 s (Lambda Developer Guide)',
    ],
    [
      'FIFO batch over 10',
      { fifo: true, consumer: { batchSize: 11 } },
      'Test/Consumer: batchSize = 11 records is out of range: allowed 1 to 10 records (Lambda, FIFO event source)',
    ],
    [
      'FIFO with a batching window',
      { fifo: true, consumer: { maxBatchingWindow: Duration.seconds(1) } },
      'Test/Consumer: maxBatchingWindow = 1 s is not supported for FIFO queues: remove it',
    ],
    [
      'standard batch over 10,000',
      { consumer: { batchSize: 10001, maxBatchingWindow: Duration.seconds(1) } },
      'Test/Consumer: batchSize = 10001 records is out of range: allowed 1 to 10000 records (Lambda, standard event source)',
    ],
    [
      'standard batch over 10 without a window',
      { consumer: { batchSize: 11 } },
      'Test/Consumer: batchSize = 11 needs maxBatchingWindow of at least 1 s (batches over 10 records)',
    ],
    [
      'batching window over 5 minutes',
      { visibility: Duration.hours(1), consumer: { maxBatchingWindow: Duration.seconds(301) } },
      'Test/Consumer: maxBatchingWindow = 301 s is out of range: allowed 0 to 300 s (Lambda event source mapping)',
    ],
    [
      'maximum concurrency 1',
      { consumer: { maxConcurrency: 1 } },
      'Test/Consumer: maxConcurrency = 1 invocations is out of range: allowed 2 to 1000 invocations (Lambda SQS maximum concurrency)',
    ],
    [
      'maximum concurrency over 1,000',
      { consumer: { maxConcurrency: 1001 } },
      'Test/Consumer: maxConcurrency = 1001 invocations is out of range: allowed 2 to 1000 invocations (Lambda SQS maximum concurrency)',
    ],
    [
      'batch size 0',
      { consumer: { batchSize: 0 } },
      'Test/Consumer: batchSize = 0 records is out of range: allowed 1 to 10000 records (Lambda, standard event source)',
    ],
  ];
  test.each(guards)('%s', (_name, setup, message) => {
    expect(errorOf(() => build(setup))).toBe(message);
  });
});

describe('BacklogWorker guards', () => {
  const worker = (props: Partial<BacklogWorkerProps>) => {
    const stack = testStack();
    const source = new QueueWithDeadLetter(stack, 'Work');
    return new BacklogWorker(stack, 'Worker', {
      source,
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/example/worker:1'),
      ...props,
    });
  };
  test.each<[Partial<BacklogWorkerProps>, string]>([
    [{ minTasks: 5, maxTasks: 4 }, 'Test/Worker: minTasks = 5 is greater than maxTasks = 4'],
    [{ maxTasks: 0 }, 'Test/Worker: maxTasks = 0 tasks is out of range: allowed 1 to 1000 tasks'],
    [{ minTasks: -1 }, 'Test/Worker: minTasks = -1 tasks is out of range: allowed 0 to 1000 tasks'],
    [{ minTasks: 1.5 }, 'Test/Worker: minTasks = 1.5 must be a whole number of tasks'],
  ])('%j', (props, message) => {
    expect(errorOf(() => worker(props))).toBe(message);
  });
});
