import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { STACK_IDS } from '../../lib/app';
import { SqsDlqStack, type SqsDlqStackProps } from '../../lib/sqs-dlq';
import { appTemplate, errorOf, NO_BUNDLING, settings } from '../helpers';

const ID = STACK_IDS.sqsDlq;

describe('Decoupling-SqsDlq, sandbox profile', () => {
  const template = appTemplate(ID);

  test('snapshot (asset hashes normalised)', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('two consumers: current Node.js on arm64, traced, own log group with 7-day retention', () => {
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: Match.anyValue() } } },
    });
    expect(Object.keys(functions).sort()).toEqual([expect.stringMatching(/^Consumer/), expect.stringMatching(/^FifoConsumer/)]);
    for (const fn of Object.values(functions)) {
      // The source map ships with the bundle; decoding it at run time (--enable-source-maps) is opt-in.
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Timeout: 20,
        MemorySize: 256,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/LogGroup/) } },
        Environment: {
          Variables: {
            RECEIPTS_TABLE_NAME: { Ref: expect.stringMatching(/^ReceiptsTable/) },
            RECEIPT_RETENTION_DAYS: '30',
            POWERTOOLS_SERVICE_NAME: expect.any(String),
            POWERTOOLS_LOG_LEVEL: 'INFO',
          },
        },
      });
    }
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 7 }, 2);
  });

  test('execution roles: no AWS managed policy; PutItem on the receipts table is the only DynamoDB action', () => {
    for (const id of ['ConsumerRole', 'FifoConsumerRole']) {
      const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([logicalId]) => logicalId.startsWith(id));
      expect(roles).toHaveLength(1);
      expect(roles[0][1].Properties.ManagedPolicyArns).toBeUndefined();
      const [policy] = Object.values(
        template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp(`^${id}DefaultPolicy`) } }),
      );
      const dynamodb = policy.Properties.PolicyDocument.Statement.filter((s: { Action: string | string[] }) =>
        [s.Action].flat().some((a) => a.startsWith('dynamodb:')),
      );
      expect(dynamodb).toEqual([
        { Action: 'dynamodb:PutItem', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ReceiptsTable/), 'Arn'] } },
      ]);
    }
  });

  test('queues: visibility timeout is six times the consumer timeout', () => {
    const sources = template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.anyValue() } });
    expect(Object.values(sources).map((q) => q.Properties.VisibilityTimeout)).toEqual([120, 120]);
  });

  test('standard and FIFO event sources report batch item failures', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FifoOrdersQueue'), 'Arn'] },
      FunctionName: { Ref: Match.stringLikeRegexp('^FifoConsumer') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  test('FIFO queue: content-based deduplication and high-throughput mode', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      ContentBasedDeduplication: true,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    });
  });

  test('one table: the receipt is the idempotency record (no separate idempotency table)', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
  });

  test('receipts table: order id + receipt id, TTL on expiresAt, on demand', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'orderId', KeyType: 'HASH' },
        { AttributeName: 'receiptId', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  test('no bucket and no custom resource: plain CloudFormation that deletes cleanly', () => {
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.resourceCountIs('AWS::Lambda::Function', 2);
  });

  test('sandbox: everything is deleted with the stack', () => {
    for (const type of ['AWS::SQS::Queue', 'AWS::DynamoDB::GlobalTable', 'AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect([type, resource.DeletionPolicy]).toEqual([type, 'Delete']);
      }
    }
  });

  test('alarm topic: KMS key with rotation CloudWatch may use, TLS only, no e-mail by default', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmsKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  test('every alarm notifies the alarm topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(8); // 3 per queue pair + 1 error alarm per consumer
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
    }
  });

  test('outputs for both variants', () => {
    const outputs = Object.keys(template.findOutputs('*')).sort();
    expect(outputs).toEqual(
      [
        'AlarmTopicArn',
        'ConsumerLogGroupName',
        'FifoConsumerLogGroupName',
        'DeadLetterQueueArn',
        'DeadLetterQueueUrl',
        'FifoDeadLetterQueueArn',
        'FifoDeadLetterQueueUrl',
        'FifoMaxReceiveCount',
        'FifoQueueArn',
        'FifoQueueUrl',
        'MaxReceiveCount',
        'QueueArn',
        'QueueUrl',
        'ReceiptsTableName',
      ].sort(),
    );
    template.hasOutput('MaxReceiveCount', { Value: '5' });
  });

  test('no backlog worker in sandbox', () => {
    template.resourceCountIs('AWS::ECS::Service', 0);
    template.resourceCountIs('AWS::EC2::VPC', 0);
  });

  test('no IAM statement grants a wildcard action, and only X-Ray gets Resource "*"', () => {
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        const actions: string[] = [statement.Action].flat();
        expect(actions.filter((a) => a.endsWith(':*') || a === '*')).toEqual([]);
        if (statement.Resource === '*') expect(actions.every((a) => a.startsWith('xray:'))).toBe(true);
      }
    }
  });
});

describe('Decoupling-SqsDlq, production profile', () => {
  const template = appTemplate(ID, { profile: 'production', alarmEmail: 'ops@example.com' });

  test('stateful resources are retained; logs kept a year', () => {
    for (const type of ['AWS::SQS::Queue', 'AWS::DynamoDB::GlobalTable', 'AWS::KMS::Key']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect([type, resource.DeletionPolicy]).toEqual([type, 'Retain']);
      }
    }
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 365 }, 2);
  });

  test('e-mail subscription with its own dead-letter queue', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmsEmailDeadLetterQueue'), 'Arn'] } },
    });
  });

  test('no backlog worker: no default may consume and drop messages', () => {
    template.resourceCountIs('AWS::ECS::Service', 0);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    expect(Object.keys(template.findOutputs('WorkQueueUrl'))).toEqual([]);
  });
});

/** The stack built directly, as a user's app would, with nag off and bundling skipped. */
function stackWith(props: Partial<SqsDlqStackProps>, profile: 'sandbox' | 'production' = 'sandbox'): SqsDlqStack {
  const app = new App({ context: NO_BUNDLING });
  return new SqsDlqStack(app, ID, { settings: settings(profile), ...props });
}

describe('backlog worker: opt-in, with your own image', () => {
  const WORKER_IMAGE = 'public.ecr.aws/example/order-worker:1.0.0';
  const template = Template.fromStack(
    stackWith(
      {
        backlogWorker: true,
        workerImage: ecs.ContainerImage.fromRegistry(WORKER_IMAGE),
        workerCommand: ['node', 'worker.js'],
      },
      'production',
    ),
  );

  test('Fargate service running your image and command, scaled 0..4 by step policies on the work queue depth', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Image: WORKER_IMAGE,
          EntryPoint: Match.absent(),
          Command: ['node', 'worker.js'],
          Environment: Match.arrayWith([{ Name: 'QUEUE_URL', Value: { Ref: Match.stringLikeRegexp('^WorkQueue') } }]),
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 0, MaxCapacity: 4 });
    const policies = Object.values(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy'));
    expect(policies).toHaveLength(2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkQueue'), 'QueueName'] } }],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('UpperPolicy') }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('LowerPolicy') }],
    });
    template.hasOutput('WorkQueueUrl', {});
  });

  test('worker network: private subnets behind one NAT gateway, flow logs on; its logs follow the profile', () => {
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 365 }, 4);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
    template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED', Subnets: Match.anyValue() } },
    });
  });

  test("without a command the image's own runs", () => {
    const t = Template.fromStack(stackWith({ backlogWorker: true, workerImage: ecs.ContainerImage.fromRegistry(WORKER_IMAGE) }));
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Image: WORKER_IMAGE, Command: Match.absent(), EntryPoint: Match.absent() })],
    });
  });

  test.each([
    [
      { backlogWorker: true },
      'Decoupling-SqsDlq: backlogWorker = true needs workerImage: the worker runs your image (and workerCommand); there is no default worker, because a placeholder would consume and drop your messages',
    ],
    [
      { workerImage: ecs.ContainerImage.fromRegistry('public.ecr.aws/example/order-worker:1.0.0') },
      'Decoupling-SqsDlq: workerImage is set but backlogWorker is not true: set backlogWorker: true or remove it',
    ],
    [
      { backlogWorker: false, workerCommand: ['node', 'worker.js'] },
      'Decoupling-SqsDlq: workerCommand is set but backlogWorker is not true: set backlogWorker: true or remove it',
    ],
  ])('guard: %j', (props, message) => {
    expect(errorOf(() => stackWith(props))).toBe(message);
  });
});

describe('backlogWorker context', () => {
  test('true without an image is a synth error, in any profile', () => {
    expect(() => appTemplate(ID, { backlogWorker: 'true' })).toThrow(
      /^Invalid context backlogWorker=true: allowed true only with -c backlogWorkerImage=<your image>: there is no default worker$/,
    );
    expect(() => appTemplate(ID, { profile: 'production', backlogWorker: 'true' })).toThrow(
      /^Invalid context backlogWorker=true: allowed true only with -c backlogWorkerImage=<your image>: there is no default worker$/,
    );
  });
  test('off in production', () => {
    appTemplate(ID, { profile: 'production', backlogWorker: 'false' }).resourceCountIs('AWS::ECS::Service', 0);
  });
});

test('Template helper is the real assertions module', () => {
  expect(Template).toBeDefined();
});
