import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AlarmTopic } from '../../lib/shared/alarm-topic';
import { DeadLetterQueue } from '../../lib/shared/dead-letter-queue';
import { HandlerFunction } from '../../lib/shared/handler-function';
import { FAILURE_RECORDS } from '../../lib/shared/limits';
import { SecureBucket } from '../../lib/shared/secure-bucket';
import { SecureTable } from '../../lib/shared/secure-table';
import { errorOf, testStack } from '../helpers';
import { largestRecords } from '../largest-records';

describe('AlarmTopic', () => {
  test('a malformed e-mail is a one-line error', () => {
    expect(errorOf(() => new AlarmTopic(testStack(), 'Alarms', { email: 'not-an-address' }))).toBe(
      'Test/Alarms: email = "not-an-address" is not an e-mail address',
    );
  });

  test('CloudWatch of this account only may publish and use the key', () => {
    const stack = testStack();
    new AlarmTopic(stack, 'Alarms');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchAlarmsOfThisAccount',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchAlarmsToUseTheKey',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });
});

test('AlarmTopic: the e-mail subscription DLQ accepts the largest notification in its envelope', () => {
  const stack = testStack();
  new AlarmTopic(stack, 'Alarms', { email: 'ops@example.com' });
  Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { MaximumMessageSize: FAILURE_RECORDS.snsEnvelopedMaxBytes });
  expect(FAILURE_RECORDS.snsEnvelopedMaxBytes).toBeGreaterThanOrEqual(largestRecords().envelope);
});

describe('SecureBucket', () => {
  test('defaults: SSE-S3, TLS only, private, 30-day expiry, access logs to its companion bucket', () => {
    const stack = testStack();
    new SecureBucket(stack, 'Data');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 30, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })]),
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^DataAccessLogs') }, LogFilePrefix: 'access-logs/' },
    });
    for (const policy of Object.values(template.findResources('AWS::S3::BucketPolicy'))) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      );
    }
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
  });

  test('retained buckets are never auto-emptied', () => {
    const stack = testStack();
    new SecureBucket(stack, 'Data', { removalPolicy: RemovalPolicy.RETAIN, autoDeleteObjects: true });
    Template.fromStack(stack).resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('expiry under a day is rejected', () => {
    expect(errorOf(() => new SecureBucket(testStack(), 'Data', { expiration: Duration.hours(12) }))).toBe(
      'Test/Data: expiration = 0.5 days is out of range: allowed 1 to 36500 days (S3 lifecycle expiration)',
    );
  });
});

describe('SecureTable', () => {
  test('on demand, AWS managed key, point-in-time recovery, optional sort key and TTL', () => {
    const stack = testStack();
    new SecureTable(stack, 'Plain', { partitionKey: 'pk' });
    new SecureTable(stack, 'Full', { partitionKey: 'pk', sortKey: 'sk', timeToLiveAttribute: 'ttl' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      TimeToLiveSpecification: Match.absent(),
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });
});

describe('HandlerFunction', () => {
  /** Any file under lambda/ that the fork of every pattern holds: test stacks bundle nothing. */
  const ENTRY = 'shared/env.ts';

  test('an entry that does not exist is a one-line error', () => {
    expect(errorOf(() => new HandlerFunction(testStack(), 'Fn', { entry: 'shared/missing.ts', description: 'x', serviceName: 'x' }))).toBe(
      'Test: Fn.entry = shared/missing.ts does not exist under lambda/',
    );
  });

  test('timeout and memory are guarded by the Lambda quotas', () => {
    const props = { entry: ENTRY, description: 'x', serviceName: 'x' };
    expect(errorOf(() => new HandlerFunction(testStack(), 'Fn', { ...props, timeout: Duration.minutes(16) }))).toBe(
      'Test/Fn: timeout = 960 s is out of range: allowed 1 to 900 s (Lambda quotas)',
    );
    expect(errorOf(() => new HandlerFunction(testStack(), 'Fn', { ...props, memorySize: 64 }))).toBe(
      'Test/Fn: memorySize = 64 MB is out of range: allowed 128 to 10240 MB (Lambda quotas)',
    );
  });

  /** The AwsSolutions-IAM5 findings cdk-nag reports in `stack`, as `rule @ construct path`. */
  function wildcardFindings(stack: ReturnType<typeof testStack>): string[] {
    const report = new AwsSolutionsChecks().validateScope(stack);
    return report.violations
      .filter((v) => v.ruleName.startsWith('AwsSolutions-IAM5'))
      .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`));
  }

  test("X-Ray's wildcard is acknowledged on its own policy, nothing else on the role", () => {
    const stack = testStack();
    new HandlerFunction(stack, 'Fn', { entry: ENTRY, description: 'x', serviceName: 'x' });
    expect(wildcardFindings(stack)).toEqual([]);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^FnRoleTracing'),
      PolicyDocument: {
        Statement: [{ Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Effect: 'Allow', Resource: '*' }],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^FnRole') }],
    });
    template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
    // The function is created once its role may write traces.
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(fn.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^FnRoleTracing/)]));
  });

  test('a new wildcard grant on a handler role is reported by cdk-nag', () => {
    const stack = testStack();
    const fn = new HandlerFunction(stack, 'Fn', { entry: ENTRY, description: 'x', serviceName: 'x' });
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    expect(wildcardFindings(stack)).toEqual(['AwsSolutions-IAM5[Resource::*] @ Test/FnRole/DefaultPolicy/Resource']);
  });
});

describe('DeadLetterQueue', () => {
  test('14 days, SSE-SQS, TLS only, redrive allowed from the given sources, a not-empty alarm', () => {
    const stack = testStack();
    new DeadLetterQueue(stack, 'Dlq', { purpose: 'tests', maxMessageSizeBytes: 4096 });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SQS::Queue', {
      MaximumMessageSize: 4096,
      MessageRetentionPeriod: 1209600,
      SqsManagedSseEnabled: true,
      ReceiveMessageWaitTimeSeconds: 20,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: 'Dead letters of tests: the dead-letter queue is not empty',
      Threshold: 1,
    });
  });

  test.each([
    [
      { retentionPeriod: Duration.days(15) },
      'Test/Dlq: retentionPeriod = 1296000 s is out of range: allowed 60 to 1209600 s (SQS message quotas)',
    ],
    [
      { maxMessageSizeBytes: 2 * 1024 * 1024 },
      'Test/Dlq: maxMessageSizeBytes = 2097152 bytes is out of range: allowed 1024 to 1048576 bytes (SQS message quotas)',
    ],
  ])('guard: %j', (props, message) => {
    expect(errorOf(() => new DeadLetterQueue(testStack(), 'Dlq', { purpose: 'tests', maxMessageSizeBytes: 4096, ...props }))).toBe(message);
  });
});
