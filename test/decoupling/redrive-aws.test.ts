import {
  CancelMessageMoveTaskCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../scripts/decoupling/cli';
import { redriveCommand } from '../../scripts/decoupling/redrive';
import { capturedIo } from './captured-io';

// Counts the SQS clients the commands build, so that a test can tell that a bad argument was refused
// before any (building one is what prints the SDK's own warnings on an old Node.js).
jest.mock('@aws-sdk/client-sqs', () => {
  const actual = jest.requireActual('@aws-sdk/client-sqs');
  class CountedSQSClient extends actual.SQSClient {
    public static built = 0;
    public constructor(...args: ConstructorParameters<typeof actual.SQSClient>) {
      super(...args);
      CountedSQSClient.built++;
    }
  }
  return { ...actual, SQSClient: CountedSQSClient };
});
const built = () => (SQSClient as unknown as { built: number }).built;

const sqs = mockClient(SQSClient);
const ACCOUNT = '123456789012';
const DLQ_URL = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/orders-dlq`;
const DLQ_ARN = `arn:aws:sqs:eu-west-1:${ACCOUNT}:orders-dlq`;
const SOURCE_URL = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/orders`;
const SOURCE_ARN = `arn:aws:sqs:eu-west-1:${ACCOUNT}:orders`;

function denied(message: string): Error {
  return Object.assign(new Error(message), { name: 'AccessDenied' });
}

beforeEach(() => {
  sqs.reset();
  sqs.on(GetQueueAttributesCommand, { QueueUrl: DLQ_URL }).resolves({ Attributes: { QueueArn: DLQ_ARN } });
  sqs.on(GetQueueAttributesCommand, { QueueUrl: SOURCE_URL }).resolves({ Attributes: { QueueArn: SOURCE_ARN } });
  sqs.on(ListDeadLetterSourceQueuesCommand).resolves({ queueUrls: [SOURCE_URL] });
});

/** An io whose clock moves 2 s per reading, so that every progress update prints its plain line. */
function ticking() {
  const run = capturedIo();
  let now = 0;
  return { ...run, io: { ...run.io, now: () => (now += 2000) } };
}

describe('decoupling redrive against SQS (mocked): a message move task', () => {
  test('starts the task and follows it through ListMessageMoveTasks to the end', async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    const other = { TaskHandle: 'older', Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 99 };
    sqs
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({
        Results: [
          { TaskHandle: 'task-1', Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 0, ApproximateNumberOfMessagesToMove: 30 },
          other,
        ],
      })
      .resolvesOnce({
        Results: [
          { TaskHandle: 'task-1', Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 15, ApproximateNumberOfMessagesToMove: 30 },
          other,
        ],
      })
      .resolves({
        Results: [
          { TaskHandle: 'task-1', Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 30, ApproximateNumberOfMessagesToMove: 30 },
          other,
        ],
      });
    const run = ticking();
    expect(await redriveCommand({ queue: DLQ_URL, region: 'eu-west-1', maxPerSecond: 50, pollSeconds: 0 }, run.io)).toBe(0);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand).map((c) => c.args[0].input)).toEqual([
      { SourceArn: DLQ_ARN, DestinationArn: undefined, MaxNumberOfMessagesPerSecond: 50 },
    ]);
    expect(sqs.commandCalls(ListMessageMoveTasksCommand)).toHaveLength(3);
    expect(run.out.join('')).toBe(`redrive ${DLQ_ARN} -> ${SOURCE_ARN}\n`);
    const lines = run.progress.join('');
    expect(lines).toMatch(/^0\/30 messages moved/m);
    expect(lines).toMatch(/^15\/30 messages moved {2}[\d.]+\/s {2}ETA /m);
    expect(run.progress.at(-1)).toBe('done: 30 moved\n');
  });

  test('a task that fails (the queue given by ARN): exit 1 with its failure reason', async () => {
    sqs.on(GetQueueUrlCommand, { QueueName: 'orders-dlq', QueueOwnerAWSAccountId: ACCOUNT }).resolves({ QueueUrl: DLQ_URL });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-2' });
    sqs.on(ListMessageMoveTasksCommand).resolves({
      Results: [
        {
          TaskHandle: 'task-2',
          Status: 'FAILED',
          ApproximateNumberOfMessagesMoved: 4,
          FailureReason: 'AWS.SimpleQueueService.NonExistentQueue',
        },
      ],
    });
    const run = ticking();
    expect(await redriveCommand({ queue: DLQ_ARN, pollSeconds: 0 }, run.io)).toBe(1);
    expect(run.progress.at(-1)).toBe('task failed after 4 moved: AWS.SimpleQueueService.NonExistentQueue\n');
  });

  test('access denied: one line naming the permissions a redrive needs, exit 3', async () => {
    sqs.on(StartMessageMoveTaskCommand).rejects(denied('not authorized to perform sqs:StartMessageMoveTask'));
    const run = capturedIo();
    expect(await main(['redrive', '--queue', DLQ_URL, '--region', 'eu-west-1'], run.io)).toBe(3);
    const text = run.err.join('');
    expect(text).toMatch(
      new RegExp(
        `^decoupling: access denied starting a move from ${DLQ_ARN}: a redrive needs sqs:StartMessageMoveTask, sqs:ListMessageMoveTasks`,
      ),
    );
    expect(text).toContain('and sqs:SendMessage on the destination (AccessDenied: not authorized to perform sqs:StartMessageMoveTask)');
    expect(text.trim().split('\n')).toHaveLength(1);
  });

  test('access denied reading the queue: the same line, naming the queue', async () => {
    sqs.on(GetQueueAttributesCommand, { QueueUrl: DLQ_URL }).rejects(denied('no sqs:GetQueueAttributes'));
    const run = capturedIo();
    expect(await main(['redrive', 'status', '--queue', DLQ_URL, '--region', 'eu-west-1'], run.io)).toBe(3);
    expect(run.err.join('')).toMatch(
      new RegExp(`^decoupling: access denied ${DLQ_URL}: a redrive needs .* \\(AccessDenied: no sqs:GetQueueAttributes\\)\\n$`),
    );
  });
});

describe('decoupling redrive status and cancel against SQS (mocked)', () => {
  test('status lists the recent tasks, one line each', async () => {
    sqs.on(ListMessageMoveTasksCommand, { SourceArn: DLQ_ARN }).resolves({
      Results: [
        {
          Status: 'RUNNING',
          ApproximateNumberOfMessagesMoved: 5,
          ApproximateNumberOfMessagesToMove: 20,
          StartedTimestamp: Date.UTC(2025, 0, 2, 3, 4, 5),
        },
        {
          Status: 'FAILED',
          ApproximateNumberOfMessagesMoved: 1,
          StartedTimestamp: Date.UTC(2025, 0, 1),
          DestinationArn: SOURCE_ARN,
          FailureReason: 'denied',
        },
      ],
    });
    const run = capturedIo();
    expect(await main(['redrive', 'status', '--queue', DLQ_URL, '--region', 'eu-west-1'], run.io)).toBe(0);
    expect(run.out.join('')).toBe(
      [
        "RUNNING  5/20 moved  started 2025-01-02T03:04:05.000Z  to each message's source",
        `FAILED  1/? moved  started 2025-01-01T00:00:00.000Z  to ${SOURCE_ARN}  (denied)`,
        '',
      ].join('\n'),
    );
  });

  test('status with no task says so', async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [] });
    const run = capturedIo();
    expect(await main(['redrive', 'status', '--queue', DLQ_URL, '--region', 'eu-west-1'], run.io)).toBe(0);
    expect(run.out.join('')).toBe(`no message move task on ${DLQ_ARN}\n`);
  });

  test('cancel cancels the running task by its handle', async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({
      Results: [
        { TaskHandle: 'done-1', Status: 'COMPLETED' },
        { TaskHandle: 'run-1', Status: 'RUNNING' },
      ],
    });
    sqs.on(CancelMessageMoveTaskCommand).resolves({ ApproximateNumberOfMessagesMoved: 7 });
    const run = capturedIo();
    expect(await main(['redrive', 'cancel', '--queue', DLQ_URL, '--region', 'eu-west-1'], run.io)).toBe(0);
    expect(sqs.commandCalls(CancelMessageMoveTaskCommand).map((c) => c.args[0].input)).toEqual([{ TaskHandle: 'run-1' }]);
    expect(run.out.join('')).toBe('cancelled; 7 messages had moved\n');
  });

  test('cancel with no running task: exit 3, nothing cancelled', async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [{ TaskHandle: 'done-1', Status: 'COMPLETED' }] });
    const run = capturedIo();
    expect(await main(['redrive', 'cancel', '--queue', DLQ_URL, '--region', 'eu-west-1'], run.io)).toBe(3);
    expect(run.err.join('')).toBe(`decoupling: no running message move task on ${DLQ_ARN}\n`);
    expect(sqs.commandCalls(CancelMessageMoveTaskCommand)).toHaveLength(0);
  });
});

describe('bad arguments are refused before any SQS client is built', () => {
  test.each([
    [['redrive', '--queue', DLQ_URL, '--max-per-second', '0'], 'expected a whole number from 1 to 500'],
    [['redrive', '--queue', DLQ_URL, '--max-per-second', '501'], 'expected a whole number from 1 to 500'],
    [['redrive', '--queue', 'orders-dlq'], 'orders-dlq is neither a queue URL nor an SQS queue ARN'],
    [['redrive', '--queue', DLQ_URL, '--to', 'arn:aws:sns:eu-west-1:123456789012:t'], 'is neither a queue URL nor an SQS queue ARN'],
    [['redrive', '--queue', DLQ_URL, '--endpoint-url', 'localhost:4566'], 'expected an http:// or https:// URL, got localhost:4566'],
    [['redrive', '--queue', DLQ_URL, '--region', 'Ireland'], 'expected an AWS region such as eu-west-1, got Ireland'],
    [['redrive', 'status', '--queue', 'x'], 'x is neither a queue URL nor an SQS queue ARN'],
    [['redrive', 'cancel', '--queue', DLQ_URL, '--region', 'eu_west_1'], 'expected an AWS region'],
    [['smoke', 'sqs-dlq', '--stack-name', 'my stack'], 'expected a CloudFormation stack name'],
    [['smoke', 'sqs-dlq', '--region', 'EU'], 'expected an AWS region'],
  ])('%j: one line, exit 2', async (argv, message) => {
    const before = built();
    const run = capturedIo();
    expect(await main(argv, run.io)).toBe(2);
    expect(run.err.join('')).toContain(message);
    expect(run.err.join('').trim().split('\n')).toHaveLength(1);
    expect(built()).toBe(before);
  });

  test('the count sees a client when one is built', async () => {
    const before = built();
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [] });
    expect(await main(['redrive', 'status', '--queue', DLQ_URL, '--region', 'eu-west-1'], capturedIo().io)).toBe(0);
    expect(built()).toBe(before + 1);
  });
});
