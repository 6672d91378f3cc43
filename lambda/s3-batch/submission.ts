import { createHash } from 'node:crypto';
import { type BatchClient, ListJobsCommand, SubmitJobCommand } from '@aws-sdk/client-batch';
import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { en } from 'zod/locales';
// zod/mini: the same validation as zod's classic API at a fraction of the bundle size.
import * as z from 'zod/mini';

z.config(en());

/** One uploaded object version, as an S3 event names it. */
export interface ObjectVersion {
  readonly bucket: string;
  readonly key: string;
  readonly eTag: string;
  /** The version id when the bucket is versioned; undefined otherwise. */
  readonly versionId?: string;
  readonly size: number;
}

/** Why a record starts no job: logged, never retried. */
export class SkippedRecord extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'SkippedRecord';
  }
}

/** The fields of an S3 event record the submitter reads; the rest is ignored. */
const RecordSchema = z.object({
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string().check(z.minLength(3), z.maxLength(63)) }),
    object: z.object({
      key: z.string().check(z.minLength(1)),
      size: z.number().check(z.int(), z.nonnegative()),
      eTag: z.string().check(z.regex(/^[0-9a-f]{32}(-\d+)?$/, 'an S3 ETag (32 hex digits, and -parts for multipart uploads)')),
      versionId: z.optional(z.string()),
    }),
  }),
});

/** The settings the submitter validates records against. */
export interface RecordRules {
  readonly inputPrefix: string;
  readonly inputSuffix: string;
  readonly maxObjectBytes: number;
  readonly maxKeyBytes: number;
}

/**
 * The object version an S3 event record is about, validated: an ObjectCreated event, a URL-encoded
 * UTF-8 key under the input prefix with the input suffix, at most `maxKeyBytes` long, without
 * control characters, and an object of at most `maxObjectBytes`. Throws {@link SkippedRecord}.
 */
export function objectVersion(record: unknown, rules: RecordRules): ObjectVersion {
  const parsed = z.safeParse(RecordSchema, record);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'record'}: ${i.message}`).join('; ');
    throw new SkippedRecord(`not an S3 object event: ${fields}`);
  }
  const { eventName, s3 } = parsed.data;
  if (!eventName.startsWith('ObjectCreated:')) throw new SkippedRecord(`event ${eventName} is not an object creation`);
  let key: string;
  try {
    // S3 event keys are URL-encoded, with + for spaces.
    key = decodeURIComponent(s3.object.key.replace(/\+/g, ' '));
  } catch {
    throw new SkippedRecord(`key ${JSON.stringify(s3.object.key)} is not URL-encoded UTF-8`);
  }
  if (Buffer.byteLength(key, 'utf8') > rules.maxKeyBytes) throw new SkippedRecord(`key is longer than ${rules.maxKeyBytes} bytes`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new SkippedRecord(`key ${JSON.stringify(key)} contains control characters`);
  if (
    !key.startsWith(rules.inputPrefix) ||
    !key.endsWith(rules.inputSuffix) ||
    key.length <= rules.inputPrefix.length + rules.inputSuffix.length
  ) {
    throw new SkippedRecord(`key ${JSON.stringify(key)} is not ${rules.inputPrefix}<name>${rules.inputSuffix}`);
  }
  if (s3.object.size > rules.maxObjectBytes) {
    throw new SkippedRecord(`object of ${s3.object.size} bytes is larger than the ${rules.maxObjectBytes} bytes accepted`);
  }
  const versionId = s3.object.versionId && s3.object.versionId !== 'null' ? s3.object.versionId : undefined;
  return { bucket: s3.bucket.name, key, eTag: s3.object.eTag, versionId, size: s3.object.size };
}

/**
 * The object version's identity: its version id in a versioned bucket, else its ETag (the same bytes
 * uploaded again are the same version; an S3 event repeated is the same version).
 */
export function versionOf(object: ObjectVersion): string {
  return object.versionId === undefined ? `etag:${object.eTag}` : `version:${object.versionId}`;
}

/**
 * The Batch job name of an object version: readable (the file name) and unique (a hash of bucket,
 * key and version), at most 128 letters, digits, hyphens and underscores, starting with one of the
 * first two. The same version always gets the same name: the name is the idempotency key.
 */
export function jobNameFor(object: ObjectVersion): string {
  const digest = createHash('sha256')
    // A domain string: names derived some other way cannot collide, and a change of the derivation shows.
    .update('s3-batch-job-name/v1')
    .update('\n')
    .update(object.bucket)
    .update('\n')
    .update(object.key)
    .update('\n')
    .update(versionOf(object))
    .digest('hex')
    .slice(0, 32);
  const file = object.key.slice(object.key.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '');
  const base = file
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `${base || 'object'}-${digest}`;
}

/** Clients and settings of a submission. */
export interface SubmissionContext {
  readonly dynamodb: DynamoDBClient;
  readonly batch: BatchClient;
  readonly tableName: string;
  readonly jobDefinitionArn: string;
  /** How long a claim lasts: a crashed invocation's claim can be taken over after it (the function timeout). */
  readonly leaseSeconds: number;
  /** How long the submission is remembered (DynamoDB TTL). */
  readonly retentionSeconds: number;
  readonly now?: () => number;
}

/** What a submission did. */
export type SubmissionOutcome =
  | { readonly outcome: 'submitted'; readonly jobId: string; readonly recovered: boolean }
  | { readonly outcome: 'duplicate'; readonly jobId: string };

/** Another invocation holds the claim on this object version: retry later (Lambda retries the event). */
export class SubmissionInProgressError extends Error {
  public constructor(jobName: string, until: number) {
    super(`job ${jobName} is being submitted by another invocation (claim until ${new Date(until).toISOString()})`);
    this.name = 'SubmissionInProgressError';
  }
}

type Item = Record<string, { S?: string; N?: string }>;

/**
 * Submits the object version's job exactly once, however often the event arrives and wherever a
 * previous attempt stopped. Batch does not deduplicate job names, so idempotency comes from a
 * conditional write keyed by the job name:
 *
 * 1. claim: put the item if it does not exist (with a lease); if it exists with a job id, the job was
 *    submitted: a duplicate; if its lease is live, another invocation is at work: retry later; if the
 *    lease expired (that invocation crashed), take the claim over with a conditional update;
 * 2. after a takeover only, look the name up with ListJobs: the crashed invocation may have submitted
 *    the job before it could record it;
 * 3. submit the job (or adopt the one found) and record its id on the item.
 */
export async function submitOnce(
  c: SubmissionContext,
  object: ObjectVersion,
  jobName: string,
  jobQueueArn: string,
): Promise<SubmissionOutcome> {
  const now = (c.now ?? Date.now)();
  const leaseUntil = now + c.leaseSeconds * 1000;
  let tookOver = false;
  try {
    await c.dynamodb.send(
      new PutItemCommand({
        TableName: c.tableName,
        Item: {
          id: { S: jobName },
          bucket: { S: object.bucket },
          key: { S: object.key },
          version: { S: versionOf(object) },
          jobQueue: { S: jobQueueArn },
          state: { S: 'CLAIMED' },
          leaseUntil: { N: String(leaseUntil) },
          claimedAt: { S: new Date(now).toISOString() },
          expiresAt: { N: String(Math.floor(now / 1000) + c.retentionSeconds) },
        },
        ConditionExpression: 'attribute_not_exists(id)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    const existing = ((error as { Item?: Item }).Item ?? {}) as Item;
    if (existing.jobId?.S) return { outcome: 'duplicate', jobId: existing.jobId.S };
    const heldUntil = Number(existing.leaseUntil?.N ?? 0);
    if (heldUntil > now) throw new SubmissionInProgressError(jobName, heldUntil);
    try {
      await c.dynamodb.send(
        new UpdateItemCommand({
          TableName: c.tableName,
          Key: { id: { S: jobName } },
          UpdateExpression: 'SET leaseUntil = :lease, takeovers = if_not_exists(takeovers, :zero) + :one',
          ConditionExpression: 'attribute_not_exists(jobId) AND leaseUntil = :held',
          ExpressionAttributeValues: {
            ':lease': { N: String(leaseUntil) },
            ':held': { N: String(heldUntil) },
            ':zero': { N: '0' },
            ':one': { N: '1' },
          },
        }),
      );
    } catch (takeoverError) {
      if ((takeoverError as Error).name === 'ConditionalCheckFailedException') throw new SubmissionInProgressError(jobName, leaseUntil);
      throw takeoverError;
    }
    tookOver = true;
  }

  let jobId = tookOver ? await findJob(c.batch, jobName, jobQueueArn) : undefined;
  const recovered = jobId !== undefined;
  if (jobId === undefined) {
    const submitted = await c.batch.send(
      new SubmitJobCommand({
        jobName,
        jobQueue: jobQueueArn,
        jobDefinition: c.jobDefinitionArn,
        parameters: { bucket: object.bucket, key: object.key, etag: object.eTag, versionId: object.versionId ?? 'null' },
      }),
    );
    jobId = String(submitted.jobId);
  }
  await c.dynamodb.send(
    new UpdateItemCommand({
      TableName: c.tableName,
      Key: { id: { S: jobName } },
      UpdateExpression: 'SET jobId = :jobId, #state = :submitted, submittedAt = :at',
      ConditionExpression: 'attribute_exists(id)',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':jobId': { S: jobId },
        ':submitted': { S: 'SUBMITTED' },
        ':at': { S: new Date((c.now ?? Date.now)()).toISOString() },
      },
    }),
  );
  return { outcome: 'submitted', jobId, recovered };
}

/** The id of the job of this name in the queue, if one was submitted (any state). */
async function findJob(batch: BatchClient, jobName: string, jobQueueArn: string): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await batch.send(
      new ListJobsCommand({ jobQueue: jobQueueArn, filters: [{ name: 'JOB_NAME', values: [jobName] }], nextToken }),
    );
    const found = (page.jobSummaryList ?? []).find((j) => j.jobName?.toLowerCase() === jobName.toLowerCase());
    if (found?.jobId) return found.jobId;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}
