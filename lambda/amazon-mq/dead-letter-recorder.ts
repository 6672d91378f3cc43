import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { positiveIntEnv, requireEnv } from '../shared/env';
import { mqRecords } from './mq-event';
import { orderIdOf } from './order';
import { ProcessedTable } from './processed-table';

const logger = new Logger();
const dynamodb = new DynamoDBClient({});
const table = new ProcessedTable(dynamodb, requireEnv('PROCESSED_TABLE_NAME'), positiveIntEnv('RECORD_RETENTION_DAYS', 14));
/** DynamoDB items are at most 400 KB: bodies are kept up to this many characters. */
const MAX_BODY_CHARS = 300_000;

/** Why the broker dead-lettered a message, from its headers (RabbitMQ) or JMS properties (ActiveMQ). */
function reasonOf(properties: Readonly<Record<string, unknown>>): string {
  const rabbit = properties['x-first-death-reason'];
  if (typeof rabbit === 'string') return rabbit;
  const active = properties.dlqDeliveryFailureCause;
  if (typeof active === 'string') return active.split('\n')[0];
  return 'unknown';
}

/**
 * Records every message of a dead-letter queue in the table (`dead-letter#<engine>#<order id or
 * message id>`): the body, why the broker dead-lettered it and when, so that dead letters can be
 * inspected and replayed without a connection to the private broker. Idempotent; a failure returns
 * the batch to the dead-letter queue.
 */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const records = mqRecords(event);
  let recorded = 0;
  for (const record of records) {
    const key = orderIdOf(record.text) ?? record.messageId;
    const written = await table.putOnce(record, {
      id: `dead-letter#${record.engine}#${key}`,
      kind: 'dead-letter',
      stamp: 'deadLetteredAt',
      fields: {
        reason: { S: reasonOf(record.properties) },
        body: { S: record.text.slice(0, MAX_BODY_CHARS) },
        truncated: { BOOL: record.text.length > MAX_BODY_CHARS },
      },
    });
    if (written) {
      recorded++;
      logger.warn('dead letter recorded', { key, engine: record.engine, queue: record.queue, reason: reasonOf(record.properties) });
    }
  }
  return { recorded };
};
