import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';

process.env.IDEMPOTENCY_TABLE_NAME = 'idempotency';
process.env.RECEIPTS_TABLE_NAME = 'receipts';
process.env.AWS_LAMBDA_FUNCTION_NAME = 'consumer';
// Dev mode makes Powertools Logger write through the global console, which the test can capture.
process.env.POWERTOOLS_DEV = 'true';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const dynamo = mockClient(DynamoDBClient);
/** A tiny stand-in for the idempotency table: conditional put on absence, as the idempotency layer uses it. */
const table = new Map<string, Record<string, AttributeValue>>();
/** Receipts written to the receipts table. */
const receipts: Array<Record<string, AttributeValue>> = [];
let failNextReceipt = false;

function fakeTables(): void {
  table.clear();
  receipts.length = 0;
  failNextReceipt = false;
  dynamo.reset();
  dynamo.on(PutItemCommand).callsFake((input) => {
    if (input.TableName === 'receipts') {
      if (failNextReceipt) {
        failNextReceipt = false;
        throw new Error('ProvisionedThroughputExceededException');
      }
      receipts.push(input.Item);
      return {};
    }
    expect(input.TableName).toBe('idempotency');
    const key = input.Item.id.S as string;
    const existing = table.get(key);
    const nowSeconds = Date.now() / 1000;
    if (existing && Number(existing.expiration.N) >= nowSeconds) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: existing });
    }
    table.set(key, input.Item);
    return {};
  });
  dynamo.on(UpdateItemCommand).callsFake((input) => {
    const key = input.Key.id.S as string;
    const item = { ...table.get(key) };
    const values = input.ExpressionAttributeValues;
    item.status = values[':status'];
    item.data = values[':response_data'];
    item.expiration = values[':expiry'];
    table.set(key, item);
    return {};
  });
  dynamo.on(DeleteItemCommand).callsFake((input) => {
    table.delete(input.Key.id.S as string);
    return {};
  });
  dynamo.on(GetItemCommand).callsFake((input) => ({ Item: table.get(input.Key.id.S as string) }));
}

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

function order(orderId: string, quantity = 2, customerId = 'c-1') {
  return { orderId, customerId, items: [{ sku: 'sku-1', quantity, unitPriceCents: 250 }] };
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

beforeAll(() => {
  jest.spyOn(console, 'warn').mockImplementation((line: unknown) => {
    logs.push(String(line));
  });
  // Loaded after the environment above is set: the handlers read it at module initialisation.
  consumer = require('../../lambda/sqs-dlq/consumer').handler as Handler;
  fifoConsumer = require('../../lambda/sqs-dlq/fifo-consumer').handler as Handler;
});

beforeEach(() => {
  fakeTables();
  logs.length = 0;
});
afterAll(() => jest.restoreAllMocks());

function failureLogs(): Array<Record<string, unknown>> {
  return logs.map((l) => JSON.parse(l)).filter((l) => l.message === 'record failed');
}

describe('standard-queue consumer', () => {
  test('valid orders: one receipt each, keyed by order id and request id, no failures', async () => {
    const ctx = context();
    const before = Math.floor(Date.now() / 1000);
    const response = await consumer({ Records: [record(order('o-1')), record(order('o-2', 3))] }, ctx);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(receipts.map((r) => [r.orderId.S, r.receiptId.S]).sort()).toEqual([
      ['o-1', ctx.awsRequestId],
      ['o-2', ctx.awsRequestId],
    ]);
    const o2 = receipts.find((r) => r.orderId.S === 'o-2');
    expect(o2).toMatchObject({ totalCents: { N: '750' }, itemCount: { N: '1' }, customerId: { S: 'c-1' } });
    const expiresAt = Number(o2?.expiresAt.N);
    expect(expiresAt - before).toBeGreaterThanOrEqual(30 * 86_400);
    expect(expiresAt - before).toBeLessThanOrEqual(30 * 86_400 + 5);
  });

  test('invalid records fail alone, each with one structured log line naming the field', async () => {
    const good = record(order('o-1'));
    const notJson = record('{not json');
    const badQuantity = record(order('o-2', -1));
    const extraField = record({ ...order('o-3'), discount: 10 });
    const response = await consumer({ Records: [good, notJson, badQuantity, extraField] }, context());
    expect(failedIds(response)).toEqual([notJson.messageId, badQuantity.messageId, extraField.messageId].sort());
    expect(receipts).toHaveLength(1);
    const lines = failureLogs();
    expect(lines).toHaveLength(3);
    const byId = Object.fromEntries(lines.map((l) => [l.messageId, l]));
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
    await consumer({ Records: [record(order('o-7'))] }, context());
    const response = await consumer({ Records: [record(order('o-7'))] }, context());
    expect(response.batchItemFailures).toEqual([]);
    expect(receipts).toHaveLength(1);
    expect([...table.values()].map((item) => item.status)).toEqual([{ S: 'COMPLETED' }]);
  });

  test('the same order id with other content is a conflict: the record fails', async () => {
    await consumer({ Records: [record(order('o-8', 1))] }, context());
    const conflicting = record(order('o-8', 5));
    const response = await consumer({ Records: [conflicting] }, context());
    expect(failedIds(response)).toEqual([conflicting.messageId]);
    expect(failureLogs()[0]).toMatchObject({ errorType: 'IdempotencyValidationError' });
    expect(receipts).toHaveLength(1);
  });

  test('a failed write fails the record and releases the idempotency record for the retry', async () => {
    failNextReceipt = true;
    const first = record(order('o-9'));
    expect(failedIds(await consumer({ Records: [first] }, context()))).toEqual([first.messageId]);
    expect(dynamo.commandCalls(DeleteItemCommand)).toHaveLength(1);
    expect(await consumer({ Records: [record(order('o-9'))] }, context())).toEqual({ batchItemFailures: [] });
    expect(receipts.map((r) => r.orderId.S)).toEqual(['o-9']);
  });
});

describe('FIFO consumer', () => {
  test('a failure skips the rest of its message group only', async () => {
    const a1 = record(order('a-1'), 'A');
    const a2 = record('broken', 'A');
    const a3 = record(order('a-3'), 'A');
    const b1 = record(order('b-1'), 'B');
    const b2 = record(order('b-2'), 'B');
    const response = await fifoConsumer({ Records: [a1, a2, b1, a3, b2] }, context());
    expect(failedIds(response)).toEqual([a2.messageId, a3.messageId].sort());
    expect(receipts.map((r) => r.orderId.S)).toEqual(['a-1', 'b-1', 'b-2']);
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

  test('a malformed idempotency window fails the cold start', () => {
    jest.isolateModules(() => {
      process.env.IDEMPOTENCY_WINDOW_SECONDS = 'a day';
      try {
        expect(() => require('../../lambda/sqs-dlq/order')).toThrow(
          'Environment variable IDEMPOTENCY_WINDOW_SECONDS="a day" must be a positive whole number',
        );
      } finally {
        delete process.env.IDEMPOTENCY_WINDOW_SECONDS;
      }
    });
  });
});
