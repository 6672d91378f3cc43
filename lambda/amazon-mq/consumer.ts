import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { positiveIntEnv, requireEnv } from '../shared/env';
import { validateJson } from '../shared/validate';
import { type MqRecord, mqRecords } from './mq-event';
import { type Order, orderIdOf, orderSchema } from './order';
import { ProcessedTable } from './processed-table';

const logger = new Logger();
const dynamodb = new DynamoDBClient({});
const table = new ProcessedTable(dynamodb, requireEnv('PROCESSED_TABLE_NAME'), positiveIntEnv('RECORD_RETENTION_DAYS', 14));

/** The consumer stopped mid-batch (fault injection): the event source returns the whole batch. */
export class SimulatedCrash extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'SimulatedCrash';
  }
}

/** Records of the batch failed: the event source returns the whole batch, which is delivered again. */
export class BatchFailed extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'BatchFailed';
  }
}

/** Records the order once: a redelivered order that was already processed does no second work. */
async function processOrder(order: Order, record: MqRecord): Promise<'processed' | 'duplicate'> {
  const written = await table.putOnce(record, {
    id: order.orderId,
    kind: 'order',
    stamp: 'processedAt',
    fields: { amountCents: { N: String(order.amountCents) } },
  });
  return written ? 'processed' : 'duplicate';
}

/**
 * Processes a batch from an Amazon MQ event source (either engine). Each order is written once (a
 * conditional put keyed by its id), so a redelivered batch does no second work. Amazon MQ sources have
 * no partial batch response: when a record is invalid the valid ones are still processed, then the
 * batch fails, and the broker redelivers it until the invalid record reaches its delivery limit and is
 * dead-lettered. The handler returns only after every record is processed, because returning is what
 * acknowledges the batch.
 */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const records = mqRecords(event);
  const failed: string[] = [];
  let processed = 0;
  let duplicates = 0;
  for (const record of records) {
    const checked = validateJson(record.text, orderSchema, 'order', 'body');
    const delivery = {
      messageId: record.messageId,
      redelivered: record.redelivered,
      deliveryCount: record.deliveryCount,
      engine: record.engine,
    };
    if (!checked.ok) {
      const orderId = orderIdOf(record.text);
      logger.error('record failed', { ...delivery, orderId, reason: checked.reason });
      failed.push(orderId ?? record.messageId);
      continue;
    }
    const order = checked.data;
    if (order.crash === 'first-delivery' && !record.redelivered) {
      logger.warn('simulated crash', { ...delivery, orderId: order.orderId, processedBefore: processed + duplicates });
      throw new SimulatedCrash(`crashed at order ${order.orderId} on its first delivery, after ${processed + duplicates} records`);
    }
    if ((await processOrder(order, record)) === 'processed') processed++;
    else duplicates++;
  }
  logger.info('batch', { records: records.length, processed, duplicates, failed: failed.length });
  if (failed.length > 0) {
    throw new BatchFailed(
      `${failed.length} of ${records.length} records failed (${failed.slice(0, 10).join(', ')}): the broker delivers the batch again`,
    );
  }
  return { processed, duplicates };
};
