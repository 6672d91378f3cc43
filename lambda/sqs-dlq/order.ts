import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context, SQSRecord } from 'aws-lambda';
import { en } from 'zod/locales';
// zod/mini: the same validation as zod's classic API at a fraction of the bundle size.
import * as z from 'zod/mini';
import { positiveIntEnv, requireEnv } from '../shared/env';
import { validateJson } from '../shared/validate';

// zod/mini ships without messages; load the English ones so field errors say what is wrong.
z.config(en());

/** An order message, the body of every record on the pattern's queues. */
export const OrderSchema = z.strictObject({
  /** The business key: processing is idempotent on it. */
  orderId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ or -, at most 64')),
  customerId: z.string().check(z.minLength(1), z.maxLength(64)),
  items: z
    .array(
      z.strictObject({
        sku: z.string().check(z.minLength(1), z.maxLength(64)),
        quantity: z.int().check(z.positive(), z.maximum(1000)),
        unitPriceCents: z.int().check(z.nonnegative()),
      }),
    )
    .check(z.minLength(1), z.maxLength(100)),
});
export type Order = z.infer<typeof OrderSchema>;

/** What processing an order produces: a receipt item in the receipts table. */
export interface Receipt {
  readonly orderId: string;
  /** The id of the invocation that did the work: a second processing would add a second receipt. */
  readonly receiptId: string;
  readonly totalCents: number;
  readonly itemCount: number;
}

/** A record that cannot be processed; its message says why, in one line. */
export class InvalidRecordError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'InvalidRecordError';
  }
}

export const logger = new Logger();
const tableName = requireEnv('IDEMPOTENCY_TABLE_NAME');
const receiptsTableName = requireEnv('RECEIPTS_TABLE_NAME');
const idempotencyWindowSeconds = positiveIntEnv('IDEMPOTENCY_WINDOW_SECONDS', 86_400);
const receiptRetentionSeconds = positiveIntEnv('RECEIPT_RETENTION_DAYS', 30) * 86_400;

const dynamodb = new DynamoDBClient({});
const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: dynamodb });
export const idempotencyConfig = new IdempotencyConfig({
  eventKeyJmesPath: 'orderId',
  // A second message with the same order id but other content is a conflict, not a duplicate:
  // it fails (and ends in the dead-letter queue) instead of silently returning the first result.
  payloadValidationJmesPath: '[customerId, items]',
  expiresAfterSeconds: idempotencyWindowSeconds,
  throwOnNoIdempotencyKey: true,
});

/** Validates a record's body; throws {@link InvalidRecordError} naming the fields that are wrong. */
export function parseOrder(record: SQSRecord): Order {
  const result = validateJson(record.body, OrderSchema, 'invalid order', 'body');
  if (!result.ok) throw new InvalidRecordError(result.reason);
  return result.data;
}

/**
 * The work done once per order id: a receipt keyed by the order id and the invocation's request id,
 * so a second processing of the same order would leave a second receipt behind.
 */
const processOnce = makeIdempotent(
  async (order: Order, requestId: string): Promise<Receipt> => {
    const totalCents = order.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
    const receipt: Receipt = { orderId: order.orderId, receiptId: requestId, totalCents, itemCount: order.items.length };
    const now = Date.now();
    await dynamodb.send(
      new PutItemCommand({
        TableName: receiptsTableName,
        Item: {
          orderId: { S: receipt.orderId },
          receiptId: { S: receipt.receiptId },
          customerId: { S: order.customerId },
          totalCents: { N: String(totalCents) },
          itemCount: { N: String(receipt.itemCount) },
          processedAt: { S: new Date(now).toISOString() },
          expiresAt: { N: String(Math.floor(now / 1000) + receiptRetentionSeconds) },
        },
      }),
    );
    return receipt;
  },
  { persistenceStore, config: idempotencyConfig, dataIndexArgument: 0 },
);

/**
 * Processes one record: validate, then do the work at most once per order id. Any failure is logged
 * as one structured line and rethrown, so the batch utility reports this record alone as failed.
 */
export async function processRecord(record: SQSRecord, context: Context): Promise<Receipt> {
  try {
    const order = parseOrder(record);
    return await processOnce(order, context.awsRequestId);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    logger.warn('record failed', {
      messageId: record.messageId,
      receiveCount: Number(record.attributes.ApproximateReceiveCount),
      messageGroupId: record.attributes.MessageGroupId,
      errorType: error instanceof Error ? error.name : typeof error,
      reason,
    });
    throw error;
  }
}
