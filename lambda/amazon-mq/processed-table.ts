import { type AttributeValue, ConditionalCheckFailedException, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { MqRecord } from './mq-event';

/** What a handler writes about one message: its key, its kind, when it happened and its own fields. */
export interface RecordEntry {
  /** The item's key: the business id, so a redelivered message finds it already written. */
  readonly id: string;
  readonly kind: string;
  /** The attribute that holds when it happened (ISO 8601). */
  readonly stamp: string;
  readonly fields: Record<string, AttributeValue>;
}

/**
 * The table the Amazon MQ handlers write what they did to: each message once (a conditional put keyed
 * by its id), with the engine, queue and message id it came from, and an `expiresAt` after the retention.
 */
export class ProcessedTable {
  public constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly table: string,
    private readonly retentionDays: number,
  ) {}

  /** Writes the entry unless an item with its id exists; true when this call wrote it. Other errors are thrown. */
  public async putOnce(record: MqRecord, entry: RecordEntry): Promise<boolean> {
    const now = Date.now();
    try {
      await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            id: { S: entry.id },
            kind: { S: entry.kind },
            engine: { S: record.engine },
            queue: { S: record.queue },
            messageId: { S: record.messageId },
            ...entry.fields,
            [entry.stamp]: { S: new Date(now).toISOString() },
            expiresAt: { N: String(Math.floor(now / 1000) + this.retentionDays * 86_400) },
          },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
