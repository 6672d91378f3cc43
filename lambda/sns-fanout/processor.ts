import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Context, SNSEvent, SNSEventRecord } from 'aws-lambda';
import { en } from 'zod/locales';
// zod/mini: the same validation as zod's classic API at a fraction of the bundle size.
import * as z from 'zod/mini';
import { type PayloadPointer, resolvePayload, s3Fetcher } from '../shared/claim-check';
import { positiveIntEnv, requireEnv } from '../shared/env';
import { validateJson } from '../shared/validate';

z.config(en());

/** A notification on the fan-out topic; other fields are allowed and kept. */
export const NotificationSchema = z.object({
  /** The publisher's id of the event: deliveries are recorded under it. */
  id: z.string().check(z.regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'letters, digits, _ . : or -, at most 128')),
  kind: z.enum(['order-created', 'order-updated', 'order-cancelled']),
});

/** A notification the processor cannot handle; the message says why, in one line. */
export class InvalidNotificationError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'InvalidNotificationError';
  }
}

const logger = new Logger();
const tableName = requireEnv('DELIVERIES_TABLE_NAME');
const retentionSeconds = positiveIntEnv('DELIVERY_RETENTION_DAYS', 7) * 86_400;
const dynamodb = new DynamoDBClient({});

// Most notifications are small: the S3 client is loaded the first time a claim check arrives, not at
// every cold start (it would double the function's initialisation time). `require`, not `import()`:
// CommonJS resolution finds the runtime's SDK through NODE_PATH, ES module resolution does not.
let fetchPayload: ((pointer: PayloadPointer) => Promise<string>) | undefined;
async function fetcher(): Promise<(pointer: PayloadPointer) => Promise<string>> {
  if (!fetchPayload) {
    const { S3Client: Client, GetObjectCommand } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
    const s3: S3Client = new Client({});
    fetchPayload = s3Fetcher(s3, GetObjectCommand);
  }
  return fetchPayload;
}

function validate(payload: string): z.infer<typeof NotificationSchema> {
  const result = validateJson(payload, NotificationSchema, 'invalid notification', 'message');
  if (!result.ok) throw new InvalidNotificationError(result.reason);
  return result.data;
}

async function process(record: SNSEventRecord): Promise<void> {
  const { Sns: sns } = record;
  const attributes = sns.MessageAttributes ?? {};
  const { payload, pointer } = await resolvePayload(sns.Message, attributes, (p) => fetcher().then((fetch) => fetch(p)));
  const notification = validate(payload);
  const now = Date.now();
  // One item per event id: a second delivery of the same SNS message overwrites it (no double count).
  await dynamodb.send(
    new PutItemCommand({
      TableName: tableName,
      Item: {
        id: { S: notification.id },
        kind: { S: notification.kind },
        snsMessageId: { S: sns.MessageId },
        topicArn: { S: sns.TopicArn },
        bytes: { N: String(Buffer.byteLength(payload, 'utf8')) },
        sha256: { S: createHash('sha256').update(payload, 'utf8').digest('hex') },
        claimCheck: { BOOL: pointer !== undefined },
        receivedAt: { S: new Date(now).toISOString() },
        expiresAt: { N: String(Math.floor(now / 1000) + retentionSeconds) },
      },
    }),
  );
}

/**
 * The Lambda subscriber of the fan-out topic: resolves claim-checked payloads, validates the
 * notification, records the delivery. A failure is logged as one structured line and thrown, so
 * Lambda retries the asynchronous invocation and then sends it to the on-failure destination.
 */
export const handler = async (event: SNSEvent, context: Context): Promise<void> => {
  logger.addContext(context);
  for (const record of event.Records) {
    try {
      await process(record);
    } catch (error) {
      logger.warn('notification failed', {
        snsMessageId: record.Sns.MessageId,
        topicArn: record.Sns.TopicArn,
        errorType: error instanceof Error ? error.name : typeof error,
        reason: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  }
};
