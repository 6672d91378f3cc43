import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { en } from 'zod/locales';
// zod/mini: the same validation as zod's classic API at a fraction of the bundle size.
import * as z from 'zod/mini';
import { positiveIntEnv, requireEnv } from '../shared/env';
import { validateJson } from '../shared/validate';

z.config(en());

/**
 * What the order workflow's AuthorisePayment task sends. The card is a token of the simulated
 * payment gateway (there is no real one in a reference architecture):
 * - `tok_ok` is authorised;
 * - `tok_transient` finds the gateway unavailable on the first attempts of an order
 *   (`SIMULATED_TRANSIENT_FAILURES`, default 2), then is authorised: the workflow's Retry absorbs it;
 * - `tok_declined` (and any other token) is declined: a permanent failure the workflow compensates.
 */
export const PaymentRequestSchema = z.strictObject({
  orderId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ or -, at most 64')),
  amount: z.number().check(z.positive(), z.maximum(1_000_000)),
  card: z.string().check(z.regex(/^tok_[a-z_]{1,32}$/, 'a card token such as tok_ok')),
});
export type PaymentRequest = z.infer<typeof PaymentRequestSchema>;

/** What an authorisation returns to the workflow. */
export interface Authorisation {
  readonly authorisationId: string;
  /** How many times this order's payment was attempted, this one included. */
  readonly attempts: number;
}

/** A request the function cannot process: not retried, the workflow compensates. */
export class InvalidPaymentRequest extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'InvalidPaymentRequest';
  }
}

/** The gateway could not be reached: transient, the workflow retries with backoff and jitter. */
export class PaymentGatewayUnavailable extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'PaymentGatewayUnavailable';
  }
}

/** The card was declined: permanent, the workflow compensates and fails the order. */
export class PaymentDeclined extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'PaymentDeclined';
  }
}

const logger = new Logger();
const tableName = requireEnv('ORDERS_TABLE_NAME');
const transientFailures = positiveIntEnv('SIMULATED_TRANSIENT_FAILURES', 2);
const dynamodb = new DynamoDBClient({});

/** The payment record of an order: one item, `record = PAYMENT`, next to the order and its reservations. */
const paymentKey = (orderId: string) => ({ orderId: { S: orderId }, record: { S: 'PAYMENT' } });

/**
 * Authorises an order's payment once. Every attempt is counted on the order's payment record; an
 * authorisation is stored with `if_not_exists`, so a retry after a success (a Lambda service error
 * on the way back, for example) returns the first authorisation instead of charging twice.
 */
export async function handler(event: unknown): Promise<Authorisation> {
  const parsed = validateJson(JSON.stringify(event ?? null), PaymentRequestSchema, 'invalid payment request', 'event');
  if (!parsed.ok) {
    logger.warn('payment request rejected', { reason: parsed.reason });
    throw new InvalidPaymentRequest(parsed.reason);
  }
  const request = parsed.data;
  const counted = await dynamodb.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: paymentKey(request.orderId),
      UpdateExpression: 'ADD attempts :one SET amount = if_not_exists(amount, :amount), card = if_not_exists(card, :card)',
      ExpressionAttributeValues: { ':one': { N: '1' }, ':amount': { N: String(request.amount) }, ':card': { S: request.card } },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const attempts = Number(counted.Attributes?.attempts?.N ?? 1);
  const existing = counted.Attributes?.authorisationId?.S;
  if (existing) {
    logger.info('payment already authorised', { orderId: request.orderId, attempts });
    return { authorisationId: existing, attempts };
  }
  if (request.card === 'tok_transient' && attempts <= transientFailures) {
    logger.warn('payment gateway unavailable', { orderId: request.orderId, attempts });
    throw new PaymentGatewayUnavailable(`the payment gateway did not answer (attempt ${attempts} of order ${request.orderId})`);
  }
  if (request.card !== 'tok_ok' && request.card !== 'tok_transient') {
    logger.warn('payment declined', { orderId: request.orderId, attempts });
    throw new PaymentDeclined(`card ${request.card} was declined for order ${request.orderId}`);
  }
  const stored = await dynamodb.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: paymentKey(request.orderId),
      UpdateExpression: 'SET authorisationId = if_not_exists(authorisationId, :id), authorisedAt = if_not_exists(authorisedAt, :at)',
      ExpressionAttributeValues: { ':id': { S: `auth-${randomUUID()}` }, ':at': { S: new Date().toISOString() } },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const authorisationId = stored.Attributes?.authorisationId?.S as string;
  logger.info('payment authorised', { orderId: request.orderId, attempts, authorisationId });
  return { authorisationId, attempts };
}
