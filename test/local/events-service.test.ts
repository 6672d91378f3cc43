import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { type LocalRuntime, readAssembly, startLocalRuntime } from '../../local/runtime';
import { CDK_JSON_CONTEXT } from '../helpers';
import { localClient } from '../local-clients';

/** Rules on the default bus and a custom bus, with SQS (input transformer), SNS, Lambda and Step Functions targets. */
function fixtureApp(outdir: string, options: { badPattern?: boolean } = {}): App {
  const app = new App({ outdir, context: CDK_JSON_CONTEXT });
  const stack = new Stack(app, 'EventsFixture');
  const table = new dynamodb.TableV2(stack, 'Seen', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
  const recorder = new lambda.Function(stack, 'Recorder', {
    runtime: lambda.Runtime.NODEJS_24_X,
    code: lambda.Code.fromAsset(path.join(__dirname, 'fixtures')),
    handler: 'recorder.handler',
    environment: { TABLE: table.tableName },
  });
  const bus = new events.EventBus(stack, 'Orders');
  const bigOrders = new sqs.Queue(stack, 'BigOrders');
  const deadLetters = new sqs.Queue(stack, 'EventDeadLetters');
  const fanout = new sns.Topic(stack, 'Fanout');
  const fanoutCopy = new sqs.Queue(stack, 'FanoutCopy');
  fanout.addSubscription(new subscriptions.SqsSubscription(fanoutCopy, { rawMessageDelivery: true }));
  const machine = new sfn.StateMachine(stack, 'OnOrder', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Noop')) });

  new events.Rule(stack, 'BigOrdersRule', {
    eventPattern: { source: ['app.orders'], detail: { amount: [{ numeric: ['>=', 100] } as never] } },
    targets: [
      new targets.SqsQueue(bigOrders, {
        deadLetterQueue: deadLetters,
        message: events.RuleTargetInput.fromObject({
          order: events.EventField.fromPath('$.detail.id'),
          kind: events.EventField.detailType,
        }),
      }),
      new targets.SnsTopic(fanout),
      new targets.SfnStateMachine(machine),
    ],
  });
  new events.Rule(stack, 'ShippedRule', {
    eventBus: bus,
    eventPattern: { detailType: events.Match.prefix('Order Ship') },
    targets: [new targets.LambdaFunction(recorder)],
  });
  // A target whose queue has no policy for EventBridge: on AWS its events go straight to the dead-letter queue.
  const unreachable = new sqs.Queue(stack, 'Unreachable');
  const denied = new events.CfnRule(stack, 'DeniedRule', {
    eventPattern: options.badPattern ? { source: [{ prefix: 1 }] } : { source: ['app.orders'], 'detail-type': ['Order Cancelled'] },
    targets: [{ id: 'Denied', arn: unreachable.queueArn, deadLetterConfig: { arn: deadLetters.queueArn } }],
  });
  // A target that does not exist (a queue of no stack): not retried either, its events go to the dead-letter queue.
  const gone = new events.CfnRule(stack, 'GoneRule', {
    eventPattern: { source: ['app.orders'], 'detail-type': ['Order Lost'] },
    targets: [
      {
        id: 'Gone',
        arn: stack.formatArn({ service: 'sqs', resource: 'no-such-queue' }),
        deadLetterConfig: { arn: deadLetters.queueArn },
        retryPolicy: { maximumRetryAttempts: 3 },
      },
    ],
  });
  for (const rule of [denied, gone]) {
    deadLetters.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [deadLetters.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': rule.attrArn } },
      }),
    );
  }
  for (const [id, value] of Object.entries({
    TableName: table.tableName,
    BusName: bus.eventBusName,
    BusArn: bus.eventBusArn,
    BigOrdersUrl: bigOrders.queueUrl,
    DeadLettersUrl: deadLetters.queueUrl,
    FanoutCopyUrl: fanoutCopy.queueUrl,
    MachineArn: machine.stateMachineArn,
  })) {
    new CfnOutput(stack, id, { value });
  }
  return app;
}

describe('local EventBridge service', () => {
  let runtime: LocalRuntime;
  let outdir: string;
  let outputs: Record<string, string>;
  let eventbridge: EventBridgeClient;
  let sqsClient: SQSClient;

  beforeAll(async () => {
    outdir = mkdtempSync(path.join(tmpdir(), 'events-fixture-'));
    fixtureApp(outdir).synth();
    runtime = await startLocalRuntime({ stacks: readAssembly(outdir), retryDelaySeconds: 0 });
    outputs = runtime.outputs('EventsFixture');
    eventbridge = localClient(runtime, EventBridgeClient, 'events');
    sqsClient = localClient(runtime, SQSClient, 'sqs');
  }, 30_000);

  afterAll(async () => {
    eventbridge?.destroy();
    sqsClient?.destroy();
    await runtime?.stop();
    rmSync(outdir, { recursive: true, force: true });
  });

  async function receive(queueUrl: string, atLeast: number): Promise<Message[]> {
    const messages: Message[] = [];
    for (let i = 0; i < 50 && messages.length < atLeast; i++) {
      const r = await sqsClient.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
      );
      messages.push(...(r.Messages ?? []));
      if (messages.length < atLeast) await new Promise((r2) => setTimeout(r2, 100));
    }
    return messages;
  }

  test('PutEvents: entries are matched, delivered or refused one by one', async () => {
    const put = await eventbridge.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'app.orders', DetailType: 'Order Placed', Detail: JSON.stringify({ id: 'o-1', amount: 150 }) },
          { Source: 'app.orders', DetailType: 'Order Placed', Detail: JSON.stringify({ id: 'o-2', amount: 50 }) },
          { Source: 'aws.s3', DetailType: 'Object Created', Detail: '{}' },
          { Source: 'app.orders', DetailType: 'Order Placed', Detail: 'not json' },
          { Source: 'app.orders', DetailType: 'Order Placed', Detail: '{}', EventBusName: 'no-such-bus' },
          { Source: 'app.orders', DetailType: 'Order Shipped', Detail: JSON.stringify({ id: 'o-3' }), EventBusName: outputs.BusName },
          { Source: 'app.orders', DetailType: 'Order Cancelled', Detail: JSON.stringify({ id: 'o-4' }) },
          { Source: 'app.orders', DetailType: 'Order Lost', Detail: JSON.stringify({ id: 'o-5' }) },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(3);
    expect(put.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'ok',
      'NotAuthorizedForSourceException',
      'MalformedDetail',
      'ResourceNotFoundException',
      'ok',
      'ok',
      'ok',
    ]);

    // SQS target with an input transformer: only the big order, transformed.
    const [big] = await receive(outputs.BigOrdersUrl, 1);
    expect(JSON.parse(String(big.Body))).toEqual({ order: 'o-1', kind: 'Order Placed' });

    // SNS target: the whole event, as EventBridge sends it.
    const [copy] = await receive(outputs.FanoutCopyUrl, 1);
    expect(JSON.parse(String(copy.Body))).toMatchObject({
      version: '0',
      source: 'app.orders',
      'detail-type': 'Order Placed',
      account: '000000000000',
      region: 'us-east-1',
      resources: [],
      detail: { id: 'o-1', amount: 150 },
    });

    // Lambda target on the custom bus (invoked asynchronously, as EventBridge invokes it).
    const ddb = localClient(runtime, DynamoDBClient, 'dynamodb');
    try {
      let recorded: string[] = [];
      for (let i = 0; i < 50 && recorded.length === 0; i++) {
        recorded = ((await ddb.send(new ScanCommand({ TableName: outputs.TableName }))).Items ?? []).map((item) => String(item.event?.S));
        if (recorded.length === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(recorded.map((e) => JSON.parse(e)['detail-type'])).toEqual(['Order Shipped']);
    } finally {
      ddb.destroy();
    }

    // Step Functions target: an execution with the event as input.
    const stepFunctions = localClient(runtime, SFNClient, 'sfn');
    try {
      const executions = await stepFunctions.send(new ListExecutionsCommand({ stateMachineArn: outputs.MachineArn }));
      expect(executions.executions).toHaveLength(1);
    } finally {
      stepFunctions.destroy();
    }

    // A target EventBridge may not send to, and one that does not exist: no retries, the events go to
    // the targets' dead-letter queue with the reason.
    const dead = await receive(outputs.DeadLettersUrl, 2);
    const byType = new Map(dead.map((m) => [JSON.parse(String(m.Body))['detail-type'] as string, m]));
    const attribute = (type: string, name: string) => byType.get(type)?.MessageAttributes?.[name]?.StringValue;
    expect(JSON.parse(String(byType.get('Order Cancelled')?.Body))).toMatchObject({ detail: { id: 'o-4' } });
    expect(attribute('Order Cancelled', 'ERROR_CODE')).toBe('NO_PERMISSIONS');
    expect(attribute('Order Cancelled', 'RULE_ARN')).toMatch(/^arn:aws:events:us-east-1:000000000000:rule\/EventsFixture-DeniedRule/);
    expect(attribute('Order Cancelled', 'TARGET_ARN')).toMatch(/:EventsFixture-Unreachable/);
    expect(attribute('Order Cancelled', 'RETRY_ATTEMPTS')).toBe('0');
    expect(attribute('Order Lost', 'ERROR_CODE')).toBe('NO_RESOURCE');
    expect(attribute('Order Lost', 'TARGET_ARN')).toBe('arn:aws:sqs:us-east-1:000000000000:no-such-queue');
    expect(attribute('Order Lost', 'RETRY_ATTEMPTS')).toBe('0');
    expect(runtime.deliveryProblems).toEqual([
      expect.objectContaining({
        logicalId: 'DeniedRule',
        reason: expect.stringMatching(/^no queue policy of queue Unreachable\w+ lets events.amazonaws.com sqs:SendMessage for this rule$/),
        outcome: expect.stringMatching(/^events go to the target's dead-letter queue arn:aws:sqs:/),
      }),
    ]);
  }, 20_000);

  test('TestEventPattern answers with the matcher the rules use', async () => {
    const event = JSON.stringify({ id: '1', source: 'app.orders', 'detail-type': 'x', detail: { amount: 5 } });
    const yes = await eventbridge.send(
      new TestEventPatternCommand({ EventPattern: '{"detail":{"amount":[{"numeric":["<",10]}]}}', Event: event }),
    );
    const no = await eventbridge.send(
      new TestEventPatternCommand({ EventPattern: '{"detail":{"amount":[{"numeric":[">",10]}]}}', Event: event }),
    );
    expect([yes.Result, no.Result]).toEqual([true, false]);
    await expect(eventbridge.send(new TestEventPatternCommand({ EventPattern: '{"source":"x"}', Event: event }))).rejects.toThrow(
      /Event pattern is not valid/,
    );
  });

  test('a rule whose pattern EventBridge refuses stops the runtime, as it fails the deployment', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'events-bad-'));
    try {
      fixtureApp(dir, { badPattern: true }).synth();
      await expect(startLocalRuntime({ stacks: readAssembly(dir) })).rejects.toThrow(
        'EventsFixture: DeniedRule (AWS::Events::Rule) Event pattern is not valid. Reason: source: prefix takes a string or {"equals-ignore-case": string}, got 1',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
