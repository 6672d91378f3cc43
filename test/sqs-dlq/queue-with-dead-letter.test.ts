import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { QueueWithDeadLetter, type QueueWithDeadLetterProps } from '../../lib/sqs-dlq';
import { errorOf, testStack } from '../helpers';

function build(props: QueueWithDeadLetterProps = {}) {
  const stack = testStack();
  const construct = new QueueWithDeadLetter(stack, 'Orders', props);
  return { stack, construct, template: Template.fromStack(stack) };
}

function sourceQueue(template: Template) {
  const queues = template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.anyValue() } });
  const ids = Object.keys(queues);
  expect(ids).toHaveLength(1);
  return queues[ids[0]].Properties;
}

describe('QueueWithDeadLetter defaults', () => {
  const { template, construct } = build();

  test("source queue: the notes' defaults, long polling, SSE-SQS, redrive after 5 receives", () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: Match.stringLikeRegexp('^Test-Orders-[0-9A-F]{8}$'),
      DelaySeconds: 0,
      MaximumMessageSize: 262144,
      MessageRetentionPeriod: 345600,
      ReceiveMessageWaitTimeSeconds: 20,
      VisibilityTimeout: 30,
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersDeadLetterQueue'), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    expect(construct.maxReceiveCount).toBe(5);
    expect(construct.fifo).toBe(false);
  });

  test('dead-letter queue: 14 days, encrypted, redrive allowed from its source only', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 1209600,
      SqsManagedSseEnabled: true,
      RedrivePolicy: Match.absent(),
      RedriveAllowPolicy: {
        redrivePermission: 'byQueue',
        sourceQueueArns: [
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':sqs:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                Match.stringLikeRegexp(`^:${sourceQueue(template).QueueName}$`),
              ],
            ],
          },
        ],
      },
    });
  });

  test('both queue policies deny requests without TLS', () => {
    const policies = template.findResources('AWS::SQS::QueuePolicy');
    expect(Object.keys(policies)).toHaveLength(2);
    for (const policy of Object.values(policies)) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      );
    }
  });

  test('alarms: depth >= 100, oldest message >= 15 min, DLQ not empty', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 100,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersQueue'), 'QueueName'] } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 900 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      EvaluationPeriods: 1,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersDeadLetterQueue'), 'QueueName'] } }],
    });
  });

  test('no alarm action unless one is given', () => {
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
    }
  });
});

describe('QueueWithDeadLetter options', () => {
  test('FIFO: FIFO DLQ, content-based deduplication, high-throughput mode', () => {
    const { template } = build({ fifo: true, contentBasedDeduplication: true, highThroughputFifo: true });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: Match.stringLikeRegexp('\\.fifo$'),
      FifoQueue: true,
      ContentBasedDeduplication: true,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    });
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, RedriveAllowPolicy: Match.anyValue() });
    expect(sourceQueue(template).QueueName.length).toBeLessThanOrEqual(80);
  });

  test('FIFO without options: queue-wide deduplication and throughput', () => {
    const props = sourceQueue(build({ fifo: true }).template);
    expect(props.ContentBasedDeduplication).toBe(false);
    expect(props.DeduplicationScope).toBeUndefined();
    expect(props.FifoThroughputLimit).toBeUndefined();
  });

  test('customer-managed key: a new rotating key encrypts both queues', () => {
    const { template, construct } = build({ encryption: sqs.QueueEncryption.KMS });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const queues = template.findResources('AWS::SQS::Queue');
    for (const queue of Object.values(queues)) {
      expect(queue.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^OrdersKey/), 'Arn'] });
      expect(queue.Properties.KmsDataKeyReusePeriodSeconds).toBe(300);
    }
    expect(construct.encryptionKey).toBeDefined();
  });

  test('an existing key is used as given', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Existing', { enableKeyRotation: true });
    new QueueWithDeadLetter(stack, 'Orders', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      dataKeyReuse: Duration.hours(1),
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Existing'), 'Arn'] },
      KmsDataKeyReusePeriodSeconds: 3600,
    });
  });

  test.each([undefined, 1024, 1024 * 1024])(
    'the DLQ accepts the largest message its queue does (maxMessageSizeBytes %s)',
    (maxMessageSizeBytes) => {
      const { template: t } = build({ maxMessageSizeBytes });
      const sizes = Object.values(t.findResources('AWS::SQS::Queue')).map((q) => q.Properties.MaximumMessageSize);
      expect(sizes).toEqual([maxMessageSizeBytes ?? 262144, maxMessageSizeBytes ?? 262144]);
    },
  );

  test('every setting is passed through', () => {
    const { template } = build({
      deliveryDelay: Duration.seconds(900),
      maxMessageSizeBytes: 1024 * 1024,
      retentionPeriod: Duration.days(14),
      deadLetterRetentionPeriod: Duration.days(14),
      receiveMessageWaitTime: Duration.seconds(0),
      visibilityTimeout: Duration.hours(12),
      maxReceiveCount: 1000,
      depthAlarmThreshold: 5,
      ageAlarmThreshold: Duration.hours(1),
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      DelaySeconds: 900,
      MaximumMessageSize: 1048576,
      MessageRetentionPeriod: 1209600,
      ReceiveMessageWaitTimeSeconds: 0,
      VisibilityTimeout: 43200,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 1000 }),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 3600 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 5 });
  });

  test('alarm action: every alarm notifies on ALARM and OK', () => {
    const stack = testStack();
    const topic = new sns.Topic(stack, 'Alarms');
    new QueueWithDeadLetter(stack, 'Orders', { alarmAction: new actions.SnsAction(topic) });
    const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Alarms/) }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: expect.stringMatching(/^Alarms/) }]);
    }
    expect(Object.keys(alarms)).toHaveLength(3);
  });

  test('alarm objects are exposed for extra actions', () => {
    const { construct } = build();
    expect(construct.depthAlarm).toBeInstanceOf(cloudwatch.Alarm);
    expect(construct.ageAlarm).toBeInstanceOf(cloudwatch.Alarm);
    expect(construct.deadLetterAlarm).toBeInstanceOf(cloudwatch.Alarm);
  });
});

describe('QueueWithDeadLetter guards', () => {
  const cases: Array<[string, QueueWithDeadLetterProps, string]> = [
    [
      'delivery delay above 15 minutes',
      { deliveryDelay: Duration.seconds(901) },
      'Test/Orders: deliveryDelay = 901 s is out of range: allowed 0 to 900 s (SQS delay queues)',
    ],
    [
      'message size above 1 MiB',
      { maxMessageSizeBytes: 1048577 },
      'Test/Orders: maxMessageSizeBytes = 1048577 bytes is out of range: allowed 1024 to 1048576 bytes (SQS message quotas)',
    ],
    [
      'message size below 1 KiB',
      { maxMessageSizeBytes: 1023 },
      'Test/Orders: maxMessageSizeBytes = 1023 bytes is out of range: allowed 1024 to 1048576 bytes (SQS message quotas)',
    ],
    [
      'retention below 60 s',
      { retentionPeriod: Duration.seconds(59) },
      'Test/Orders: retentionPeriod = 59 s is out of range: allowed 60 to 1209600 s (SQS message quotas)',
    ],
    [
      'retention above 14 days',
      { retentionPeriod: Duration.days(15) },
      'Test/Orders: retentionPeriod = 1296000 s is out of range: allowed 60 to 1209600 s (SQS message quotas)',
    ],
    [
      'DLQ retention above 14 days',
      { deadLetterRetentionPeriod: Duration.days(15) },
      'Test/Orders: deadLetterRetentionPeriod = 1296000 s is out of range: allowed 60 to 1209600 s (SQS message quotas)',
    ],
    [
      'DLQ retention shorter than the source',
      { retentionPeriod: Duration.days(7), deadLetterRetentionPeriod: Duration.days(6) },
      "Test/Orders: deadLetterRetentionPeriod = 518400 s is shorter than retentionPeriod = 604800 s: dead letters would expire before the source's messages",
    ],
    [
      'receive wait above 20 s',
      { receiveMessageWaitTime: Duration.seconds(21) },
      'Test/Orders: receiveMessageWaitTime = 21 s is out of range: allowed 0 to 20 s (SQS long polling)',
    ],
    [
      'visibility timeout above 12 hours',
      { visibilityTimeout: Duration.seconds(43201) },
      'Test/Orders: visibilityTimeout = 43201 s is out of range: allowed 0 to 43200 s (SQS visibility timeout)',
    ],
    [
      'fractional visibility timeout',
      { visibilityTimeout: Duration.millis(1500) },
      'Test/Orders: visibilityTimeout = 1.5 s must be a whole number of seconds',
    ],
    [
      'maxReceiveCount 0',
      { maxReceiveCount: 0 },
      'Test/Orders: maxReceiveCount = 0 receives is out of range: allowed 1 to 1000 receives (SQS redrive policy)',
    ],
    [
      'maxReceiveCount above 1,000',
      { maxReceiveCount: 1001 },
      'Test/Orders: maxReceiveCount = 1001 receives is out of range: allowed 1 to 1000 receives (SQS redrive policy)',
    ],
    ['fractional maxReceiveCount', { maxReceiveCount: 2.5 }, 'Test/Orders: maxReceiveCount = 2.5 must be a whole number of receives'],
    [
      'content-based deduplication on a standard queue',
      { contentBasedDeduplication: true },
      'Test/Orders: contentBasedDeduplication applies to FIFO queues only: set fifo: true or remove it',
    ],
    [
      'high throughput on a standard queue',
      { highThroughputFifo: true },
      'Test/Orders: highThroughputFifo applies to FIFO queues only: set fifo: true or remove it',
    ],
    [
      'unencrypted',
      { encryption: sqs.QueueEncryption.UNENCRYPTED },
      'Test/Orders: encryption = UNENCRYPTED is not allowed: choose SQS_MANAGED or KMS',
    ],
    ['data key reuse with SSE-SQS', { dataKeyReuse: Duration.minutes(10) }, 'Test/Orders: dataKeyReuse applies to KMS encryption only'],
    [
      'data key reuse above 24 hours',
      { encryption: sqs.QueueEncryption.KMS, dataKeyReuse: Duration.hours(25) },
      'Test/Orders: dataKeyReuse = 90000 s is out of range: allowed 60 to 86400 s (SQS KMS data key reuse)',
    ],
    [
      'age alarm not shorter than retention',
      { retentionPeriod: Duration.hours(1), ageAlarmThreshold: Duration.hours(1) },
      'Test/Orders: ageAlarmThreshold = 3600 s is not shorter than retentionPeriod = 3600 s: messages expire before the alarm can fire',
    ],
    [
      'depth alarm threshold 0',
      { depthAlarmThreshold: 0 },
      'Test/Orders: depthAlarmThreshold = 0 messages is out of range: allowed 1 to 9007199254740991 messages',
    ],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    expect(errorOf(() => build(props))).toBe(message);
  });

  test('a key without KMS encryption', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    expect(errorOf(() => new QueueWithDeadLetter(stack, 'Orders', { encryptionMasterKey: key }))).toBe(
      'Test/Orders: encryptionMasterKey is set but encryption = SQS_MANAGED: use encryption: KMS',
    );
  });

  test('limits at both ends are accepted', () => {
    expect(() =>
      build({
        deliveryDelay: Duration.seconds(0),
        maxMessageSizeBytes: 1024,
        retentionPeriod: Duration.seconds(61),
        deadLetterRetentionPeriod: Duration.seconds(61),
        receiveMessageWaitTime: Duration.seconds(20),
        maxReceiveCount: 1,
        visibilityTimeout: Duration.seconds(0),
        ageAlarmThreshold: Duration.seconds(60),
        depthAlarmThreshold: 1,
      }),
    ).not.toThrow();
    expect(() => build({ encryption: sqs.QueueEncryption.KMS, dataKeyReuse: Duration.seconds(60) })).not.toThrow();
    expect(() => build({ encryption: sqs.QueueEncryption.KMS, dataKeyReuse: Duration.hours(24) })).not.toThrow();
  });

  test('an age alarm under one minute', () => {
    expect(errorOf(() => build({ ageAlarmThreshold: Duration.seconds(59) }))).toBe(
      'Test/Orders: ageAlarmThreshold = 59 s is out of range: allowed 60 to 1209600 s',
    );
  });
});
