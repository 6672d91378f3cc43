import { type AttributeValue, DeleteItemCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { deleteMessages, releaseMessages } from './queue-messages';

// What scenarios use to remove the test data of a run (see `Run.cleanup`). Each removes only what it
// is given or what matches the run's own keys, and says how much it found.

/** Runs `fn` on every item, `concurrency` at a time. */
async function each<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** Deletes items by their keys (DeleteItem, a few at a time); returns how many existed. */
export async function deleteItems(
  dynamodb: DynamoDBClient,
  tableName: string,
  keys: ReadonlyArray<Record<string, AttributeValue>>,
): Promise<number> {
  let existed = 0;
  await each(keys, 8, async (Key) => {
    const deleted = await dynamodb.send(new DeleteItemCommand({ TableName: tableName, Key, ReturnValues: 'ALL_OLD' }));
    if (deleted.Attributes) existed++;
  });
  return existed;
}

/**
 * The keys (`keyNames`) of the items whose string attribute `attribute` starts with `prefix`: a
 * filtered Scan, for items the stack wrote under keys the scenario cannot compute (a hash of an
 * object version) but that carry the run's id in another attribute.
 */
export async function scanKeys(
  dynamodb: DynamoDBClient,
  tableName: string,
  keyNames: readonly string[],
  attribute: string,
  prefix: string,
): Promise<Array<Record<string, AttributeValue>>> {
  const keys: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(#a, :p)',
        ExpressionAttributeNames: { '#a': attribute },
        ExpressionAttributeValues: { ':p': { S: prefix } },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    for (const item of page.Items ?? []) keys.push(Object.fromEntries(keyNames.map((k) => [k, item[k]])));
    start = page.LastEvaluatedKey;
  } while (start);
  return keys;
}

/** Deletes objects by key (DeleteObjects, 1000 per call); fails when S3 reports a key it could not delete. */
export async function deleteObjects(s3: S3Client, bucket: string, keys: readonly string[]): Promise<number> {
  for (let i = 0; i < keys.length; i += 1000) {
    const result = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }),
    );
    const failed = result.Errors ?? [];
    if (failed.length)
      throw new Error(`${failed.length} objects not deleted, first ${failed[0].Key}: ${failed[0].Code} ${failed[0].Message ?? ''}`);
  }
  return keys.length;
}

/** The keys of the objects under `prefix`. */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Deletes every object under `prefix` (a folder of the run's own); returns how many there were. */
export async function deletePrefix(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  return deleteObjects(s3, bucket, await listKeys(s3, bucket, prefix));
}

/** Options of {@link drainMessages}. */
export interface DrainOptions {
  /**
   * Long-poll seconds of each receive: 1 on AWS (a short poll samples only some servers and may
   * miss a message), 0 locally.
   */
  readonly waitSeconds: number;
  /**
   * Receives at most, however many messages keep coming.
   * @default 100
   */
  readonly maxReceives?: number;
}

/**
 * Deletes the messages of a queue that `mine` accepts (the run's own, by its id in the body) and
 * returns how many. Other messages are held invisible while the queue is read to its end (so that
 * the run's own behind them are reached), then made visible again: they are someone else's. A
 * message in flight elsewhere (a consumer working on it) cannot be seen, so this is best effort.
 */
export async function drainMessages(
  sqs: SQSClient,
  queueUrl: string,
  mine: (m: Message) => boolean,
  options: DrainOptions,
): Promise<number> {
  const others: Message[] = [];
  let deleted = 0;
  try {
    for (let i = 0; i < (options.maxReceives ?? 100); i++) {
      const messages =
        (
          await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: queueUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: options.waitSeconds,
              VisibilityTimeout: 30,
            }),
          )
        ).Messages ?? [];
      if (messages.length === 0) break;
      const found = messages.filter(mine);
      await deleteMessages(sqs, queueUrl, found);
      deleted += found.length;
      others.push(...messages.filter((m) => !found.includes(m)));
    }
  } finally {
    await releaseMessages(sqs, queueUrl, others);
  }
  return deleted;
}

/** Drains the run's messages from several queues at once; the detail line names the queues where some were left. */
export async function drainQueues(
  sqs: SQSClient,
  queueUrls: readonly string[],
  mine: (m: Message) => boolean,
  options: DrainOptions,
): Promise<string> {
  const counts = await Promise.all(queueUrls.map(async (url) => [url, await drainMessages(sqs, url, mine, options)] as const));
  const left = counts.filter(([, n]) => n > 0);
  const total = left.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return `none left in ${queueUrls.length === 1 ? 'the queue' : `${queueUrls.length} queues`}`;
  return `${total} deleted (${left.map(([url, n]) => `${n} from ${url.split('/').pop()}`).join(', ')})`;
}

/** How a drain should poll on a target: long polls on AWS, short ones locally. */
export function drainOptions(target: { readonly name: 'local' | 'aws' }): DrainOptions {
  return { waitSeconds: target.name === 'aws' ? 1 : 0 };
}

/** `1 object`, `3 objects`. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** `n deleted`, or `n of m deleted (the others were never written)` when fewer existed than were looked for. */
export function deletedOf(existed: number, lookedFor: number, what = 'deleted'): string {
  return existed === lookedFor ? `${existed} ${what}` : `${existed} of ${lookedFor} ${what} (the others were never written)`;
}
