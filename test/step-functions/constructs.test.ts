import { Duration, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import {
  IngestionWorkflow,
  type IngestionWorkflowProps,
  OrderWorkflow,
  type OrderWorkflowProps,
  WorkflowStateMachine,
  type WorkflowStateMachineProps,
} from '../../lib/step-functions';
import { errorOf, testStack } from '../helpers';

/** What the workflows need, as a stack of its own would give it. */
function resources(stack: Stack) {
  const table = new dynamodb.TableV2(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
  });
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    timeout: Duration.seconds(10),
  });
  const queue = new sqs.Queue(stack, 'Queue', { retentionPeriod: Duration.days(14) });
  const topic = new sns.Topic(stack, 'Topic');
  return { table, fn, queue, topic };
}

function order(props: Partial<OrderWorkflowProps> = {}) {
  const stack = testStack();
  const r = resources(stack);
  const workflow = new OrderWorkflow(stack, 'Orders', {
    orders: r.table,
    payments: r.fn,
    approvalQueue: r.queue,
    notifications: r.topic,
    ...props,
  });
  return { stack, workflow };
}

function ingestion(props: Partial<IngestionWorkflowProps> = {}) {
  const stack = testStack();
  const r = resources(stack);
  return new IngestionWorkflow(stack, 'Ingestion', { readings: r.table, validator: r.fn, quarantine: r.queue, alerts: r.topic, ...props });
}

/** A WorkflowStateMachine around `definition(stack)`. */
function machine(definition: (stack: Stack) => sfn.IChainable, props: Partial<WorkflowStateMachineProps> = {}) {
  const stack = testStack();
  return new WorkflowStateMachine(stack, 'Flow', {
    type: sfn.StateMachineType.STANDARD,
    definition: definition(stack),
    comment: 'test',
    timeout: Duration.hours(1),
    ...props,
  });
}

const pass = (stack: Stack, name = 'Step') => new sfn.Pass(stack, name);
const sendTask = (stack: Stack, props: Partial<tasks.SqsSendMessageProps> = {}) =>
  new tasks.SqsSendMessage(stack, 'Send', {
    queue: new sqs.Queue(stack, 'Q'),
    messageBody: sfn.TaskInput.fromText('x'),
    taskTimeout: sfn.Timeout.duration(Duration.seconds(30)),
    ...props,
  });

describe('OrderWorkflow', () => {
  test('its own props: threshold, approval timeouts, concurrency, cooling-off and retry reach the definition', () => {
    const { stack } = order({
      approvalThreshold: 250,
      approvalTimeout: Duration.days(2),
      approvalHeartbeat: Duration.hours(2),
      reservationConcurrency: 12,
      coolingOff: Duration.seconds(3),
      transientRetry: { interval: Duration.seconds(2), maxAttempts: 5, backoffRate: 1.5, maxDelay: Duration.seconds(30) },
      timeout: Duration.days(3),
    });
    const definition = JSON.stringify(Template.fromStack(stack).toJSON());
    for (const fragment of [
      '\\"NumericGreaterThanEquals\\":250',
      '\\"TimeoutSeconds\\":172800,\\"HeartbeatSeconds\\":7200',
      '\\"MaxConcurrency\\":12',
      '\\"Seconds\\":3',
      '\\"IntervalSeconds\\":2,\\"MaxAttempts\\":5,\\"BackoffRate\\":1.5,\\"MaxDelaySeconds\\":30,\\"JitterStrategy\\":\\"FULL\\"',
      '\\"TimeoutSeconds\\":259200,',
    ]) {
      expect([fragment, definition.includes(fragment)]).toEqual([fragment, true]);
    }
  });

  test.each<[string, Partial<OrderWorkflowProps>, string]>([
    [
      'reservationConcurrency 0',
      { reservationConcurrency: 0 },
      'Test/Orders: reservationConcurrency = 0 iterations is out of range: allowed 1 to 40 iterations',
    ],
    [
      'reservationConcurrency 41',
      { reservationConcurrency: 41 },
      'Test/Orders: reservationConcurrency = 41 iterations is out of range: allowed 1 to 40 iterations',
    ],
    [
      'an approval timeout beyond the queue retention',
      { approvalTimeout: Duration.days(15) },
      "Test/Orders: approvalTimeout = 1296000 s is longer than the approval queue's retention (1209600 s): requests would expire before anyone decides",
    ],
    [
      'a heartbeat as long as the approval timeout',
      { approvalTimeout: Duration.days(1), approvalHeartbeat: Duration.days(1) },
      'Test/Orders/Workflow: state "RequestApproval" heartbeatTimeout = 86400 s is not shorter than its taskTimeout (86400 s)',
    ],
    [
      'an approval timeout beyond the execution timeout',
      { timeout: Duration.days(3) },
      'Test/Orders/Workflow: state "RequestApproval" taskTimeout = 604800 s is longer than the execution timeout (259200 s)',
    ],
    [
      'a task timeout shorter than the payment function',
      { taskTimeout: Duration.seconds(5) },
      "Test/Orders: taskTimeout = 5 s is shorter than the payment function's timeout (10 s): the state would time out while the function still runs",
    ],
    [
      'a backoff rate under 1',
      { transientRetry: { backoffRate: 0.5 } },
      'Test/Orders: transientRetry.backoffRate = 0.5 is out of range: at least 1',
    ],
    [
      'a retry cap shorter than the interval',
      { transientRetry: { interval: Duration.seconds(20) } },
      'Test/Orders: transientRetry.maxDelay = 10 s is shorter than the interval (20 s)',
    ],
    [
      'negative retry attempts',
      { transientRetry: { maxAttempts: -1 } },
      'Test/Orders: transientRetry.maxAttempts = -1 attempts is out of range',
    ],
    [
      'a Standard timeout over a year',
      { timeout: Duration.days(366) },
      'Test/Orders/Workflow: timeout = 31622400 s is out of range: allowed 1 to 31536000 s',
    ],
  ])('%s is refused at synth', (_name, props, message) => {
    expect(errorOf(() => order(props))).toContain(message);
  });
});

describe('IngestionWorkflow', () => {
  test.each<[string, Partial<IngestionWorkflowProps>, string]>([
    [
      'an Express timeout over 5 minutes',
      { timeout: Duration.minutes(6) },
      'Test/Ingestion/Workflow: timeout = 360 s is out of range: allowed 1 to 300 s',
    ],
    ['an alert threshold out of physics', { alertThresholdCelsius: 500 }, 'Test/Ingestion: alertThresholdCelsius = 500 °C is out of range'],
    [
      'a task timeout shorter than the validator',
      { taskTimeout: Duration.seconds(3) },
      "Test/Ingestion: taskTimeout = 3 s is shorter than the validator's timeout (10 s)",
    ],
  ])('%s is refused at synth', (_name, props, message) => {
    expect(errorOf(() => ingestion(props))).toContain(message);
  });

  test('execution data can be logged when asked for', () => {
    const workflow = ingestion({ includeExecutionData: true });
    Template.fromStack(workflow.workflow.stateMachine.stack).hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { IncludeExecutionData: true, Level: 'ALL' },
    });
  });
});

describe('WorkflowStateMachine guards', () => {
  test.each<[string, (stack: Stack) => sfn.IChainable, Partial<WorkflowStateMachineProps>, string]>([
    [
      'a state name over 80 characters',
      (s) => pass(s, 'S'.repeat(81)),
      {},
      `state "${'S'.repeat(81)}" name length = 81 characters is out of range: allowed 1 to 80`,
    ],
    [
      'a state name logging rejects',
      (s) => pass(s, 'Ship order'),
      {},
      'Test/Flow: state "Ship order" has characters CloudWatch Logs logging rejects',
    ],
    [
      'a Map without a concurrency bound',
      (s) => new sfn.Map(s, 'Each', { itemsPath: '$.items' }).itemProcessor(pass(s)),
      {},
      'Test/Flow: state "Each" MaxConcurrency is unset or 0 (unbounded): set maxConcurrency from 1 to 40',
    ],
    [
      'an inline Map over 40 at once',
      (s) => new sfn.Map(s, 'Each', { itemsPath: '$.items', maxConcurrency: 50 }).itemProcessor(pass(s)),
      {},
      'Test/Flow: state "Each" MaxConcurrency = 50 iterations is out of range: allowed 1 to 40 iterations',
    ],
    [
      'a task without a timeout, nested in a Parallel',
      (s) => new sfn.Parallel(s, 'Both').branch(sendTask(s, { taskTimeout: undefined })),
      {},
      'Test/Flow: state "Send" taskTimeout is unset: the task would wait 99999999 s',
    ],
    [
      'a callback task in an Express workflow',
      (s) =>
        sendTask(s, {
          integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
          messageBody: sfn.TaskInput.fromObject({ token: sfn.JsonPath.taskToken }),
        }),
      { type: sfn.StateMachineType.EXPRESS, timeout: Duration.minutes(1) },
      'Test/Flow: state "Send" uses a callback (.waitForTaskToken) or job (.sync) integration: Express workflows support neither',
    ],
  ])('%s is refused at synth', (_name, definition, props, message) => {
    expect(errorOf(() => machine(definition, props))).toContain(message);
  });

  test('a valid machine gets its four execution alarms and its log group', () => {
    const flow = machine((s) => pass(s));
    expect(Object.keys(flow.alarms).sort()).toEqual(['aborted', 'failed', 'throttled', 'timedOut']);
    expect(flow.logGroup.logGroupName).toBeDefined();
  });
});
