import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ORDER } from '../../lib/shared/limits';
import { type LocalDynamoDb, startDynamoDb } from '../../local/dynamodb/server';
import { fakeClock } from '../fake-clock';
import { FAULTS, FaultInjector } from '../faults';

// The consumers run against the local DynamoDB emulator (real condition expressions and
// ReturnValuesOnConditionCheckFailure), with faults injected around each SDK call.
process.env.RECEIPTS_TABLE_NAME = 'receipts';
process.env.AWS_LAMBDA_FUNCTION_NAME = 'consumer';
// Dev mode makes Powertools Logger write through the global console, which the test can capture.
process.env.POWERTOOLS_DEV = 'true';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** The visibility timeout of the stack's queues: a failed or lost message is received again after it. */
const VISIBILITY_SECONDS = 120;
/** The stack's maxReceiveCount: a message failing this many receives is dead-lettered. */
const MAX_RECEIVES = 5;

let db: LocalDynamoDb;
let faults: FaultInjector;

let requestCounter = 0;
function context(): Context {
  requestCounter += 1;
  return {
    awsRequestId: `request-${requestCounter}`,
    functionName: 'consumer',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:consumer',
    memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/consumer',
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 20_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

interface Item {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

function order(orderId: string, quantity = 2, customerId = 'c-1', unitPriceCents = 250) {
  return { orderId, customerId, items: [{ sku: 'sku-1', quantity, unitPriceCents }] as Item[] };
}

let messageCounter = 0;
function record(body: unknown, groupId?: string): SQSRecord {
  messageCounter += 1;
  return {
    messageId: `m-${messageCounter}`,
    receiptHandle: `rh-${messageCounter}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'sender',
      ApproximateFirstReceiveTimestamp: '0',
      ...(groupId
        ? { MessageGroupId: groupId, MessageDeduplicationId: `d-${messageCounter}`, SequenceNumber: String(messageCounter) }
        : {}),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: groupId ? 'arn:aws:sqs:us-east-1:123456789012:orders.fifo' : 'arn:aws:sqs:us-east-1:123456789012:orders',
    awsRegion: 'us-east-1',
  };
}

function failedIds(response: SQSBatchResponse): string[] {
  return response.batchItemFailures.map((f) => f.itemIdentifier).sort();
}

const logs: string[] = [];
let consumer: Handler;
let fifoConsumer: Handler;
let limits: { MAX_ITEMS: number; MAX_QUANTITY: number; MAX_UNIT_PRICE_CENTS: number; MAX_TOTAL_CENTS: number };

beforeAll(async () => {
  db = await startDynamoDb({
    tables: [{ tableName: 'receipts', partitionKey: 'orderId', sortKey: 'receiptId', ttlAttribute: 'expiresAt' }],
  });
  process.env.AWS_ENDPOINT_URL_DYNAMODB = db.endpoint;
  const capture = (line?: unknown) => {
    logs.push(String(line));
  };
  jest.spyOn(console, 'warn').mockImplementation(capture);
  jest.spyOn(console, 'info').mockImplementation(capture);
  faults = new FaultInjector([
    {
      client: DynamoDBClient,
      throttle: () =>
        new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput.', $metadata: {} }),
    },
  ]);
  // Loaded after the environment above is set: the handlers read it at module initialisation.
  consumer = require('../../lambda/sqs-dlq/consumer').handler as Handler;
  fifoConsumer = require('../../lambda/sqs-dlq/fifo-consumer').handler as Handler;
  limits = require('../../lambda/sqs-dlq/order');
});

beforeEach(() => {
  logs.length = 0;
  faults.reset();
});
afterEach(() => jest.useRealTimers());
afterAll(async () => {
  jest.restoreAllMocks();
  await db.stop();
});

function lines(message: string): Array<Record<string, unknown>> {
  return logs.map((l) => JSON.parse(l)).filter((l) => l.message === message);
}

/** The receipts of an order, as stored. */
function receiptsOf(orderId: string): Record<string, unknown>[] {
  return db.items('receipts').filter((item) => item.orderId === orderId);
}

describe('standard-queue consumer', () => {
  test('valid orders: one receipt each, keyed by the order id, no failures', async () => {
    const ctx = context();
    const before = Math.floor(Date.now() / 1000);
    const response = await consumer({ Records: [record(order('v-1')), record(order('v-2', 3))] }, ctx);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(receiptsOf('v-1')).toHaveLength(1);
    const [v2] = receiptsOf('v-2');
    expect(v2).toMatchObject({
      orderId: 'v-2',
      receiptId: 'R-v-2',
      totalCents: 750,
      itemCount: 1,
      customerId: 'c-1',
      processedBy: ctx.awsRequestId,
    });
    const expiresAt = Number(v2.expiresAt);
    expect(expiresAt - before).toBeGreaterThanOrEqual(30 * 86_400);
    expect(expiresAt - before).toBeLessThanOrEqual(30 * 86_400 + 5);
  });

  test('invalid records fail alone, each with one structured log line naming the field', async () => {
    const good = record(order('i-1'));
    const notJson = record('{not json');
    const badQuantity = record(order('i-2', -1));
    const extraField = record({ ...order('i-3'), discount: 10 });
    const response = await consumer({ Records: [good, notJson, badQuantity, extraField] }, context());
    expect(failedIds(response)).toEqual([notJson.messageId, badQuantity.messageId, extraField.messageId].sort());
    expect(receiptsOf('i-1')).toHaveLength(1);
    expect(receiptsOf('i-2')).toHaveLength(0);
    const failures = lines('record failed');
    expect(failures).toHaveLength(3);
    const byId = Object.fromEntries(failures.map((l) => [l.messageId, l]));
    expect(byId[notJson.messageId]).toMatchObject({
      level: 'WARN',
      reason: 'invalid order: body is not JSON',
      errorType: 'InvalidRecordError',
      receiveCount: 1,
    });
    expect(String(byId[badQuantity.messageId].reason)).toMatch(/^invalid order: items\.0\.quantity: /);
    expect(String(byId[extraField.messageId].reason)).toMatch(/discount/);
  });

  test('a batch where every record fails is reported item by item, never thrown', async () => {
    const records = [record('x'), record('y')];
    const response = await consumer({ Records: records }, context());
    expect(failedIds(response)).toEqual(records.map((r) => r.messageId).sort());
  });

  test('a redelivered order does no second work', async () => {
    const first = context();
    await consumer({ Records: [record(order('d-7'))] }, first);
    const response = await consumer({ Records: [record(order('d-7'))] }, context());
    expect(response.batchItemFailures).toEqual([]);
    expect(receiptsOf('d-7')).toEqual([expect.objectContaining({ processedBy: first.awsRequestId })]);
    expect(lines('order already processed')).toEqual([expect.objectContaining({ orderId: 'd-7', level: 'INFO' })]);
  });

  test('the same order id twice in one batch: one receipt, no failure', async () => {
    const response = await consumer({ Records: [record(order('d-8')), record(order('d-8'))] }, context());
    expect(response.batchItemFailures).toEqual([]);
    expect(receiptsOf('d-8')).toHaveLength(1);
  });

  test('the same order id with other content is a conflict: the record fails, the first receipt stays', async () => {
    await consumer({ Records: [record(order('c-8', 1))] }, context());
    const conflicting = record(order('c-8', 5));
    const response = await consumer({ Records: [conflicting] }, context());
    expect(failedIds(response)).toEqual([conflicting.messageId]);
    expect(lines('record failed')[0]).toMatchObject({
      errorType: 'OrderConflictError',
      reason: 'order c-8 was already processed with other content (customerId or items differ): not applied again',
    });
    expect(receiptsOf('c-8')).toEqual([expect.objectContaining({ totalCents: 250 })]);
  });

  test('a failed write fails the record; the retry writes the receipt once', async () => {
    faults.reset(0, 'throttled');
    const first = record(order('f-9'));
    expect(failedIds(await consumer({ Records: [first] }, context()))).toEqual([first.messageId]);
    expect(lines('record failed')[0]).toMatchObject({ errorType: 'ProvisionedThroughputExceededException' });
    expect(receiptsOf('f-9')).toHaveLength(0);
    expect(await consumer({ Records: [record(order('f-9'))] }, context())).toEqual({ batchItemFailures: [] });
    expect(receiptsOf('f-9')).toHaveLength(1);
  });
});

describe('FIFO consumer', () => {
  test('a failure skips the rest of its message group only', async () => {
    const a1 = record(order('g-a1'), 'A');
    const a2 = record('broken', 'A');
    const a3 = record(order('g-a3'), 'A');
    const b1 = record(order('g-b1'), 'B');
    const b2 = record(order('g-b2'), 'B');
    const response = await fifoConsumer({ Records: [a1, a2, b1, a3, b2] }, context());
    expect(failedIds(response)).toEqual([a2.messageId, a3.messageId].sort());
    expect(['g-a1', 'g-a3', 'g-b1', 'g-b2'].map((id) => receiptsOf(id).length)).toEqual([1, 0, 1, 1]);
  });
});

describe('bounded numbers: every total is exact', () => {
  test('the bounds keep the largest total within Number.MAX_SAFE_INTEGER, and are the ones the guide states', () => {
    expect(limits.MAX_TOTAL_CENTS).toBe(limits.MAX_ITEMS * limits.MAX_QUANTITY * limits.MAX_UNIT_PRICE_CENTS);
    expect(Number.isSafeInteger(limits.MAX_TOTAL_CENTS)).toBe(true);
    expect({ maxItems: limits.MAX_ITEMS, maxQuantity: limits.MAX_QUANTITY, maxUnitPriceCents: limits.MAX_UNIT_PRICE_CENTS }).toEqual(ORDER);
  });

  test('an order at every maximum passes, and its total is exact', async () => {
    const { MAX_ITEMS, MAX_QUANTITY, MAX_UNIT_PRICE_CENTS, MAX_TOTAL_CENTS } = limits;
    const items = Array.from({ length: MAX_ITEMS }, (_, i) => ({
      sku: `sku-${i}`,
      quantity: MAX_QUANTITY,
      unitPriceCents: MAX_UNIT_PRICE_CENTS,
    }));
    const response = await consumer({ Records: [record({ orderId: 'b-max', customerId: 'c-1', items })] }, context());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(receiptsOf('b-max')).toEqual([expect.objectContaining({ totalCents: MAX_TOTAL_CENTS, itemCount: MAX_ITEMS })]);
  });

  test.each([
    [
      'unitPriceCents',
      () => order('b-1', 1, 'c-1', limits.MAX_UNIT_PRICE_CENTS + 1),
      /^invalid order: items\.0\.unitPriceCents: Too big: expected number to be <=100000000$/,
    ],
    [
      'unitPriceCents (the reported overflow)',
      () => order('b-2', 2, 'c-1', Number.MAX_SAFE_INTEGER),
      /^invalid order: items\.0\.unitPriceCents: Too big: expected number to be <=100000000$/,
    ],
    ['quantity', () => order('b-3', limits.MAX_QUANTITY + 1), /^invalid order: items\.0\.quantity: Too big: expected number to be <=1000$/],
    [
      'item count',
      () => ({
        ...order('b-4'),
        items: Array.from({ length: limits.MAX_ITEMS + 1 }, (_, i) => ({ sku: `s-${i}`, quantity: 1, unitPriceCents: 1 })),
      }),
      /^invalid order: items: Too big: expected array to have <=100 items$/,
    ],
  ])('max + 1 of %s is a batch item failure with one clear line, and no receipt', async (_field, body, reason) => {
    const bad = record(body());
    const response = await consumer({ Records: [bad] }, context());
    expect(failedIds(response)).toEqual([bad.messageId]);
    const [line] = lines('record failed');
    expect(line).toMatchObject({ messageId: bad.messageId, errorType: 'InvalidRecordError' });
    expect(String(line.reason)).toMatch(reason);
    expect(db.items('receipts').filter((item) => String(item.orderId).startsWith('b-') && item.orderId !== 'b-max')).toEqual([]);
  });
});

/**
 * SQS as the event source mapping sees it, for one batch of messages: deliver, then redeliver what
 * failed (or the whole batch when the invocation died) after the visibility timeout, until nothing
 * is left or a message has failed maxReceiveCount receives (dead-lettered).
 */
async function deliver(handler: Handler, records: SQSRecord[]): Promise<{ deadLettered: string[]; invocations: number }> {
  let pending = records;
  const receives = new Map<string, number>();
  const deadLettered: string[] = [];
  let invocations = 0;
  while (pending.length > 0) {
    for (const r of pending) receives.set(r.messageId, (receives.get(r.messageId) ?? 0) + 1);
    const batch = pending.map((r) => ({
      ...r,
      attributes: { ...r.attributes, ApproximateReceiveCount: String(receives.get(r.messageId)) },
    }));
    invocations++;
    const outcome = await faults.invoke(() => handler({ Records: batch }, context()));
    if (!outcome.killed && 'error' in outcome) throw outcome.error;
    const failed = outcome.killed ? pending.map((r) => r.messageId) : outcome.value.batchItemFailures.map((f) => f.itemIdentifier);
    jest.setSystemTime(Date.now() + VISIBILITY_SECONDS * 1000 + 1000);
    pending = pending.filter((r) => failed.includes(r.messageId));
    for (const r of pending.filter((p) => (receives.get(p.messageId) ?? 0) >= MAX_RECEIVES)) deadLettered.push(r.messageId);
    pending = pending.filter((r) => !deadLettered.includes(r.messageId));
  }
  return { deadLettered, invocations };
}

/** A batch with a producer retry (the same order twice), as the scenario sends. */
function batchFor(prefix: string, fifo: boolean): { records: SQSRecord[]; totals: Record<string, number> } {
  const orders = [order(`${prefix}-1`, 1), order(`${prefix}-2`, 2), order(`${prefix}-3`, 3)];
  const groups = fifo ? ['A', 'A', 'B'] : [undefined, undefined, undefined];
  const records = [
    record(orders[0], groups[0]),
    record(orders[1], groups[1]),
    record(orders[0], groups[0]), // the producer retried the first order
    record(orders[2], groups[2]),
  ];
  const totals = Object.fromEntries(orders.map((o) => [o.orderId, o.items[0].quantity * o.items[0].unitPriceCents]));
  return { records, totals };
}

describe.each([
  ['standard-queue consumer', false],
  ['FIFO consumer', true],
])('%s: exactly one receipt per order under any single fault', (name, fifo) => {
  const handler = () => (fifo ? fifoConsumer : consumer);
  // How many DynamoDB calls a fault-free delivery of the batch makes: each is failed in turn below.
  let callCount = 0;
  beforeAll(async () => {
    faults.reset();
    const { records } = batchFor(`${fifo ? 'ff' : 'sf'}-free`, fifo);
    const { deadLettered } = await deliver(handler(), records);
    expect(deadLettered).toEqual([]);
    callCount = faults.calls;
  });

  test('the fault-free run makes DynamoDB calls to fail', () => {
    expect(callCount).toBeGreaterThanOrEqual(3);
  });

  test.each(FAULTS)(`%s: every call of the batch in turn (${name})`, async (f) => {
    fakeClock();
    for (let i = 0; i < callCount; i++) {
      faults.reset(i, f);
      const prefix = `${fifo ? 'f' : 's'}-${f.replace(' ', '-')}-${i}`;
      const { records, totals } = batchFor(prefix, fifo);
      const { deadLettered } = await deliver(handler(), records);
      const where = `${f} at DynamoDB call ${i}`;
      expect([where, deadLettered]).toEqual([where, []]);
      for (const [orderId, total] of Object.entries(totals)) {
        expect([where, orderId, receiptsOf(orderId).map((r) => r.totalCents)]).toEqual([where, orderId, [total]]);
      }
    }
  });
});

describe('configuration', () => {
  test('a missing setting fails the cold start with its name', () => {
    jest.isolateModules(() => {
      const saved = process.env.RECEIPTS_TABLE_NAME;
      delete process.env.RECEIPTS_TABLE_NAME;
      try {
        expect(() => require('../../lambda/sqs-dlq/order')).toThrow(
          'Missing environment variable RECEIPTS_TABLE_NAME: the stack sets it; check the function configuration',
        );
      } finally {
        process.env.RECEIPTS_TABLE_NAME = saved;
      }
    });
  });

  test('a malformed receipt retention fails the cold start', () => {
    jest.isolateModules(() => {
      process.env.RECEIPT_RETENTION_DAYS = 'a month';
      try {
        expect(() => require('../../lambda/sqs-dlq/order')).toThrow(
          'Environment variable RECEIPT_RETENTION_DAYS="a month" must be a positive whole number',
        );
      } finally {
        delete process.env.RECEIPT_RETENTION_DAYS;
      }
    });
  });
});
