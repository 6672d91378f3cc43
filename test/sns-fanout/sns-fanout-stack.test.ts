import { Match } from 'aws-cdk-lib/assertions';
import { STACK_IDS } from '../../lib/app';
import { CLAIM_CHECK, FAILURE_RECORDS, SQS } from '../../lib/shared/limits';
import { appTemplate } from '../helpers';
import { largestRecords } from '../largest-records';

const ID = STACK_IDS.snsFanout;

describe('Decoupling-SnsFanout, sandbox profile', () => {
  const template = appTemplate(ID);

  test('snapshot (asset hashes normalised)', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('two topics, each with its own rotating key; the FIFO topic deduplicates on content', () => {
    template.resourceCountIs('AWS::SNS::Topic', 3); // + the alarm topic
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotificationsKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::Topic', {
      FifoTopic: true,
      ContentBasedDeduplication: true,
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FifoNotificationsKey'), 'Arn'] },
    });
  });

  test('subscriptions: filters, raw delivery and a DLQ each; no e-mail or webhook without context', () => {
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map((s) => s.Properties);
    expect(subscriptions).toHaveLength(6);
    for (const s of subscriptions)
      expect(s.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/DeadLetterQueue/), 'Arn'] } });
    expect(subscriptions.map((s) => s.Protocol).sort()).toEqual(['lambda', 'sqs', 'sqs', 'sqs', 'sqs', 'sqs']);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PriorityQueue'), 'Arn'] },
      FilterPolicy: { kind: ['order-created', 'order-cancelled'], amount: [{ numeric: ['>=', 100] }] },
      RawMessageDelivery: true,
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ShippingQueue'), 'Arn'] },
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: { order: { shipping: { country: ['DE', 'FR', 'NL'] } } },
      RawMessageDelivery: false,
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuditQueue'), 'Arn'] },
      FilterPolicy: Match.absent(),
      RawMessageDelivery: true,
    });
  });

  test('the priority queue has its own key, which lets SNS encrypt for this topic only', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PriorityKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'sns.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: { ArnEquals: { 'aws:SourceArn': { Ref: Match.stringLikeRegexp('^NotificationsTopic') } } },
          }),
        ]),
      },
    });
  });

  test('subscriber queues accept 1 MiB so that a 256 KiB message fits in its envelope', () => {
    for (const name of ['Priority', 'Shipping', 'Audit', 'FifoAudit', 'FifoPriority']) {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: Match.stringLikeRegexp(`^DecouplingSnsFanout-${name}-`),
        MaximumMessageSize: 1048576,
      });
    }
  });

  test('processor: reads claim checks from its own bucket and prefix only, up to the maximum its memory allows', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: CLAIM_CHECK.processorMemoryMb,
      Environment: {
        Variables: Match.objectLike({
          PAYLOAD_BUCKET_NAME: { Ref: Match.stringLikeRegexp('^PayloadsBucket') },
          PAYLOAD_KEY_PREFIX: 'payloads/',
          PAYLOAD_MAX_BYTES: String(32 * 1024 * 1024),
        }),
      },
    });
    expect(CLAIM_CHECK.maxPayloadBytes).toBe((CLAIM_CHECK.processorMemoryMb * 1024 * 1024) / CLAIM_CHECK.memoryPerPayloadByte);
  });

  test('processor: asynchronous retries then an on-failure destination; GetObject under payloads/ only', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^Processor') },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProcessorFailuresQueue'), 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^ProcessorRoleDefaultPolicy'),
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: 'dynamodb:PutItem', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeliveriesTable'), 'Arn'] } },
          {
            Action: 's3:GetObject',
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^PayloadsBucket'), 'Arn'] }, '/payloads/*']] },
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'sns.amazonaws.com',
      SourceArn: { Ref: Match.stringLikeRegexp('^NotificationsTopic') },
    });
  });

  test('failure targets accept the largest record that can reach them', () => {
    const largest = largestRecords();
    const maxSize = (pattern: RegExp) => {
      const found = Object.entries(template.findResources('AWS::SQS::Queue')).filter(([id]) => pattern.test(id));
      expect(found.length).toBeGreaterThan(0);
      return found.map(([id, q]) => [id, q.Properties.MaximumMessageSize as number] as const);
    };
    // The processor's on-failure destination: Lambda's record of the largest notification's event.
    for (const [id, size] of maxSize(/^ProcessorFailuresQueue/)) {
      expect([id, size >= largest.onFailureRecord]).toEqual([id, true]);
      expect([id, size]).toEqual([id, FAILURE_RECORDS.snsLambdaFailureRecordMaxBytes]);
    }
    // Each subscription's dead-letter queue: the largest notification in its SNS envelope.
    const subscriptionDlqs = maxSize(/^(Notifications|FifoNotifications)[A-Za-z]+DeadLetterQueue[0-9A-F]{8}$/);
    expect(subscriptionDlqs).toHaveLength(6);
    for (const [id, size] of subscriptionDlqs) expect([id, size >= largest.envelope]).toEqual([id, true]);
    // A queue's own DLQ takes its source's messages as they are: the same maximum.
    for (const name of ['Priority', 'Shipping', 'Audit', 'FifoAudit', 'FifoPriority']) {
      const [[, source]] = maxSize(new RegExp(`^${name}Queue[0-9A-F]{8}$`));
      const [[, dlq]] = maxSize(new RegExp(`^${name}DeadLetterQueue[0-9A-F]{8}$`));
      expect([name, dlq]).toEqual([name, source]);
    }
    expect(FAILURE_RECORDS.snsLambdaFailureRecordMaxBytes).toBeLessThanOrEqual(SQS.maxMessageSizeBytes.max);
  });

  test('payload bucket: expires claim checks after 14 days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 14 })]) },
    });
  });

  test('alarms: failed and invalid-attribute notifications per topic, every DLQ, to the alarm topic', () => {
    for (const metric of ['NumberOfNotificationsFailed', 'NumberOfNotificationsFilteredOut-InvalidAttributes']) {
      template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: metric }, 2);
    }
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
    const watched = new Set(
      alarms.flatMap((a) => (a.Properties.Dimensions ?? []).map((d: { Value: { 'Fn::GetAtt': string[] } }) => d.Value['Fn::GetAtt']?.[0])),
    );
    expect(queues.filter((q) => !watched.has(q))).toEqual([]);
  });

  test('outputs: topics, every queue and dead-letter queue, the table and the bucket', () => {
    const queues = ['Priority', 'Shipping', 'Audit', 'FifoAudit', 'FifoPriority'];
    const expected = [
      'AlarmTopicArn',
      'DeliveriesTableName',
      'FifoTopicArn',
      'PayloadBucketName',
      'ProcessorFailuresQueueUrl',
      'ProcessorLogGroupName',
      'TopicArn',
      'ProcessorSubscriptionDeadLetterQueueUrl',
      ...queues.flatMap((q) => [`${q}QueueUrl`, `${q}DeadLetterQueueUrl`, `${q}SubscriptionDeadLetterQueueUrl`]),
    ];
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(expected.sort());
  });
});

describe('Decoupling-SnsFanout with e-mail and webhook context', () => {
  const template = appTemplate(ID, {
    alarmEmail: 'ops@example.com',
    notificationEmail: 'orders@example.com',
    webhookUrl: 'https://hooks.example.com/sns',
  });

  test('e-mail and HTTPS subscribers, each with a DLQ; the webhook with its retry policy', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'orders@example.com',
      TopicArn: { Ref: Match.stringLikeRegexp('^NotificationsTopic') },
      RedrivePolicy: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://hooks.example.com/sns',
      DeliveryPolicy: { healthyRetryPolicy: { numRetries: 3, minDelayTarget: 1, maxDelayTarget: 20, backoffFunction: 'EXPONENTIAL' } },
      RedrivePolicy: Match.anyValue(),
    });
  });
});

describe('context for the fan-out subscribers', () => {
  test.each([
    [
      { webhookUrl: 'http://hooks.example.com' },
      'Invalid context webhookUrl="http://hooks.example.com": allowed an https:// URL, or unset',
    ],
    [
      { notificationEmail: 'orders' },
      'Invalid context notificationEmail="orders": allowed an e-mail address such as ops@example.com, or unset',
    ],
  ])('%j', (context, message) => {
    expect(() => appTemplate(ID, context)).toThrow(message);
  });
});
