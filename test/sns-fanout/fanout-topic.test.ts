import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { FAILURE_RECORDS } from '../../lib/shared/limits';
import { FanoutTopic } from '../../lib/sns-fanout';
import { errorOf, testStack } from '../helpers';
import { largestRecords } from '../largest-records';

function setup(fifo = false) {
  const stack = testStack();
  const topic = new FanoutTopic(stack, 'Fanout', { fifo, contentBasedDeduplication: fifo || undefined });
  return { stack, topic };
}

const fn = (topic: FanoutTopic) =>
  new lambda.Function(topic, 'Fn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler=async()=>{}'),
  });

describe('FanoutTopic', () => {
  /** The ARN of the topic named `name`, as the template spells it. */
  const topicArnOf = (name: string) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${name}`]],
  });

  test.each([false, true])(
    'topic (fifo: %s): customer-managed rotating key that SNS may use for this topic only, TLS only, owner publishes',
    (fifo) => {
      const { stack } = setup(fifo);
      const template = Template.fromStack(stack);
      const [topicResource] = Object.values(template.findResources('AWS::SNS::Topic'));
      const topicName: string = topicResource.Properties.TopicName;
      expect(topicName).toMatch(fifo ? /^Test-Fanout-[A-Za-z0-9-]+\.fifo$/ : /^Test-Fanout-[A-Za-z0-9-]+$/);
      const snsStatements = Object.values(template.findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement.filter(
        (s: { Principal?: { Service?: string } }) => s.Principal?.Service === 'sns.amazonaws.com',
      );
      expect(snsStatements).toEqual([
        {
          Sid: 'AllowSnsToUseTheKey',
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: { ArnEquals: { 'aws:SourceArn': topicArnOf(topicName) } },
        },
      ]);
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FanoutKey'), 'Arn'] },
      });
      const statements = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0].Properties.PolicyDocument.Statement;
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          expect.objectContaining({ Sid: 'OwnerAccountPublishes', Effect: 'Allow', Action: 'sns:Publish' }),
        ]),
      );
      expect(statements.filter((s: { Effect: string }) => s.Effect === 'Allow')).toHaveLength(1);
    },
  );

  test('extra publishers get the topic and the key', () => {
    const stack = testStack();
    new FanoutTopic(stack, 'Fanout', { publishers: [new iam.ServicePrincipal('events.amazonaws.com')] });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'ExtraPublisher0', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish' }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
        ]),
      },
    });
  });

  test('alarms on failed deliveries and invalid filter attributes, to the given action', () => {
    const stack = testStack();
    const alarmTopic = new sns.Topic(stack, 'Alarms');
    new FanoutTopic(stack, 'Fanout', { alarmAction: new actions.SnsAction(alarmTopic) });
    const template = Template.fromStack(stack);
    for (const metric of ['NumberOfNotificationsFailed', 'NumberOfNotificationsFilteredOut-InvalidAttributes']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Namespace: 'AWS/SNS',
        Threshold: 1,
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
      });
    }
  });

  test('queue subscription: filter, raw delivery, own DLQ, queue policy for this topic only, queue key grants SNS', () => {
    const { stack, topic } = setup();
    const key = new kms.Key(stack, 'QueueKey');
    const queue = new sqs.Queue(stack, 'Q', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key });
    const { deadLetterQueue } = topic.subscribeQueue('Q', queue, {
      rawMessageDelivery: true,
      filterPolicy: {
        kind: sns.SubscriptionFilter.stringFilter({ allowlist: ['a', 'b'] }),
        amount: sns.SubscriptionFilter.numericFilter({ between: { start: 1, stop: 9 } }),
      },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: true,
      FilterPolicy: { kind: ['a', 'b'], amount: [{ numeric: ['>=', 1, '<=', 9] }] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FanoutQDeadLetterQueue'), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: Match.stringLikeRegexp('^Q') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Principal: { Service: 'sns.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { Ref: Match.stringLikeRegexp('^FanoutTopic') } } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'sns.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: { ArnEquals: { 'aws:SourceArn': { Ref: Match.stringLikeRegexp('^FanoutTopic') } } },
          }),
        ]),
      },
    });
    expect(deadLetterQueue.queue.fifo).toBe(false);
  });

  test('body filter with nested keys', () => {
    const { stack, topic } = setup();
    topic.subscribeQueue('Q', new sqs.Queue(stack, 'Q'), {
      filterPolicyWithMessageBody: {
        order: sns.FilterOrPolicy.policy({
          shipping: sns.FilterOrPolicy.policy({
            country: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: ['DE'] })),
          }),
        }),
      },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: { order: { shipping: { country: ['DE'] } } },
    });
  });

  test('FIFO topic to FIFO queue: FIFO subscription DLQ', () => {
    const { stack, topic } = setup(true);
    topic.subscribeQueue('Q', new sqs.Queue(stack, 'Q', { fifo: true }));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::Topic', { FifoTopic: true, ContentBasedDeduplication: true });
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, MessageRetentionPeriod: 1209600 });
  });

  test('HTTPS subscription with its retry policy and DLQ', () => {
    const { stack, topic } = setup();
    topic.subscribeUrl('Hook', 'https://hooks.example.com/x', {
      numRetries: 5,
      minDelay: Duration.seconds(2),
      maxDelay: Duration.seconds(30),
      maxReceivesPerSecond: 10,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://hooks.example.com/x',
      DeliveryPolicy: {
        healthyRetryPolicy: { numRetries: 5, minDelayTarget: 2, maxDelayTarget: 30, backoffFunction: 'EXPONENTIAL' },
        throttlePolicy: { maxReceivesPerSecond: 10 },
      },
      RedrivePolicy: Match.anyValue(),
    });
  });

  test('every subscription dead-letter queue accepts the largest notification in its SNS envelope', () => {
    const { stack, topic } = setup();
    topic.subscribeQueue('Q', new sqs.Queue(stack, 'Q'));
    topic.subscribeFunction('L', fn(topic));
    topic.subscribeEmail('Mail', 'ops@example.com');
    topic.subscribeUrl('Hook', 'https://hooks.example.com/x');
    const template = Template.fromStack(stack);
    const dlqs = Object.entries(template.findResources('AWS::SQS::Queue')).filter(([id]) => /DeadLetterQueue/.test(id));
    expect(dlqs.map(([id]) => id.replace(/DeadLetterQueue.*$/, '')).sort()).toEqual(['FanoutHook', 'FanoutL', 'FanoutMail', 'FanoutQ']);
    for (const [id, dlq] of dlqs) {
      expect([id, dlq.Properties.MaximumMessageSize]).toEqual([id, FAILURE_RECORDS.snsEnvelopedMaxBytes]);
      expect([id, dlq.Properties.MaximumMessageSize >= largestRecords().envelope]).toEqual([id, true]);
    }
  });

  describe("a Lambda subscriber's failure targets must take its largest records (checked at synth)", () => {
    const subscriber = (configure: (f: lambda.Function, s: ReturnType<typeof testStack>) => void) => {
      const { stack, topic } = setup();
      const f = fn(topic);
      topic.subscribeFunction('L', f);
      configure(f, stack); // after subscribing: the check runs at synth, whatever the order
      return () => Template.fromStack(stack);
    };
    test.each<[string, (f: lambda.Function, s: ReturnType<typeof testStack>) => void, string]>([
      [
        'an on-failure queue of 256 KiB',
        (f, s) =>
          f.configureAsyncInvoke({
            onFailure: new destinations.SqsDestination(new sqs.Queue(s, 'Failures', { maxMessageSizeBytes: 262144 })),
          }),
        'Test/Fanout: L.function on-failure destination = Test/Failures/Resource accepts at most 262144 bytes, less than the on-failure record of a 262144-byte notification (819200 bytes, FAILURE_RECORDS): such failures would be lost',
      ],
      [
        'an on-failure SNS topic',
        (f, s) => f.configureAsyncInvoke({ onFailure: new destinations.SnsDestination(new sns.Topic(s, 'FailureTopic')) }),
        'Test/Fanout: L.function on-failure destination = Test/FailureTopic/Resource (an SNS topic) accepts at most 262144 bytes, less than the on-failure record of a 262144-byte notification (819200 bytes, FAILURE_RECORDS): such failures would be lost',
      ],
      [
        'a dead-letter queue of 256 KiB',
        (f, s) => {
          const queue = new sqs.Queue(s, 'FnDlq', { maxMessageSizeBytes: 262144 });
          (f.node.defaultChild as lambda.CfnFunction).deadLetterConfig = { targetArn: queue.queueArn };
        },
        'Test/Fanout: L.function dead-letter queue = Test/FnDlq/Resource accepts at most 262144 bytes, less than the event of a 262144-byte notification (802816 bytes, FAILURE_RECORDS): such failures would be lost',
      ],
    ])('%s is a synth error', (_name, configure, message) => {
      expect(subscriber(configure)).toThrow(message);
    });

    test('queues of the computed size, or of the service default (1 MiB), pass', () => {
      expect(
        subscriber((f, s) =>
          f.configureAsyncInvoke({
            onFailure: new destinations.SqsDestination(
              new sqs.Queue(s, 'Failures', { maxMessageSizeBytes: FAILURE_RECORDS.snsLambdaFailureRecordMaxBytes }),
            ),
          }),
        ),
      ).not.toThrow();
      expect(
        subscriber((f, s) => f.configureAsyncInvoke({ onFailure: new destinations.SqsDestination(new sqs.Queue(s, 'Failures')) })),
      ).not.toThrow();
    });
  });

  const tooMany = Object.fromEntries(
    ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => [k, sns.SubscriptionFilter.stringFilter({ allowlist: ['x'] })]),
  );
  const combinations = {
    a: sns.SubscriptionFilter.stringFilter({ allowlist: Array.from({ length: 13 }, (_, i) => `v${i}`) }),
    b: sns.SubscriptionFilter.stringFilter({ allowlist: Array.from({ length: 12 }, (_, i) => `w${i}`) }),
  };
  test.each<[string, (t: FanoutTopic, stack: ReturnType<typeof testStack>) => unknown, string]>([
    [
      'standard queue on a FIFO topic',
      (_t, s) => new FanoutTopic(s, 'F', { fifo: true }).subscribeQueue('Q', new sqs.Queue(s, 'Q')),
      'Test/F: Q.queue = Test/Q is a standard queue: a FIFO topic delivers to FIFO queues only',
    ],
    [
      'FIFO queue on a standard topic',
      (t, s) => t.subscribeQueue('Q', new sqs.Queue(s, 'Q', { fifo: true })),
      'Test/Fanout: Q.queue = Test/Q is a FIFO queue: a standard topic cannot deliver to it (use a FIFO topic)',
    ],
    [
      'queue with the AWS managed key',
      (t, s) => t.subscribeQueue('Q', new sqs.Queue(s, 'Q', { encryption: sqs.QueueEncryption.KMS_MANAGED })),
      'Test/Fanout: Q.queue = Test/Q is encrypted with the AWS managed key alias/aws/sqs, which SNS cannot use: deliveries would be dropped silently (use SQS_MANAGED or a customer-managed key)',
    ],
    [
      'queue with an imported key',
      (t, s) =>
        t.subscribeQueue(
          'Q',
          new sqs.Queue(s, 'Q', {
            encryption: sqs.QueueEncryption.KMS,
            encryptionMasterKey: kms.Key.fromKeyArn(s, 'K', 'arn:aws:kms:us-east-1:111122223333:key/abc'),
          }),
        ),
      'Test/Fanout: Q.queue = Test/Q uses the imported key Test/K, whose policy this stack cannot extend: SNS could not encrypt for it (use a key of this stack)',
    ],
    [
      'queue too small for an SNS message in its envelope',
      (t, s) => t.subscribeQueue('Q', new sqs.Queue(s, 'Q', { maxMessageSizeBytes: 262144 })),
      'Test/Fanout: Q.queue = Test/Q accepts at most 262144 bytes, less than a 262144-byte SNS message in its JSON envelope (802816 bytes): large deliveries would fail',
    ],
    [
      'queue too small for the largest SNS message in its envelope',
      (t, s) => t.subscribeQueue('Q', new sqs.Queue(s, 'Q', { maxMessageSizeBytes: 802815 })),
      'Test/Fanout: Q.queue = Test/Q accepts at most 802815 bytes, less than a 262144-byte SNS message in its JSON envelope (802816 bytes): large deliveries would fail',
    ],
    [
      'raw delivery to a queue smaller than an SNS message',
      (t, s) => t.subscribeQueue('Q', new sqs.Queue(s, 'Q', { maxMessageSizeBytes: 262143 }), { rawMessageDelivery: true }),
      'Test/Fanout: Q.queue = Test/Q accepts at most 262143 bytes, less than a 262144-byte SNS message (262144 bytes): large deliveries would fail',
    ],
    [
      'Lambda on a FIFO topic',
      (t, s) => new FanoutTopic(s, 'F', { fifo: true }).subscribeFunction('L', fn(t)),
      'Test/F: L.function = Test/Fanout/Fn: a FIFO topic delivers to SQS queues only, not to Lambda',
    ],
    [
      'six filter keys',
      (t, s) => t.subscribeQueue('Q', new sqs.Queue(s, 'Q'), { filterPolicy: tooMany }),
      'Test/Fanout: Q filter policy keys = 6 keys is out of range: allowed 1 to 5 keys (SNS filter policy constraints)',
    ],
    [
      '156 combinations',
      (t, s) => t.subscribeQueue('Q', new sqs.Queue(s, 'Q'), { filterPolicy: combinations }),
      'Test/Fanout: Q filter policy combinations = 156 combinations is out of range: allowed 1 to 150 combinations (SNS filter policy constraints)',
    ],
    [
      'a nested body policy: each value counts once per level of its key (51 values three levels deep)',
      (t, s) =>
        t.subscribeQueue('Q', new sqs.Queue(s, 'Q'), {
          filterPolicyWithMessageBody: {
            order: sns.FilterOrPolicy.policy({
              shipping: sns.FilterOrPolicy.policy({
                country: sns.FilterOrPolicy.filter(
                  sns.SubscriptionFilter.stringFilter({ allowlist: Array.from({ length: 51 }, (_, i) => `C${i}`) }),
                ),
              }),
            }),
          },
        }),
      'Test/Fanout: Q filter policy combinations = 153 combinations is out of range: allowed 1 to 150 combinations (SNS filter policy constraints)',
    ],
    [
      'plain HTTP endpoint',
      (t) => t.subscribeUrl('Hook', 'http://hooks.example.com/x'),
      'Test/Fanout: Hook.url = "http://hooks.example.com/x" is not an https:// URL: notifications are delivered over TLS only',
    ],
    [
      'retries over 100',
      (t) => t.subscribeUrl('Hook', 'https://h.example.com', { numRetries: 101 }),
      'Test/Fanout: Hook.numRetries = 101 retries is out of range: allowed 0 to 100 retries (SNS delivery policy)',
    ],
    [
      'retries beyond the hour',
      (t) => t.subscribeUrl('Hook', 'https://h.example.com', { numRetries: 100, maxDelay: Duration.minutes(1) }),
      "Test/Fanout: Hook.numRetries = 100 at up to 60 s each can exceed SNS's 3600 s retry window: lower numRetries or maxDelay",
    ],
    [
      'min delay over max delay',
      (t) => t.subscribeUrl('Hook', 'https://h.example.com', { minDelay: Duration.seconds(30), maxDelay: Duration.seconds(10) }),
      'Test/Fanout: Hook.minDelay = 30 s is longer than maxDelay = 10 s',
    ],

    [
      'e-mail on a FIFO topic',
      (_t, s) => new FanoutTopic(s, 'F', { fifo: true }).subscribeEmail('Mail', 'a@example.com'),
      'Test/F: Mail.address cannot be subscribed: a FIFO topic delivers to SQS queues only, not to e-mail',
    ],
    [
      'HTTPS on a FIFO topic',
      (_t, s) => new FanoutTopic(s, 'F', { fifo: true }).subscribeUrl('Hook', 'https://h.example.com'),
      'Test/F: Hook.url cannot be subscribed: a FIFO topic delivers to SQS queues only, not to HTTP/S endpoints',
    ],
    [
      'both an attribute and a body filter',
      (t, s) =>
        t.subscribeQueue('Q', new sqs.Queue(s, 'Q'), {
          filterPolicy: { a: sns.SubscriptionFilter.existsFilter() },
          filterPolicyWithMessageBody: { b: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.existsFilter()) },
        }),
      'Test/Fanout: Q.filterPolicy and filterPolicyWithMessageBody are exclusive: a subscription filters on attributes or on the body',
    ],
    [
      'a minimum delay of 0 s',
      (t) => t.subscribeUrl('Hook', 'https://h.example.com', { minDelay: Duration.seconds(0) }),
      'Test/Fanout: Hook.minDelay = 0 s is out of range: allowed 1 to 3600 s (SNS delivery policy)',
    ],
    [
      'a maximum delay over an hour',
      (t) => t.subscribeUrl('Hook', 'https://h.example.com', { numRetries: 0, maxDelay: Duration.seconds(3601) }),
      'Test/Fanout: Hook.maxDelay = 3601 s is out of range: allowed 1 to 3600 s (SNS delivery policy)',
    ],
    ['bad e-mail', (t) => t.subscribeEmail('Mail', 'nobody'), 'Test/Fanout: Mail.address = "nobody" is not an e-mail address'],
    [
      'content-based deduplication on a standard topic',
      (_t, s) => new FanoutTopic(s, 'F', { contentBasedDeduplication: true }),
      'Test/F: contentBasedDeduplication applies to FIFO topics only: set fifo: true or remove it',
    ],
  ])('guard: %s', (_name, act, message) => {
    const { stack, topic } = setup();
    expect(errorOf(() => act(topic, stack))).toBe(message);
  });
});
