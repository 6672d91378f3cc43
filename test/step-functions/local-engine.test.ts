import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { TRANSIENT_ERRORS } from '../../lib/step-functions/transient-retry';
import { resolveLocalhostNames } from '../../local/localhost-dns';
import { type Json, type LocalStepFunctions, type StateMachineSpec, startStepFunctions, TaskError } from '../../local/stepfunctions';
import { MAX_TIMER_SECONDS, prepareDefinition } from '../../local/stepfunctions/definition';

// The local Step Functions endpoint on its own: small definitions, task integrations faked.

const REGION = 'us-east-1';
const arn = (name: string) => `arn:aws:states:${REGION}:000000000000:stateMachine:${name}`;
const machines: StateMachineSpec[] = [];
const define = (name: string, definition: Record<string, unknown>, type: 'STANDARD' | 'EXPRESS' = 'STANDARD') =>
  machines.push({ logicalId: name, name, arn: arn(name), type, definition });

/** What the fake integrations received, and the tokens they saw. */
const calls: Array<{ resource: string; input: Json }> = [];
const tokens: string[] = [];
async function runTask(resource: string, input: Json): Promise<Json> {
  calls.push({ resource, input });
  const text = JSON.stringify(input);
  const token = /"(AQ[A-Za-z0-9_-]+)"/.exec(text)?.[1];
  if (token) tokens.push(token);
  if (resource.includes('dynamodb') && text.includes('conditional')) {
    throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', $metadata: {} });
  }
  // The SDK errors of a DynamoDB write: throttled on the first call of an id, or refused for good.
  const sdkError = (name: string) => Object.assign(new Error(name), { name, $metadata: {} });
  if (resource.includes('dynamodb') && text.includes('throttled') && calls.filter((c) => JSON.stringify(c.input) === text).length === 1) {
    throw sdkError('ProvisionedThroughputExceededException');
  }
  if (resource.includes('dynamodb') && text.includes('invalid')) throw sdkError('ValidationException');
  if (resource.includes('lambda') && text.includes('declined')) throw new TaskError('PaymentDeclined', 'card declined');
  return { ok: true };
}

const callback = (resource: string, extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: `arn:aws:states:::${resource}.waitForTaskToken`,
  Parameters: resource.startsWith('lambda')
    ? { FunctionName: 'f', Payload: { 'token.$': '$$.Task.Token' } }
    : { QueueUrl: 'q', MessageBody: { 'token.$': '$$.Task.Token', 'id.$': '$.id' } },
  End: true,
  ...extra,
});

define('Callback', { StartAt: 'Ask', States: { Ask: callback('lambda:invoke', { TimeoutSeconds: 60 }) } });
define('Heartbeat', { StartAt: 'Ask', States: { Ask: callback('sqs:sendMessage', { TimeoutSeconds: 60, HeartbeatSeconds: 2 }) } });
define('Timeout', { StartAt: 'Ask', States: { Ask: callback('sqs:sendMessage', { TimeoutSeconds: 1 }) } });
define('Rejectable', {
  StartAt: 'Ask',
  States: {
    Ask: callback('sqs:sendMessage', {
      End: undefined,
      Next: 'Done',
      Catch: [{ ErrorEquals: ['Rejected'], ResultPath: '$.why', Next: 'No' }],
    }),
    Done: { Type: 'Succeed' },
    No: { Type: 'Fail', Error: 'Rejected', CausePath: '$.why.Cause' },
  },
});
define('WaitOnInput', {
  StartAt: 'Guarded',
  States: {
    Guarded: {
      Type: 'Parallel',
      Branches: [{ StartAt: 'Until', States: { Until: { Type: 'Wait', TimestampPath: '$.at', End: true } } }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Done' }],
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
});
define('Year', { StartAt: 'Hold', TimeoutSeconds: 31_536_000, States: { Hold: { Type: 'Wait', Seconds: 31_536_000, End: true } } });
define('Nested', {
  StartAt: 'Both',
  States: {
    Both: {
      Type: 'Parallel',
      End: true,
      Branches: [
        {
          StartAt: 'Each',
          States: {
            Each: {
              Type: 'Map',
              ItemsPath: '$.items',
              MaxConcurrency: 2,
              ItemProcessor: {
                StartAt: 'Put',
                States: { Put: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', End: true } },
              },
              End: true,
            },
          },
        },
        { StartAt: 'Note', States: { Note: { Type: 'Pass', End: true } } },
      ],
    },
  },
});
define('Errors', {
  StartAt: 'Put',
  States: {
    Put: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:putItem',
      Catch: [{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: '$.error', Next: 'Pay' }],
      Next: 'Pay',
    },
    Pay: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true },
  },
});
// A DynamoDB write with the Retry the workflows use.
define('Write', {
  StartAt: 'Put',
  States: {
    Put: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:putItem',
      Parameters: { 'id.$': '$.id' },
      Retry: [{ ErrorEquals: [...TRANSIENT_ERRORS.dynamodb], IntervalSeconds: 1, MaxAttempts: 3 }],
      End: true,
    },
  },
});
define('Big', { StartAt: 'Grow', States: { Grow: { Type: 'Pass', Result: 'x'.repeat(300 * 1024), End: true } } });
define('Quick', { StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } }, 'EXPRESS');

let engine: LocalStepFunctions;
let sfn: SFNClient;
beforeAll(async () => {
  resolveLocalhostNames();
  engine = await startStepFunctions(machines, runTask, REGION);
  sfn = new SFNClient({ region: REGION, endpoint: engine.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  sfn?.destroy();
  await engine?.stop();
});

const start = async (machine: string, input: unknown = {}, name?: string) =>
  String((await sfn.send(new StartExecutionCommand({ stateMachineArn: arn(machine), input: JSON.stringify(input), name }))).executionArn);

async function finished(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  for (let i = 0; i < 200; i++) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${executionArn} still running`);
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  return (await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
}

/** Starts a callback execution and returns it with the token its integration received. */
async function startWaiting(machine: string, input: unknown = {}): Promise<[string, string]> {
  const count = tokens.length + 1;
  const execution = await start(machine, input);
  for (let i = 0; i < 100 && tokens.length < count; i++) await new Promise((r) => setTimeout(r, 10));
  if (!tokens[count - 1]) throw new Error(`${machine}: no token reached the integration`);
  return [execution, tokens[count - 1]];
}

const errorName = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (e: Error) => e.name,
  );

describe('callback tasks (.waitForTaskToken on any integration)', () => {
  test('the token reaches the integration; SendTaskSuccess resumes with its output; the token is then refused', async () => {
    const [execution, token] = await startWaiting('Callback');
    expect(calls.at(-1)).toEqual({ resource: 'arn:aws:states:::lambda:invoke', input: { FunctionName: 'f', Payload: { token } } });
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: execution }))).status).toBe('RUNNING');
    expect(await errorName(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: 'not json' })))).toBe('InvalidOutput');
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
    expect(await finished(execution)).toMatchObject({ status: 'SUCCEEDED', output: '{"approved":true}' });
    expect((await history(execution)).map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect((await history(execution))[2].taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      timeoutInSeconds: 60,
    });
    expect(await errorName(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })))).toBe('TaskTimedOut');
    expect(await errorName(sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'AQnot-a-token' })))).toBe('InvalidToken');
  });

  test('SendTaskFailure fails the task with its error and cause, which Catch matches', async () => {
    const [execution, token] = await startWaiting('Rejectable', { id: 'r' });
    await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'Rejected', cause: 'too expensive' }));
    expect(await finished(execution)).toMatchObject({ status: 'FAILED', error: 'Rejected', cause: 'too expensive' });
    expect((await history(execution)).find((e) => e.type === 'TaskFailed')?.taskFailedEventDetails).toMatchObject({
      error: 'Rejected',
      cause: 'too expensive',
    });
  });

  test('HeartbeatSeconds and TimeoutSeconds apply: heartbeats keep a task alive, silence fails it', async () => {
    const [silent, silentToken] = await startWaiting('Heartbeat', { id: 'silent' });
    const [late, lateToken] = await startWaiting('Timeout', { id: 'late' });
    const [kept, keptToken] = await startWaiting('Heartbeat', { id: 'kept' });
    // Three heartbeats 0.8 s apart: the task lives past its 2-second HeartbeatSeconds.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 800));
      await sfn.send(new SendTaskHeartbeatCommand({ taskToken: keptToken }));
    }
    await sfn.send(new SendTaskSuccessCommand({ taskToken: keptToken, output: '"kept"' }));
    expect(await finished(kept)).toMatchObject({ status: 'SUCCEEDED', output: '"kept"' });
    expect(await finished(silent)).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    expect((await history(silent)).map((e) => e.type)).toContain('TaskTimedOut');
    expect(await errorName(sfn.send(new SendTaskSuccessCommand({ taskToken: silentToken, output: '{}' })))).toBe('TaskTimedOut');
    expect(await finished(late)).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(await errorName(sfn.send(new SendTaskSuccessCommand({ taskToken: lateToken, output: '{}' })))).toBe('TaskTimedOut');
  });

  test('StopExecution aborts a waiting task; its token is refused afterwards', async () => {
    const [execution, token] = await startWaiting('Callback');
    await sfn.send(new StopExecutionCommand({ executionArn: execution }));
    expect(await finished(execution)).toMatchObject({ status: 'ABORTED' });
    expect(await errorName(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })))).toBe('TaskTimedOut');
    expect((await history(execution)).at(-1)?.type).toBe('ExecutionAborted');
  });
});

describe('what the engine skips or gets wrong, checked', () => {
  test('a Wait on a timestamp from the input takes no time; an invalid timestamp fails the execution with States.Runtime, which States.ALL does not catch', async () => {
    const later = await start('WaitOnInput', { at: '2999-01-01T00:00:00Z' });
    expect(await finished(later)).toMatchObject({ status: 'SUCCEEDED' });
    const invalid = await start('WaitOnInput', { at: 'tomorrow' });
    expect(await finished(invalid)).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: expect.stringContaining('$.at == "tomorrow"'),
    });
  });

  test('a one-year execution timeout and Wait do not fire at once (timers are capped, not overflowed)', async () => {
    expect(await finished(await start('Year'))).toMatchObject({ status: 'SUCCEEDED' });
    const prepared = prepareDefinition({
      StartAt: 'T',
      TimeoutSeconds: 31_536_000,
      States: { T: { Type: 'Task', Resource: 'x', End: true } },
    });
    expect(prepared.definition.TimeoutSeconds).toBe(MAX_TIMER_SECONDS);
    expect(prepared.states.get('T')?.TimeoutSeconds).toBe(MAX_TIMER_SECONDS);
  });

  test('a state output over 256 KiB fails the execution with States.DataLimitExceeded', async () => {
    expect(await finished(await start('Big'))).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  test('integration errors are named as Step Functions names them; a function error cause is its error payload', async () => {
    const execution = await start('Errors', { note: 'conditional declined' });
    const done = await finished(execution);
    expect(done).toMatchObject({ status: 'FAILED', error: 'PaymentDeclined' });
    expect(JSON.parse(String(done.cause))).toEqual({ errorType: 'PaymentDeclined', errorMessage: 'card declined', trace: [] });
    const failures = (await history(execution)).filter((e) => e.type === 'TaskFailed').map((e) => e.taskFailedEventDetails?.error);
    expect(failures).toEqual(['DynamoDB.ConditionalCheckFailedException', 'PaymentDeclined']);
  });

  test("the workflows' write Retry: a throttled DynamoDB write is retried, a permanent error is not", async () => {
    const failuresOf = async (execution: string) =>
      (await history(execution)).filter((e) => e.type === 'TaskFailed').map((e) => e.taskFailedEventDetails?.error);
    const throttled = await start('Write', { id: 'throttled-1' });
    expect(await finished(throttled)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await failuresOf(throttled)).toEqual(['DynamoDB.ProvisionedThroughputExceededException']);
    const invalid = await start('Write', { id: 'invalid-1' });
    expect(await finished(invalid)).toMatchObject({ status: 'FAILED', error: 'DynamoDB.ValidationException' });
    expect(await failuresOf(invalid)).toEqual(['DynamoDB.ValidationException']);
  });

  test('history of a Map inside a Parallel: every iteration with its index, no event twice', async () => {
    const execution = await start('Nested', { items: [1, 2, 3, 4, 5] });
    expect(await finished(execution)).toMatchObject({ status: 'SUCCEEDED' });
    const events = await history(execution);
    const entered = events.filter((e) => e.stateEnteredEventDetails?.name === 'Put');
    expect(entered).toHaveLength(5);
    expect(events.filter((e) => e.type === 'TaskScheduled')).toHaveLength(5);
    const iterations = events.filter((e) => e.type === 'MapIterationSucceeded').map((e) => e.mapIterationSucceededEventDetails);
    expect(iterations.map((i) => i?.index).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.map((e) => e.type).filter((t) => t?.startsWith('Parallel'))).toEqual([
      'ParallelStateEntered',
      'ParallelStateSucceeded',
      'ParallelStateExited',
    ]);
  });
});

describe('the API as AWS answers it', () => {
  test('Standard: StartExecution is idempotent for the same name and input while running; names are checked', async () => {
    const first = await start('Callback', { id: 1 }, 'order-1');
    expect(await start('Callback', { id: 1 }, 'order-1')).toBe(first);
    expect(await errorName(start('Callback', { id: 2 }, 'order-1'))).toBe('ExecutionAlreadyExists');
    expect(await errorName(start('Callback', {}, 'bad name'))).toBe('InvalidName');
    await sfn.send(new StopExecutionCommand({ executionArn: first }));
    expect(await errorName(start('Callback', { id: 1 }, 'order-1'))).toBe('ExecutionAlreadyExists');
  });

  test('Express: names may repeat; Describe, History and List are not supported', async () => {
    const one = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: arn('Quick'), name: 'same', input: '{"a":1}' }));
    const two = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: arn('Quick'), name: 'same', input: '{"a":2}' }));
    expect([one.status, two.status, two.output]).toEqual(['SUCCEEDED', 'SUCCEEDED', '{"a":2}']);
    expect(one.executionArn).not.toBe(two.executionArn);
    expect(one.executionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:express:Quick:same:/);
    expect(await errorName(sfn.send(new DescribeExecutionCommand({ executionArn: one.executionArn })))).toBe(
      'StateMachineTypeNotSupported',
    );
    expect(await errorName(sfn.send(new GetExecutionHistoryCommand({ executionArn: one.executionArn })))).toBe(
      'StateMachineTypeNotSupported',
    );
    expect(await errorName(sfn.send(new ListExecutionsCommand({ stateMachineArn: arn('Quick') })))).toBe('StateMachineTypeNotSupported');
  });
});
