import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { type AttributeValue, ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context, SQSRecord } from 'aws-lambda';
import { en } from 'zod/locales';
// zod/mini: the same validation as zod's classic API at a fraction of the bundle size.
import * as z from 'zod/mini';
import { positiveIntEnv, requireEnv } from '../shared/env';
import { validateJson } from '../shared/validate';

// zod/mini ships without messages; load the English ones so field errors say what is wrong.
z.config(en());

/** Most items in one order: a business limit that also bounds the work and the item size of a receipt. */
export const MAX_ITEMS = 100;
/** Most units of one item. */
export const MAX_QUANTITY = 1000;
/** Highest unit price: USD 1,000,000.00. Far above any real item, far below where sums stop being exact. */
export const MAX_UNIT_PRICE_CENTS = 100_000_000;
/**
 * The largest total an order can have: 100 x 1,000 x 100,000,000 = 10^13 cents. Every product and
 * sum on the way is a whole number below Number.MAX_SAFE_INTEGER (2^53 - 1, about 9 x 10^15), so
 * totals are exact; without the bounds, `quantity: 2, unitPriceCents: 2^53 - 1` was accepted and
 * its total was not.
 */
export const MAX_TOTAL_CENTS = MAX_ITEMS * MAX_QUANTITY * MAX_UNIT_PRICE_CENTS;

/** An order message, the body of every record on the pattern's queues. */
export const OrderSchema = z.strictObject({
  /** The business key: processing is idempotent on it. */
  orderId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ or -, at most 64')),
  customerId: z.string().check(z.minLength(1), z.maxLength(64)),
  items: z
    .array(
      z.strictObject({
        sku: z.string().check(z.minLength(1), z.maxLength(64)),
        quantity: z.int().check(z.positive(), z.maximum(MAX_QUANTITY)),
        unitPriceCents: z.int().check(z.nonnegative(), z.maximum(MAX_UNIT_PRICE_CENTS)),
      }),
    )
    .check(z.minLength(1), z.maxLength(MAX_ITEMS)),
});
export type Order = z.infer<typeof OrderSchema>;

/** What processing an order produces: one receipt item per order id in the receipts table. */
export interface Receipt {
  readonly orderId: string;
  /** Derived from the order id, so that every processing of an order writes the same key. */
  readonly receiptId: string;
  readonly totalCents: number;
  readonly itemCount: number;
  /** The request id of the invocation whose write created the receipt. */
  readonly processedBy: string;
}

/** A record that cannot be processed; its message says why, in one line. */
export class InvalidRecordError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'InvalidRecordError';
  }
}

/** An order id that was already processed with other content: a conflict for a person, not a duplicate. */
export class OrderConflictError extends Error {
  public constructor(orderId: string) {
    super(`order ${orderId} was already processed with other content (customerId or items differ): not applied again`);
    this.name = 'OrderConflictError';
  }
}

export const logger = new Logger();
const receiptsTableName = requireEnv('RECEIPTS_TABLE_NAME');
const receiptRetentionSeconds = positiveIntEnv('RECEIPT_RETENTION_DAYS', 30) * 86_400;
const dynamodb = new DynamoDBClient({});

/** Validates a record's body; throws {@link InvalidRecordError} naming the fields that are wrong. */
export function parseOrder(record: SQSRecord): Order {
  const result = validateJson(record.body, OrderSchema, 'invalid order', 'body');
  if (!result.ok) throw new InvalidRecordError(result.reason);
  return result.data;
}

/** The receipt's sort key: the table keeps its (orderId, receiptId) key, one receipt per order id. */
export function receiptIdOf(orderId: string): string {
  return `R-${orderId}`;
}

/** A fingerprint of what the order asks for, to tell a duplicate from a conflicting reuse of its id. */
function contentHash(order: Order): string {
  const content = [order.customerId, order.items.map((item) => [item.sku, item.quantity, item.unitPriceCents])];
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

function receiptFrom(item: Record<string, AttributeValue>): Receipt {
  return {
    orderId: item.orderId?.S ?? '',
    receiptId: item.receiptId?.S ?? '',
    totalCents: Number(item.totalCents?.N),
    itemCount: Number(item.itemCount?.N),
    processedBy: item.processedBy?.S ?? '',
  };
}

/**
 * The order's effect, idempotent by itself: one conditional PutItem of the receipt, keyed by the
 * order id, that succeeds only if no receipt exists. A retry after any failure (a throttle, a lost
 * response, an invocation killed before or after the write) either writes the receipt once or finds
 * it: when the condition fails, DynamoDB returns the stored receipt (ReturnValuesOnConditionCheckFailure)
 * and the same content is a duplicate (done), other content a conflict (an error).
 */
async function applyOnce(order: Order, requestId: string): Promise<{ receipt: Receipt; duplicate: boolean }> {
  const totalCents = order.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
  const hash = contentHash(order);
  const now = Date.now();
  const receipt: Receipt = {
    orderId: order.orderId,
    receiptId: receiptIdOf(order.orderId),
    totalCents,
    itemCount: order.items.length,
    processedBy: requestId,
  };
  try {
    await dynamodb.send(
      new PutItemCommand({
        TableName: receiptsTableName,
        Item: {
          orderId: { S: receipt.orderId },
          receiptId: { S: receipt.receiptId },
          customerId: { S: order.customerId },
          totalCents: { N: String(totalCents) },
          itemCount: { N: String(receipt.itemCount) },
          contentHash: { S: hash },
          processedBy: { S: requestId },
          processedAt: { S: new Date(now).toISOString() },
          expiresAt: { N: String(Math.floor(now / 1000) + receiptRetentionSeconds) },
        },
        ConditionExpression: 'attribute_not_exists(orderId)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { receipt, duplicate: false };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException) || !error.Item) throw error;
    if (error.Item.contentHash?.S !== hash) throw new OrderConflictError(order.orderId);
    return { receipt: receiptFrom(error.Item), duplicate: true };
  }
}

/**
 * Processes one record: validate, then apply the order once. Any failure is logged as one
 * structured line and rethrown, so the batch utility reports this record alone as failed.
 */
export async function processRecord(record: SQSRecord, context: Context): Promise<Receipt> {
  try {
    const order = parseOrder(record);
    const { receipt, duplicate } = await applyOnce(order, context.awsRequestId);
    if (duplicate) {
      logger.info('order already processed', { messageId: record.messageId, orderId: order.orderId, processedBy: receipt.processedBy });
    }
    return receipt;
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
