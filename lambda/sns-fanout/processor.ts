import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Context, SNSEvent, SNSEventRecord } from 'aws-lambda';
import { en } from 'zod/locales';
// zod/mini: the same validation as zod's classic API at a fraction of the bundle size.
import * as z from 'zod/mini';
import { type ClaimCheckPolicy, type PayloadFetcher, resolvePayload, s3Fetcher } from '../shared/claim-check';
import { positiveIntEnv, requireEnv, requirePositiveIntEnv } from '../shared/env';
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

/** A notification id already recorded with another payload: a conflict, not a duplicate. */
export class NotificationConflictError extends Error {
  public constructor(id: string) {
    super(`notification ${id} was already recorded with another payload (its SHA-256 differs): not recorded again`);
    this.name = 'NotificationConflictError';
  }
}

const logger = new Logger();
const tableName = requireEnv('DELIVERIES_TABLE_NAME');
const retentionSeconds = positiveIntEnv('DELIVERY_RETENTION_DAYS', 7) * 86_400;
/** Claim checks are read from the stack's payload bucket and prefix only, up to the stack's maximum. */
const claimCheck: ClaimCheckPolicy = {
  bucket: requireEnv('PAYLOAD_BUCKET_NAME'),
  keyPrefix: requireEnv('PAYLOAD_KEY_PREFIX'),
  maxBytes: requirePositiveIntEnv('PAYLOAD_MAX_BYTES'),
};
const dynamodb = new DynamoDBClient({});

// Most notifications are small: the S3 client is loaded the first time a claim check arrives, not at
// every cold start (it would double the function's initialisation time). `require`, not `import()`:
// CommonJS resolution finds the runtime's SDK through NODE_PATH, ES module resolution does not.
let fetchPayload: PayloadFetcher | undefined;
function fetcher(): PayloadFetcher {
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
  const { payload, pointer } = await resolvePayload(sns.Message, attributes, (p, limits) => fetcher()(p, limits), claimCheck);
  const notification = validate(payload);
  const sha256 = createHash('sha256').update(payload, 'utf8').digest('hex');
  const now = Date.now();
  // The effect, idempotent by itself: one conditional PutItem keyed by the event id. A retry or a
  // second delivery finds the first record (returned with the failed condition) and does nothing;
  // another payload under the same id is a conflict.
  try {
    await dynamodb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          id: { S: notification.id },
          kind: { S: notification.kind },
          snsMessageId: { S: sns.MessageId },
          topicArn: { S: sns.TopicArn },
          bytes: { N: String(Buffer.byteLength(payload, 'utf8')) },
          sha256: { S: sha256 },
          claimCheck: { BOOL: pointer !== undefined },
          receivedAt: { S: new Date(now).toISOString() },
          expiresAt: { N: String(Math.floor(now / 1000) + retentionSeconds) },
        },
        ConditionExpression: 'attribute_not_exists(id)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException) || !error.Item) throw error;
    if (error.Item.sha256?.S !== sha256) throw new NotificationConflictError(notification.id);
    logger.info('notification already recorded', {
      id: notification.id,
      snsMessageId: sns.MessageId,
      firstSnsMessageId: error.Item.snsMessageId?.S,
    });
  }
}

/**
 * The Lambda subscriber of the fan-out topic: resolves claim-checked payloads (from the stack's
 * payload bucket only, size-checked before reading), validates the notification, records it once. A failure is logged as one structured line and thrown, so
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
