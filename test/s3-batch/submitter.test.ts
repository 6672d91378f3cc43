import { BatchClient, ListJobsCommand, SubmitJobCommand } from '@aws-sdk/client-batch';
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import type { Context, S3Event } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { jobNameFor, type ObjectVersion, objectVersion, SkippedRecord } from '../../lambda/s3-batch/submission';

process.env.SUBMISSIONS_TABLE_NAME = 'submissions';
process.env.JOB_QUEUE_ARN = 'arn:aws:batch:us-east-1:1:job-queue/jobs';
process.env.LARGE_OBJECT_JOB_QUEUE_ARN = 'arn:aws:batch:us-east-1:1:job-queue/large';
process.env.JOB_DEFINITION_ARN = 'arn:aws:batch:us-east-1:1:job-definition/job:1';
process.env.INPUT_PREFIX = 'incoming/';
process.env.INPUT_SUFFIX = '.csv';
process.env.LARGE_OBJECT_BYTES = '1000';
process.env.MAX_OBJECT_BYTES = '5000';
process.env.CONTENT_TYPES = 'text/csv,text/plain';
process.env.CLAIM_LEASE_SECONDS = '30';
process.env.POWERTOOLS_DEV = 'true';

const ETAG = '0123456789abcdef0123456789abcdef';
const RULES = { inputPrefix: 'incoming/', inputSuffix: '.csv', maxObjectBytes: 5000, maxKeyBytes: 1024 };

function record(key: string, overrides: { size?: number; eTag?: string; eventName?: string; versionId?: string } = {}) {
  return {
    eventName: overrides.eventName ?? 'ObjectCreated:Put',
    s3: {
      bucket: { name: 'data-bucket' },
      object: {
        key,
        size: overrides.size ?? 10,
        eTag: overrides.eTag ?? ETAG,
        ...(overrides.versionId ? { versionId: overrides.versionId } : {}),
      },
    },
  };
}

describe('S3 event records: what starts a job and what is skipped', () => {
  test('a valid record: key URL-decoded (+ is a space), version from the ETag when the bucket is not versioned', () => {
    expect(objectVersion(record('incoming/a+b%C3%A9.csv'), RULES)).toEqual({
      bucket: 'data-bucket',
      key: 'incoming/a bé.csv',
      eTag: ETAG,
      size: 10,
      versionId: undefined,
    });
    expect(objectVersion(record('incoming/a.csv', { versionId: 'v1' }), RULES).versionId).toBe('v1');
    expect(objectVersion(record('incoming/a.csv', { versionId: 'null' }), RULES).versionId).toBeUndefined();
  });

  test.each([
    ['not an S3 event', { foo: 1 }, /^not an S3 object event: eventName: /],
    [
      'an object removal',
      record('incoming/a.csv', { eventName: 'ObjectRemoved:Delete' }),
      /^event ObjectRemoved:Delete is not an object creation$/,
    ],
    ['a key that is not URL-encoded UTF-8', record('incoming/%E0%A4%A.csv'), /is not URL-encoded UTF-8$/],
    ['a key with control characters', record('incoming/a%0Ab.csv'), /contains control characters$/],
    ['a key outside the input prefix', record('elsewhere/a.csv'), /is not incoming\/<name>\.csv$/],
    ['a key without the suffix', record('incoming/a.txt'), /is not incoming\/<name>\.csv$/],
    ['the bare prefix and suffix', record('incoming/.csv'), /is not incoming\/<name>\.csv$/],
    ['a key over 1,024 bytes', record(`incoming/${'é'.repeat(600)}.csv`), /^key is longer than 1024 bytes$/],
    [
      'an object over the size limit',
      record('incoming/a.csv', { size: 5001 }),
      /^object of 5001 bytes is larger than the 5000 bytes accepted$/,
    ],
    ['an ETag that is not one', record('incoming/a.csv', { eTag: 'xyz' }), /eTag: an S3 ETag/],
  ])('%s', (_name, input, reason) => {
    expect(() => objectVersion(input, RULES)).toThrow(SkippedRecord);
    expect(() => objectVersion(input, RULES)).toThrow(reason);
  });
});

describe('job names', () => {
  const object: ObjectVersion = { bucket: 'b', key: 'incoming/2024/Report (final).csv', eTag: ETAG, size: 1 };

  test('readable, unique per version, valid for Batch, the same for the same version', () => {
    const name = jobNameFor(object);
    expect(name).toMatch(/^Report-final-[0-9a-f]{32}$/);
    expect(jobNameFor({ ...object })).toBe(name);
    expect(jobNameFor({ ...object, eTag: 'f'.repeat(32) })).not.toBe(name);
    expect(jobNameFor({ ...object, versionId: 'v2' })).not.toBe(name);
    expect(jobNameFor({ ...object, bucket: 'other' })).not.toBe(name);
    expect(jobNameFor({ ...object, key: 'incoming/2025/Report (final).csv' })).not.toBe(name);
  });

  test('any key gives a valid name: at most 128 characters, letters, digits, - and _, starting with a letter or digit', () => {
    for (const key of ['incoming/.csv', 'incoming/---.csv', 'incoming/日本語.csv', `incoming/${'x'.repeat(900)}.csv`, 'incoming/_a.csv']) {
      const name = jobNameFor({ ...object, key });
      expect([key, /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(name)]).toEqual([key, true]);
    }
  });
});

describe('submitter handler', () => {
  type Handler = (event: S3Event, context: Context) => Promise<void>;
  let handler: Handler;
  const s3 = mockClient(S3Client);
  const dynamodb = mockClient(DynamoDBClient);
  const batch = mockClient(BatchClient);
  const items = new Map<string, Record<string, { S?: string; N?: string }>>();
  const jobs: Array<{ jobName: string; jobId: string; jobQueue: string; parameters: Record<string, string> }> = [];
  const logged: Array<Record<string, unknown>> = [];
  let now = Date.parse('2026-01-01T00:00:00Z');
  /** Calls that fail once, the next time they are made (fault injection). */
  const failNext = new Set<string>();

  const fail = (name: string) => {
    if (!failNext.delete(name)) return;
    throw Object.assign(new Error(`${name} failed (injected)`), { name: 'ServiceUnavailable' });
  };
  const context = { awsRequestId: 'r', functionName: 'submitter', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
  const event = (key: string, overrides: Parameters<typeof record>[1] = {}) =>
    ({ Records: [record(key, overrides)] }) as unknown as S3Event;

  beforeAll(() => {
    for (const level of ['info', 'warn', 'error'] as const) {
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(JSON.parse(String(args[0])));
      });
    }
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    handler = require('../../lambda/s3-batch/submitter').handler as Handler;
  });
  afterAll(() => jest.restoreAllMocks());

  beforeEach(() => {
    items.clear();
    jobs.length = 0;
    logged.length = 0;
    failNext.clear();
    s3.reset();
    dynamodb.reset();
    batch.reset();
    s3.on(HeadObjectCommand).callsFake((input) => {
      fail('HeadObject');
      if (String(input.Key).includes('deleted')) throw new NotFound({ message: 'Not Found', $metadata: {} });
      if (String(input.Key).includes('overwritten')) return { ETag: `"${'f'.repeat(32)}"`, ContentType: 'text/csv' };
      if (String(input.Key).includes('picture')) return { ETag: `"${ETAG}"`, ContentType: 'image/png' };
      return { ETag: `"${ETAG}"`, ContentType: 'text/csv; charset=utf-8' };
    });
    // A table with the conditional semantics the submitter relies on.
    dynamodb.on(PutItemCommand).callsFake((input) => {
      fail('PutItem');
      const id = String(input.Item.id.S);
      const existing = items.get(id);
      if (existing && input.ConditionExpression === 'attribute_not_exists(id)') {
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? (existing as never) : undefined,
        });
      }
      items.set(id, { ...input.Item });
      return {};
    });
    dynamodb.on(UpdateItemCommand).callsFake((input) => {
      const id = String(input.Key.id.S);
      const item = items.get(id);
      const values = input.ExpressionAttributeValues ?? {};
      const ccf = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      if (String(input.UpdateExpression).includes('jobId')) {
        fail('UpdateItem(record)');
        if (!item) throw ccf();
        items.set(id, { ...item, jobId: values[':jobId'], state: values[':submitted'], submittedAt: values[':at'] });
      } else {
        fail('UpdateItem(takeover)');
        if (!item || item.jobId || item.leaseUntil?.N !== values[':held'].N) throw ccf();
        items.set(id, { ...item, leaseUntil: values[':lease'], takeovers: { N: String(Number(item.takeovers?.N ?? 0) + 1) } });
      }
      return {};
    });
    batch.on(SubmitJobCommand).callsFake((input) => {
      fail('SubmitJob');
      const job = {
        jobName: String(input.jobName),
        jobId: `job-${jobs.length + 1}`,
        jobQueue: String(input.jobQueue),
        parameters: input.parameters ?? {},
      };
      jobs.push(job);
      return { jobId: job.jobId, jobName: job.jobName, jobArn: `arn:job/${job.jobId}` };
    });
    batch.on(ListJobsCommand).callsFake((input) => {
      fail('ListJobs');
      const name = String(input.filters?.[0]?.values?.[0]).toLowerCase();
      return {
        jobSummaryList: jobs
          .filter((j) => j.jobQueue === input.jobQueue && j.jobName.toLowerCase() === name)
          .map((j) => ({ jobId: j.jobId, jobName: j.jobName })),
      };
    });
  });

  test('submits one job with the object as parameters, and records it', async () => {
    await handler(event('incoming/a.csv'), context);
    expect(jobs).toEqual([
      {
        jobName: jobNameFor({ bucket: 'data-bucket', key: 'incoming/a.csv', eTag: ETAG, size: 10 }),
        jobId: 'job-1',
        jobQueue: process.env.JOB_QUEUE_ARN,
        parameters: { bucket: 'data-bucket', key: 'incoming/a.csv', etag: ETAG, versionId: 'null' },
      },
    ]);
    expect(batch.commandCalls(SubmitJobCommand)[0].args[0].input.jobDefinition).toBe(process.env.JOB_DEFINITION_ARN);
    expect([...items.values()][0]).toMatchObject({ state: { S: 'SUBMITTED' }, jobId: { S: 'job-1' }, key: { S: 'incoming/a.csv' } });
    expect(batch.commandCalls(ListJobsCommand)).toHaveLength(0);
  });

  test('objects of LARGE_OBJECT_BYTES or more go to the large-object queue', async () => {
    await handler(event('incoming/small.csv', { size: 999 }), context);
    await handler(event('incoming/big.csv', { size: 1000 }), context);
    expect(jobs.map((j) => j.jobQueue)).toEqual([process.env.JOB_QUEUE_ARN, process.env.LARGE_OBJECT_JOB_QUEUE_ARN]);
  });

  test('a repeated event, or the same bytes uploaded again, starts no second job', async () => {
    await handler(event('incoming/a.csv'), context);
    now += 60_000;
    await handler(event('incoming/a.csv'), context);
    expect(jobs).toHaveLength(1);
    expect(logged.map((l) => l.message)).toEqual(['job submitted', 'duplicate event: the job of this object version was submitted before']);
    // A new version (other bytes: another ETag) is another job.
    s3.on(HeadObjectCommand).resolves({ ETag: `"${'f'.repeat(32)}"`, ContentType: 'text/csv' });
    await handler(event('incoming/a.csv', { eTag: 'f'.repeat(32) }), context);
    expect(jobs).toHaveLength(2);
  });

  test.each([
    ['a refused content type', 'incoming/picture.csv', /^content type "image\/png" is not one of text\/csv, text\/plain$/],
    ['an object deleted after the event', 'incoming/deleted.csv', /^the object was deleted after the event$/],
    ['an object overwritten after the event', 'incoming/overwritten.csv', /^the object was overwritten after the event/],
    ['a bad key', 'incoming/%E0%A4%A.csv', /is not URL-encoded UTF-8$/],
  ])('%s is logged and skipped, not retried', async (_name, key, reason) => {
    await expect(handler(event(key), context)).resolves.toBeUndefined();
    expect(jobs).toEqual([]);
    expect(logged).toEqual([
      expect.objectContaining({ level: 'WARN', message: 'object skipped', key, reason: expect.stringMatching(reason) }),
    ]);
  });

  test.each(['HeadObject', 'PutItem', 'SubmitJob', 'UpdateItem(record)'])(
    'fault injection: %s fails once; Lambda retries the event; exactly one job, recorded',
    async (call) => {
      failNext.add(call);
      await expect(handler(event('incoming/a.csv'), context)).rejects.toThrow(`${call} failed (injected)`);
      expect(logged.at(-1)).toMatchObject({
        level: 'ERROR',
        message: 'submission failed',
        key: 'incoming/a.csv',
        errorType: 'ServiceUnavailable',
      });
      // Lambda's first retry comes about a minute later, after the claim's 30-second lease.
      now += 60_000;
      await handler(event('incoming/a.csv'), context);
      expect(jobs).toHaveLength(1);
      expect([...items.values()]).toEqual([expect.objectContaining({ jobId: { S: 'job-1' }, state: { S: 'SUBMITTED' } })]);
    },
  );

  test('a crash after SubmitJob, before the job is recorded: the retry finds the job by name instead of submitting again', async () => {
    failNext.add('UpdateItem(record)');
    await expect(handler(event('incoming/a.csv'), context)).rejects.toThrow();
    expect(jobs).toHaveLength(1);
    now += 60_000;
    await handler(event('incoming/a.csv'), context);
    expect(jobs).toHaveLength(1);
    expect(batch.commandCalls(ListJobsCommand)).toHaveLength(1);
    expect(logged.at(-1)).toMatchObject({ message: 'job found after a takeover and recorded', jobId: 'job-1' });
  });

  test('a takeover whose ListJobs fails is taken over again later', async () => {
    failNext.add('UpdateItem(record)');
    await expect(handler(event('incoming/a.csv'), context)).rejects.toThrow();
    now += 60_000;
    failNext.add('ListJobs');
    await expect(handler(event('incoming/a.csv'), context)).rejects.toThrow('ListJobs failed (injected)');
    now += 60_000;
    await handler(event('incoming/a.csv'), context);
    expect(jobs).toHaveLength(1);
    expect([...items.values()][0]).toMatchObject({ jobId: { S: 'job-1' }, takeovers: { N: '2' } });
  });

  test('while another invocation holds the claim, the event is retried later, not submitted twice', async () => {
    failNext.add('SubmitJob');
    await expect(handler(event('incoming/a.csv'), context)).rejects.toThrow('SubmitJob failed (injected)');
    // Within the lease (the first invocation could still be at work): no submission, an error Lambda retries.
    now += 10_000;
    await expect(handler(event('incoming/a.csv'), context)).rejects.toThrow(/is being submitted by another invocation/);
    expect(jobs).toHaveLength(0);
    now += 60_000;
    await handler(event('incoming/a.csv'), context);
    expect(jobs).toHaveLength(1);
  });
});
