import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { main } from '../../scripts/decoupling/cli';
import { formatSeconds, Progress } from '../../scripts/decoupling/progress';
import { useFauxqs } from '../local-clients';
import { capturedIo } from './captured-io';

const local = useFauxqs();

async function pair(name: string, fifo = false) {
  const suffix = fifo ? '.fifo' : '';
  const attributes = fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' } : {};
  const dlq = (await local.sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq${suffix}`, Attributes: attributes })))
    .QueueUrl as string;
  const dlqArn = `arn:aws:sqs:us-east-1:000000000000:${name}-dlq${suffix}`;
  const redrive = JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 });
  const source = (
    await local.sqs.send(new CreateQueueCommand({ QueueName: `${name}${suffix}`, Attributes: { ...attributes, RedrivePolicy: redrive } }))
  ).QueueUrl as string;
  return { dlq, dlqArn, source };
}

async function fill(queueUrl: string, count: number) {
  for (let i = 0; i < count; i += 10) {
    const entries = Array.from({ length: Math.min(10, count - i) }, (_, j) => ({ Id: String(j), MessageBody: `m-${i + j}` }));
    await local.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
}

async function depth(queueUrl: string): Promise<number> {
  const a = await local.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(a.Attributes?.ApproximateNumberOfMessages);
}

describe('decoupling redrive on the local emulator (no message move tasks: moves in the foreground)', () => {
  test('moves every message back to the only source, with plain progress lines off a terminal', async () => {
    const q = await pair('cli-plain');
    await fill(q.dlq, 25);
    const run = capturedIo(false);
    expect(await main(['redrive', '--queue', q.dlq], run.io)).toBe(0);
    expect(await depth(q.dlq)).toBe(0);
    expect(await depth(q.source)).toBe(25);
    expect(run.out.join('')).toContain(`redrive ${q.dlqArn} -> arn:aws:sqs:us-east-1:000000000000:cli-plain`);
    expect(run.progress.every((line) => line.endsWith('\n') && !line.includes('\r'))).toBe(true);
    expect(run.progress.at(-1)).toBe('done: 25 moved\n');
    expect(run.progress.join('')).toMatch(/25\/25 messages moved {2}[\d.]+\/s {2}done/);
  }, 20_000);

  test('an ARN works as well as a URL; on a terminal the bar is redrawn in place', async () => {
    const q = await pair('cli-tty');
    await fill(q.dlq, 12);
    const run = capturedIo(true);
    expect(await main(['redrive', '--queue', q.dlqArn, '--endpoint-url', local.fauxqs.endpoint], run.io)).toBe(0);
    expect(await depth(q.source)).toBe(12);
    const drawn = run.progress.filter((s) => s.startsWith('\r['));
    expect(drawn.length).toBeGreaterThanOrEqual(2);
    expect(drawn.at(-1)).toMatch(/^\r\[#+\] 12\/12 messages moved/);
  }, 20_000);

  test('--max-per-second holds the rate', async () => {
    const q = await pair('cli-rate');
    await fill(q.dlq, 10);
    const started = Date.now();
    expect(await main(['redrive', '--queue', q.dlq, '--max-per-second', '5'], capturedIo().io)).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  }, 20_000);

  test.each([
    [['redrive'], 2, "required option '--queue <url-or-arn>' not specified"],
    [['redrive', '--queue', 'http://localhost:1/000000000000/q', '--max-per-second', 'abc'], 2, 'expected a whole number, got abc'],
    [['redrive', '--queue', 'http://localhost:1/000000000000/q', '--max-per-second', '501'], 2, 'from 1 to 500'],
    [['redrive', '--queue', 'not-a-queue', '--endpoint-url', 'http://localhost:1'], 2, 'neither a queue URL nor an SQS queue ARN'],
    [['nope'], 2, "unknown command 'nope'"],
  ])('%j: exit %d, one line', async (argv, code, message) => {
    const run = capturedIo();
    expect(await main(argv, run.io)).toBe(code);
    const text = run.err.join('');
    expect(text).toContain(message);
    expect(text.trim().split('\n')).toHaveLength(1);
  });

  test('refusals with the reason: not a DLQ, a FIFO constraint, no move tasks for status and cancel', async () => {
    const q = await pair('cli-refuse');
    const fifo = await pair('cli-refuse', true);
    const cases: Array<[string[], RegExp]> = [
      [['redrive', '--queue', q.source], /is not a dead-letter queue: no queue names it in its redrive policy/],
      [
        ['redrive', '--queue', q.dlq, '--to', fifo.source],
        /FIFO constraint: a standard dead-letter queue redrives only to a standard queue/,
      ],
      [['redrive', 'status', '--queue', q.dlq], /no message move tasks \(the local runtime\)/],
      [['redrive', 'cancel', '--queue', q.dlq], /stop a local redrive with Ctrl-C/],
    ];
    for (const [argv, message] of cases) {
      const run = capturedIo();
      expect([argv, await main(argv, run.io)]).toEqual([argv, 3]);
      expect(run.err.join('')).toMatch(message);
    }
  }, 20_000);
});

describe('progress', () => {
  test('rate and ETA from a clock', () => {
    let now = 0;
    const lines: string[] = [];
    const p = new Progress({ write: (s) => lines.push(s), isTTY: false }, 'messages moved', () => now);
    now = 2000;
    p.update(10, 50);
    expect(lines).toEqual(['10/50 messages moved  5.0/s  ETA 8 s\n']);
    now = 2500;
    p.update(12, 50); // under a second later: no new plain line
    expect(lines).toHaveLength(1);
  });

  test.each([
    [5, '5 s'],
    [65, '1 min 5 s'],
    [3725, '1 h 2 min'],
  ])('%d s is %s', (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });
});
