import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App, CfnOutput, Duration, Fn, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { type LocalRuntime, readAssembly, startLocalRuntime } from '../../local/runtime';
import { CDK_JSON_CONTEXT } from '../helpers';
import { localClient } from '../local-clients';

const FIXTURES = path.join(__dirname, 'fixtures');

/** A small app that uses every trigger the runtime emulates, with plain-JS fixture handlers. */
function fixtureApp(outdir: string): App {
  const app = new App({ outdir, context: CDK_JSON_CONTEXT });
  const stack = new Stack(app, 'LocalFixture');
  const table = new dynamodb.TableV2(stack, 'Seen', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
  const code = lambda.Code.fromAsset(FIXTURES);
  const fn = (id: string, handler: string, props: Partial<lambda.FunctionProps> = {}) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      code,
      handler,
      environment: { TABLE: table.tableName },
      ...props,
    });
  const recorder = fn('Recorder', 'recorder.handler');
  table.grantWriteData(recorder);
  const deadLetters = new sqs.Queue(stack, 'FailedEvents');
  const failer = fn('Failer', 'failer.handler', { deadLetterQueue: deadLetters, retryAttempts: 1 });
  const sleeper = fn('Sleeper', 'sleeper.handler', {
    timeout: Duration.seconds(1),
    environment: { CUSTOM: Fn.join('-', ['x', stack.region]) },
  });
  const broken = fn('Broken', 'broken.handler');

  const topic = new sns.Topic(stack, 'Topic');
  topic.addSubscription(
    new subscriptions.LambdaSubscription(recorder, {
      filterPolicy: { kind: sns.SubscriptionFilter.stringFilter({ allowlist: ['wanted'] }) },
    }),
  );
  const filtered = new sqs.Queue(stack, 'Filtered');
  topic.addSubscription(
    new subscriptions.SqsSubscription(filtered, {
      rawMessageDelivery: true,
      filterPolicyWithMessageBody: { size: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.numericFilter({ greaterThan: 10 })) },
    }),
  );

  const bucket = new s3.Bucket(stack, 'Inbox');
  bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(recorder), { prefix: 'in/', suffix: '.json' });
  bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(failer), { prefix: 'fail/' });
  const uploads = new sqs.Queue(stack, 'Uploads');
  const orderedDlq = new sqs.Queue(stack, 'OrderedDlq', { fifo: true });
  const ordered = new sqs.Queue(stack, 'Ordered', {
    fifo: true,
    contentBasedDeduplication: true,
    deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
    fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
    visibilityTimeout: Duration.seconds(45),
    deliveryDelay: Duration.seconds(2),
    retentionPeriod: Duration.hours(1),
    maxMessageSizeBytes: 2048,
    receiveMessageWaitTime: Duration.seconds(20),
    deadLetterQueue: { queue: orderedDlq, maxReceiveCount: 3 },
  });
  bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(uploads), { prefix: 'queue/' });

  const invoke = new tasks.LambdaInvoke(stack, 'Record', { lambdaFunction: recorder, payloadResponseOnly: true, resultPath: '$.recorded' });
  const send = new tasks.SqsSendMessage(stack, 'Notify', {
    queue: filtered,
    messageBody: sfn.TaskInput.fromJsonPathAt('$.message'),
    resultPath: sfn.JsonPath.DISCARD,
  });
  const definition = new sfn.Choice(stack, 'Kind?')
    .when(sfn.Condition.stringEquals('$.kind', 'fail'), new sfn.Fail(stack, 'Reject', { error: 'BadKind', cause: 'kind fail is rejected' }))
    .otherwise(
      new sfn.Wait(stack, 'Pause', { time: sfn.WaitTime.duration(Duration.minutes(10)) })
        .next(invoke)
        .next(send)
        .next(new sfn.Succeed(stack, 'Done')),
    );
  const machine = new sfn.StateMachine(stack, 'Flow', { definitionBody: sfn.DefinitionBody.fromChainable(definition) });
  const express = new sfn.StateMachine(stack, 'Quick', {
    stateMachineType: sfn.StateMachineType.EXPRESS,
    definitionBody: sfn.DefinitionBody.fromChainable(
      new sfn.Pass(stack, 'Shape', { parameters: { 'greeting.$': "States.Format('hello {}', $.name)" } }),
    ),
  });

  for (const [id, value] of Object.entries({
    TableName: table.tableName,
    TopicArn: topic.topicArn,
    FilteredQueueUrl: filtered.queueUrl,
    DeadLettersUrl: deadLetters.queueUrl,
    UploadsUrl: uploads.queueUrl,
    OrderedUrl: ordered.queueUrl,
    OrderedDlqArn: orderedDlq.queueArn,
    BucketName: bucket.bucketName,
    FlowArn: machine.stateMachineArn,
    QuickArn: express.stateMachineArn,
    SleeperName: sleeper.functionName,
    BrokenName: broken.functionName,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub template, not a JavaScript one
    Joined: Fn.join(':', [Fn.select(1, Fn.split('/', 'a/b/c')), Fn.sub('${AWS::Region}-${AWS::AccountId}')]),
  })) {
    new CfnOutput(stack, id, { value });
  }
  return app;
}

describe('local runtime on a fixture app', () => {
  let runtime: LocalRuntime;
  let outdir: string;
  let outputs: Record<string, string>;
  const clients: { destroy(): void }[] = [];
  const client = <T extends { destroy(): void }>(c: T): T => {
    clients.push(c);
    return c;
  };
  let ddb: DynamoDBClient;
  let sqsClient: SQSClient;

  beforeAll(async () => {
    outdir = mkdtempSync(path.join(tmpdir(), 'local-fixture-'));
    process.env.CDK_VALIDATION = 'false';
    fixtureApp(outdir).synth();
    runtime = await startLocalRuntime({ stacks: readAssembly(outdir), retryDelaySeconds: 0 });
    outputs = runtime.outputs('LocalFixture');
    ddb = client(localClient(runtime, DynamoDBClient, 'dynamodb'));
    sqsClient = client(localClient(runtime, SQSClient, 'sqs'));
  }, 30_000);

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await runtime?.stop();
    rmSync(outdir, { recursive: true, force: true });
  });

  async function recorded(predicate: (event: string) => boolean, atLeast = 1): Promise<string[]> {
    for (let i = 0; i < 100; i++) {
      const items = (await ddb.send(new ScanCommand({ TableName: outputs.TableName }))).Items ?? [];
      const events = items.map((item) => String(item.event?.S)).filter(predicate);
      if (events.length >= atLeast) return events;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('nothing recorded');
  }

  async function receive(queueUrl: string, atLeast = 1): Promise<string[]> {
    const bodies: string[] = [];
    for (let i = 0; i < 40 && bodies.length < atLeast; i++) {
      const r = await sqsClient.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
      );
      bodies.push(...(r.Messages ?? []).map((m) => String(m.Body)));
      if (bodies.length < atLeast) await new Promise((r2) => setTimeout(r2, 100));
    }
    return bodies;
  }

  test('outputs resolve Ref, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::Sub and pseudo parameters to local values', () => {
    expect(outputs.Joined).toBe('b:us-east-1-000000000000');
    expect(outputs.TopicArn).toMatch(/^arn:aws:sns:us-east-1:000000000000:LocalFixture-Topic/);
    expect(outputs.FilteredQueueUrl).toMatch(/^http:\/\/sqs\.us-east-1\.localhost:\d+\/000000000000\/LocalFixture-Filtered/);
    expect(outputs.FlowArn).toMatch(/^arn:aws:states:us-east-1:000000000000:stateMachine:LocalFixture-Flow[0-9A-F]{8}$/);
  });

  test('every resource is emulated or listed with its type and reason', () => {
    const template = readAssembly(outdir)[0].template;
    const listed = new Map(runtime.notEmulated.map((n) => [n.logicalId, n]));
    const emulatedTypes = new Set([
      'AWS::SQS::Queue',
      'AWS::SNS::Topic',
      'AWS::SNS::Subscription',
      'AWS::S3::Bucket',
      'Custom::S3BucketNotifications',
      'AWS::DynamoDB::GlobalTable',
      'AWS::Lambda::Function',
      'AWS::StepFunctions::StateMachine',
      'AWS::Lambda::EventInvokeConfig',
    ]);
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      const isListed = listed.has(logicalId);
      expect([logicalId, resource.Type, isListed || emulatedTypes.has(resource.Type)]).toEqual([logicalId, resource.Type, true]);
    }
    const handler = Object.entries(template.Resources).find(
      ([id, r]) => id.startsWith('BucketNotificationsHandler') && r.Type === 'AWS::Lambda::Function',
    );
    expect(listed.get(handler?.[0] as string)?.reason).toMatch(/inline code|only Node.js functions/);
    expect([...listed.values()].find((n) => n.type === 'AWS::IAM::Role')?.reason).toBe(
      'security policy or key: accepted, not enforced locally',
    );
  });

  test('the function timeout is enforced and its environment replaced; the template environment is resolved', async () => {
    const sleeper = [...runtime.functions.values()].find((f) => f.spec.functionName === outputs.SleeperName);
    expect(sleeper?.spec.environment.CUSTOM).toBe('x-us-east-1');
    const fast = await sleeper?.invoke({});
    expect(fast).toEqual({ ok: true, result: { invocations: 1, region: 'us-east-1', custom: 'x-us-east-1' } });
    const slow = await sleeper?.invoke({ sleepMs: 3000 });
    expect(slow).toEqual({
      ok: false,
      error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds', trace: [] },
    });
    const after = await sleeper?.invoke({});
    expect(after).toMatchObject({ ok: true, result: { invocations: 1 } }); // a new environment: module state is fresh
    expect(sleeper?.stats).toMatchObject({ timeouts: 1, coldStarts: 2 });
  });

  test('an error at module initialisation fails the invocation as Lambda reports it', async () => {
    const broken = [...runtime.functions.values()].find((f) => f.spec.functionName === outputs.BrokenName);
    const outcome = await broken?.invoke({});
    expect(outcome).toMatchObject({
      ok: false,
      error: { errorType: 'Runtime.Error', errorMessage: 'cannot start: missing configuration' },
    });
  });

  test('SNS to Lambda honours the filter policy; SNS to SQS honours raw delivery and the body filter', async () => {
    const sns = client(localClient(runtime, SNSClient, 'sns'));
    for (const kind of ['unwanted', 'wanted']) {
      await sns.send(
        new PublishCommand({
          TopicArn: outputs.TopicArn,
          Message: JSON.stringify({ size: kind === 'wanted' ? 5 : 50 }),
          MessageAttributes: { kind: { DataType: 'String', StringValue: kind } },
        }),
      );
    }
    const events = await recorded((e) => e.includes('aws:sns'));
    expect(events).toHaveLength(1);
    const record = JSON.parse(events[0]).Records[0];
    expect(record).toMatchObject({
      EventSource: 'aws:sns',
      Sns: { TopicArn: outputs.TopicArn, Message: '{"size":5}', MessageAttributes: { kind: { Type: 'String', Value: 'wanted' } } },
    });
    expect(await receive(outputs.FilteredQueueUrl)).toEqual(['{"size":50}']);
  });

  test('S3 notifications: prefix and suffix filters, Lambda and SQS targets, the S3 event shape', async () => {
    const s3 = client(localClient(runtime, S3Client, 's3'));
    await s3.send(new PutObjectCommand({ Bucket: outputs.BucketName, Key: 'in/skip.txt', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: outputs.BucketName, Key: 'in/order 1.json', Body: '{"a":1}' }));
    await s3.send(new PutObjectCommand({ Bucket: outputs.BucketName, Key: 'queue/q.csv', Body: 'a,b' }));
    const events = await recorded((e) => e.includes('aws:s3'));
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]).Records[0]).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: outputs.BucketName }, object: { key: 'in/order+1.json', size: 7 } },
    });
    const [queued] = await receive(outputs.UploadsUrl);
    expect(JSON.parse(queued).Records[0].s3.object.key).toBe('queue/q.csv');
  });

  test('asynchronous invocations are retried, then the event goes to the function dead-letter queue', async () => {
    const s3 = client(localClient(runtime, S3Client, 's3'));
    await s3.send(new PutObjectCommand({ Bucket: outputs.BucketName, Key: 'fail/x', Body: 'x' }));
    const [dead] = await receive(outputs.DeadLettersUrl);
    expect(JSON.parse(dead).Records[0].s3.object.key).toBe('fail/x');
    const failer = [...runtime.functions.entries()].find(([key]) => key.startsWith('LocalFixture/Failer'))?.[1];
    expect(failer?.stats.invocations).toBe(2); // retryAttempts: 1
  });

  test('Step Functions: Standard execution through Wait (instant locally), Lambda and SQS tasks; Fail state; Express sync', async () => {
    const sfnClient = client(localClient(runtime, SFNClient, 'sfn'));
    const started = await sfnClient.send(
      new StartExecutionCommand({ stateMachineArn: outputs.FlowArn, input: JSON.stringify({ kind: 'echo', message: { size: 99 } }) }),
    );
    let described = await sfnClient.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    for (let i = 0; i < 50 && described.status === 'RUNNING'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      described = await sfnClient.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    }
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(String(described.output)).recorded.input).toEqual({ kind: 'echo', message: { size: 99 } });
    expect(await receive(outputs.FilteredQueueUrl)).toEqual(['{"size":99}']);

    const rejected = await sfnClient.send(new StartExecutionCommand({ stateMachineArn: outputs.FlowArn, input: '{"kind":"fail"}' }));
    let failed = await sfnClient.send(new DescribeExecutionCommand({ executionArn: rejected.executionArn }));
    for (let i = 0; i < 50 && failed.status === 'RUNNING'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      failed = await sfnClient.send(new DescribeExecutionCommand({ executionArn: rejected.executionArn }));
    }
    expect(failed).toMatchObject({ status: 'FAILED', error: 'BadKind', cause: 'kind fail is rejected' });

    const sync = await sfnClient.send(new StartSyncExecutionCommand({ stateMachineArn: outputs.QuickArn, input: '{"name":"local"}' }));
    expect(sync).toMatchObject({ status: 'SUCCEEDED', output: '{"greeting":"hello local"}' });
    await expect(sfnClient.send(new StartSyncExecutionCommand({ stateMachineArn: outputs.FlowArn, input: '{}' }))).rejects.toThrow(
      /only supported by EXPRESS/,
    );
  });

  test('queues get the template attributes; the redrive policy names the local DLQ', async () => {
    const attributes = (await sqsClient.send(new GetQueueAttributesCommand({ QueueUrl: outputs.OrderedUrl, AttributeNames: ['All'] })))
      .Attributes;
    expect(attributes).toMatchObject({
      VisibilityTimeout: '45',
      DelaySeconds: '2',
      MessageRetentionPeriod: '3600',
      MaximumMessageSize: '2048',
      ReceiveMessageWaitTimeSeconds: '20',
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    });
    expect(JSON.parse(String(attributes?.RedrivePolicy))).toEqual({ deadLetterTargetArn: outputs.OrderedDlqArn, maxReceiveCount: 3 });
    expect(outputs.OrderedDlqArn).toMatch(/^arn:aws:sqs:us-east-1:000000000000:.*\.fifo$/);
  });
});
