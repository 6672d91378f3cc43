import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

process.env.ORDERS_TABLE_NAME = 'orders';
process.env.READING_RETENTION_DAYS = '30';
process.env.POWERTOOLS_DEV = 'true';

const dynamo = mockClient(DynamoDBClient);
/** The payment records of a stand-in orders table: attempts counted, the first authorisation kept. */
const payments = new Map<string, { attempts: number; authorisationId?: string }>();

function fakeTable(): void {
  payments.clear();
  dynamo.reset();
  dynamo.on(UpdateItemCommand).callsFake((input) => {
    expect(input.TableName).toBe('orders');
    expect(input.Key.record.S).toBe('PAYMENT');
    const key = input.Key.orderId.S as string;
    const record = payments.get(key) ?? { attempts: 0 };
    if (input.UpdateExpression.startsWith('ADD attempts')) record.attempts++;
    else record.authorisationId ??= input.ExpressionAttributeValues[':id'].S;
    payments.set(key, record);
    const attributes: Record<string, unknown> = { attempts: { N: String(record.attempts) } };
    if (record.authorisationId) attributes.authorisationId = { S: record.authorisationId };
    return { Attributes: attributes };
  });
}

type Payments = typeof import('../../lambda/step-functions/authorise-payment');
type Readings = typeof import('../../lambda/step-functions/validate-reading');
let paymentsModule: Payments;
let readingsModule: Readings;
beforeAll(() => {
  // Loaded after the environment above is set: the handlers read it at module initialisation.
  paymentsModule = require('../../lambda/step-functions/authorise-payment') as Payments;
  readingsModule = require('../../lambda/step-functions/validate-reading') as Readings;
});
beforeEach(fakeTable);

const request = (card: string, orderId = 'o-1') => ({ orderId, amount: 120, card });

describe('authorise-payment', () => {
  test('tok_ok is authorised once: a retry after success returns the first authorisation', async () => {
    const first = await paymentsModule.handler(request('tok_ok'));
    expect(first).toEqual({ authorisationId: expect.stringMatching(/^auth-/), attempts: 1 });
    const again = await paymentsModule.handler(request('tok_ok'));
    expect(again).toEqual({ authorisationId: first.authorisationId, attempts: 2 });
  });

  test('tok_transient: the gateway is unavailable for two attempts, then the payment is authorised', async () => {
    await expect(paymentsModule.handler(request('tok_transient'))).rejects.toMatchObject({ name: 'PaymentGatewayUnavailable' });
    await expect(paymentsModule.handler(request('tok_transient'))).rejects.toMatchObject({ name: 'PaymentGatewayUnavailable' });
    await expect(paymentsModule.handler(request('tok_transient'))).resolves.toMatchObject({ attempts: 3 });
  });

  test('tok_declined (and any unknown card) is declined, permanently', async () => {
    for (const card of ['tok_declined', 'tok_unknown']) {
      await expect(paymentsModule.handler(request(card, `o-${card}`))).rejects.toMatchObject({
        name: 'PaymentDeclined',
        message: `card ${card} was declined for order o-${card}`,
      });
    }
    expect([...payments.values()].every((p) => p.authorisationId === undefined)).toBe(true);
  });

  test.each([
    [null, 'invalid payment request: event: Invalid input: expected object, received null'],
    [{ orderId: 'o 1', amount: 0, card: 'visa' }, 'orderId: letters, digits, _ or -, at most 64; amount: Too small'],
    [{ ...request('tok_ok'), extra: true }, 'Unrecognized key: "extra"'],
  ])('bad input %j fails with InvalidPaymentRequest naming the fields, before any write', async (event, message) => {
    const error = await paymentsModule.handler(event).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'InvalidPaymentRequest' });
    expect((error as Error).message).toContain(message);
    expect(dynamo.calls()).toHaveLength(0);
  });

  test('a failed write fails the invocation (the workflow retries it)', async () => {
    dynamo.on(UpdateItemCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    await expect(paymentsModule.handler(request('tok_ok'))).rejects.toThrow('ProvisionedThroughputExceededException');
  });
});

describe('validate-reading', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');
  const reading = { sensorId: 's-1', metric: 'temperature', value: 104, unit: 'F', takenAt: '2025-06-01T11:59:00+02:00' };

  test('converts to canonical units and UTC, with an expiry', () => {
    expect(readingsModule.canonicalReading(reading, now)).toEqual({
      sensorId: 's-1',
      metric: 'temperature',
      value: 40,
      unit: 'C',
      takenAt: '2025-06-01T09:59:00.000Z',
      expiresAt: now / 1000 + 30 * 86_400,
    });
    expect(readingsModule.canonicalReading({ ...reading, metric: 'humidity', value: 55.555, unit: '%', extra: 1 }, now)).toMatchObject({
      value: 55.56,
      unit: '%',
    });
  });

  test.each([
    [
      { ...reading, value: 'hot', takenAt: 'yesterday' },
      'invalid reading: value: Invalid input: expected number, received string; takenAt: Invalid ISO datetime',
    ],
    [{ ...reading, metric: 'humidity' }, 'invalid reading: unit: F is not a unit of humidity (%)'],
    [{ ...reading, value: 400 }, 'invalid reading: value: 400 F is outside -100 to 150 C for temperature'],
    [{ ...reading, sensorId: undefined }, 'invalid reading: sensorId: Invalid input: expected string, received undefined'],
    ['not an object', 'invalid reading: reading: Invalid input: expected object, received string'],
  ])('%j is an InvalidReading: %s', async (event, message) => {
    await expect(readingsModule.handler(event)).rejects.toMatchObject({ name: 'InvalidReading', message });
  });
});
