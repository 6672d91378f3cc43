import { Logger } from '@aws-lambda-powertools/logger';
import { BatchClient } from '@aws-sdk/client-batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, S3Event } from 'aws-lambda';
import { positiveIntEnv, requireEnv } from '../shared/env';
import { jobNameFor, type ObjectVersion, objectVersion, SkippedRecord, submitOnce } from './submission';

const logger = new Logger();
const s3 = new S3Client({});
const dynamodb = new DynamoDBClient({});
const batch = new BatchClient({});

const tableName = requireEnv('SUBMISSIONS_TABLE_NAME');
const jobQueueArn = requireEnv('JOB_QUEUE_ARN');
const largeObjectJobQueueArn = requireEnv('LARGE_OBJECT_JOB_QUEUE_ARN');
const jobDefinitionArn = requireEnv('JOB_DEFINITION_ARN');
const rules = {
  inputPrefix: requireEnv('INPUT_PREFIX'),
  inputSuffix: process.env.INPUT_SUFFIX ?? '',
  maxObjectBytes: positiveIntEnv('MAX_OBJECT_BYTES', 5 * 1024 ** 3),
  maxKeyBytes: 1024,
};
const largeObjectBytes = positiveIntEnv('LARGE_OBJECT_BYTES', 1024 ** 3);
const contentTypes = new Set(
  requireEnv('CONTENT_TYPES')
    .split(',')
    .map((t) => t.trim()),
);
const submission = {
  dynamodb,
  batch,
  tableName,
  jobDefinitionArn,
  leaseSeconds: positiveIntEnv('CLAIM_LEASE_SECONDS', 30),
  retentionSeconds: positiveIntEnv('SUBMISSION_RETENTION_DAYS', 30) * 86_400,
};

/** Checks the object as it is now: still this version (not overwritten or deleted), of an accepted content type. */
async function checkObject(object: ObjectVersion): Promise<void> {
  let head: { ETag?: string; ContentType?: string };
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: object.bucket, Key: object.key, VersionId: object.versionId }));
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'NotFound' || name === 'NoSuchKey' || name === 'NoSuchVersion') {
      throw new SkippedRecord('the object was deleted after the event');
    }
    throw error;
  }
  if (object.versionId === undefined && head.ETag?.replace(/"/g, '') !== object.eTag) {
    throw new SkippedRecord(`the object was overwritten after the event (ETag ${head.ETag}): its newer version has an event of its own`);
  }
  const contentType = (head.ContentType ?? '').split(';')[0].trim().toLowerCase();
  if (!contentTypes.has(contentType)) {
    throw new SkippedRecord(`content type ${JSON.stringify(head.ContentType ?? '')} is not one of ${[...contentTypes].join(', ')}`);
  }
}

/**
 * S3 invokes this (asynchronously) for each object created under the input prefix with the input
 * suffix. Each record is validated and its object version gets exactly one Batch job; a record that
 * cannot start a job (bad key, too large, wrong content type, deleted or overwritten since) is logged
 * and skipped. Anything else (throttling after the SDK's retries, a service error) is thrown, so
 * Lambda retries the event and finally sends it to the failure queue.
 */
export const handler = async (event: S3Event, context: Context): Promise<void> => {
  logger.addContext(context);
  for (const record of event.Records ?? []) {
    const raw = { key: record.s3?.object?.key, eTag: record.s3?.object?.eTag };
    try {
      const object = objectVersion(record, rules);
      await checkObject(object);
      const jobName = jobNameFor(object);
      const large = object.size >= largeObjectBytes;
      const queue = large ? largeObjectJobQueueArn : jobQueueArn;
      const done = await submitOnce(submission, object, jobName, queue);
      const facts = { jobName, jobId: done.jobId, bucket: object.bucket, key: object.key, eTag: object.eTag, size: object.size };
      if (done.outcome === 'duplicate') {
        logger.info('duplicate event: the job of this object version was submitted before', facts);
      } else {
        logger.info(done.recovered ? 'job found after a takeover and recorded' : 'job submitted', {
          ...facts,
          queue: large ? 'large-object' : 'standard',
        });
      }
    } catch (error) {
      if (error instanceof SkippedRecord) {
        logger.warn('object skipped', { ...raw, reason: error.message });
        continue;
      }
      logger.error('submission failed', {
        ...raw,
        errorType: error instanceof Error ? error.name : typeof error,
        reason: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  }
};
