import { createHash } from 'node:crypto';
import {
  BatchClient,
  DescribeJobsCommand,
  type JobDetail,
  ListJobsCommand,
  SubmitJobCommand,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { requireOutput, type Target } from '../local/target';
import { deleteItems, deletePrefix, drainOptions, drainQueues, plural, scanKeys } from './cleanup';
import { deleteMessages, releaseMessages } from './queue-messages';
import { expectThat, Run, runId, type ScenarioDefinition, ScenarioError, type ScenarioResult } from './scenario';

/** The stack this scenario exercises. */
export const S3_BATCH_STACK = 'Decoupling-S3Batch';

/** The queues where the job state changes and submitter failures of a run can end. */
const EVENT_QUEUE_OUTPUTS = [
  'NotificationQueueUrl',
  'NotificationDeadLetterQueueUrl',
  'FailedJobsQueueUrl',
  'EventsDeadLetterQueueUrl',
  'SubmitterFailuresQueueUrl',
];

/** The parts of the scenario; tests run some of them on purpose-broken stacks. */
export type S3BatchPart = 'jobs' | 'duplicate' | 'retries' | 'events';

/** Options of {@link runS3BatchScenario}. */
export interface S3BatchScenarioOptions {
  readonly report?: (line: string) => void;
  /** @default 'Decoupling-S3Batch' */
  readonly stackName?: string;
  /**
   * Size of the large upload, in bytes.
   * @default 3145728 (3 MiB)
   */
  readonly largeObjectBytes?: number;
  /**
   * Which parts run: `jobs` (uploads, one job each, results, a file that is not text), `duplicate`
   * (the same version uploaded again starts no second job), `retries` (a failing job retried as the
   * definition says), `events` (the outcomes of the run's jobs in the notification and failed-jobs queues).
   * @default all four
   */
  readonly parts?: readonly S3BatchPart[];
}

/** One upload of the run. */
interface Upload {
  readonly name: string;
  readonly key: string;
  readonly body: Buffer;
  readonly contentType: string;
  /** What the job should do with it. */
  readonly expect: 'result' | 'fail' | 'no-job';
}

/** A progress-driven wait: fails when `idleSeconds` pass without anything new, or after `capSeconds` in all. */
interface Patience {
  readonly idleSeconds: number;
  readonly capSeconds: number;
}

/**
 * The S3 -> Lambda -> Batch scenario: upload objects (an empty one, a small one, a large one, one that
 * is not text, one of a content type the submitter refuses); each accepted upload starts exactly one
 * job, on the queue its size says, and the text ones write a result with the right checksum and
 * counts; the same version uploaded again starts no second job; a job whose object is not text fails
 * at once (the definition's EXIT rule), a job whose object cannot be read is retried as the
 * definition says, and both FAILED events reach the notification queue and the failed-jobs queue
 * through EventBridge, where no non-final state change arrives. On AWS the waits follow the jobs'
 * progress (Fargate takes about a minute per attempt).
 */
export async function runS3BatchScenario(target: Target, options: S3BatchScenarioOptions = {}): Promise<ScenarioResult> {
  const run = new Run('s3-batch', target, options.report);
  const stackName = options.stackName ?? S3_BATCH_STACK;
  const parts = new Set<S3BatchPart>(options.parts ?? ['jobs', 'duplicate', 'retries', 'events']);
  const s3 = new S3Client({ ...target.clientConfig('s3') });
  const sqs = new SQSClient(target.clientConfig('sqs'));
  const batch = new BatchClient(target.clientConfig('batch'));
  const logs = new CloudWatchLogsClient(target.clientConfig('logs'));
  const dynamodb = new DynamoDBClient(target.clientConfig('dynamodb'));
  try {
    const outputs = await target.outputs(stackName);
    const out = (key: string) => requireOutput(outputs, stackName, key);
    const id = runId();
    const bucket = out('BucketName');
    const inputPrefix = `${out('InputPrefix')}${id}/`;
    const suffix = out('InputSuffix');
    const queues = [out('JobQueueArn'), out('LargeObjectJobQueueArn')];
    const largeObjectBytes = Number(out('LargeObjectBytes'));
    // Fargate starts a job in about a minute and retries take as long again; locally a job is a process.
    const patience: Patience = { idleSeconds: target.slackSeconds, capSeconds: target.name === 'aws' ? 1800 : 120 };
    const since = Date.now() - 5 * 60 * 1000;
    const c: Context = { s3, sqs, batch, logs, queues, since, keyPrefix: inputPrefix, patience, cycleSeconds: target.cycleSeconds };
    // Everything the run makes the stack write is under its id; removed when the run ends, in the
    // reverse order: the run's unfinished jobs stopped, their results and events removed, then the
    // submitter's records and the uploads.
    run.cleanup("this run's uploads", async () => `${plural(await deletePrefix(s3, bucket, inputPrefix), 'object')} deleted`);
    run.cleanup("the submitter's records of this run's uploads", async () => {
      const table = out('SubmissionsTableName');
      const keys = await scanKeys(dynamodb, table, ['id'], 'key', inputPrefix);
      return `${await deleteItems(dynamodb, table, keys)} deleted`;
    });
    run.cleanup("this run's job state changes and failures left in the queues", async () => {
      // An event names its job by id (and the job's key, under the run's prefix); a submitter failure names the key.
      const jobIds = [...(await jobsOfRun(c)).values()].flat().map((j) => String(j.jobId));
      const mine = (m: Message) => m.Body !== undefined && (m.Body.includes(id) || jobIds.some((jobId) => m.Body?.includes(jobId)));
      return drainQueues(
        sqs,
        EVENT_QUEUE_OUTPUTS.map((key) => out(key)),
        mine,
        drainOptions(target),
      );
    });
    run.cleanup(
      "the results of this run's jobs",
      async () => `${plural(await deletePrefix(s3, bucket, `${out('OutputPrefix')}${id}/`), 'object')} deleted`,
    );
    run.cleanup("this run's unfinished jobs", async () => {
      const ids = [...(await jobsOfRun(c)).values()].flat().map((j) => String(j.jobId));
      const unfinished = (await describe(c, ids)).filter((j) => j.status !== 'SUCCEEDED' && j.status !== 'FAILED');
      for (const job of unfinished) {
        await batch.send(new TerminateJobCommand({ jobId: job.jobId, reason: 'the scenario that started it ended' }));
      }
      return unfinished.length
        ? `${unfinished.length} terminated (${unfinished.map((j) => `${j.jobName} ${j.status}`).join(', ')})`
        : 'none';
    });

    await run.step('the stack runs jobs on managed compute', async () => {
      const kind = out('ComputeKind');
      expectThat(
        kind !== 'unmanaged',
        'ComputeKind = unmanaged: register ECS container instances with the compute environment first; until then every job waits in RUNNABLE',
      );
      return `${kind} compute; objects of ${largeObjectBytes} bytes or more go to the large-object queue`;
    });

    const uploads: Upload[] = [
      { name: 'empty', body: Buffer.alloc(0), contentType: 'text/csv', expect: 'result' },
      {
        name: 'small',
        body: Buffer.from('id,name,city\n1,Zoë,Zürich\n2,Ωmega,Αθήνα\n3,no newline,at the end', 'utf8'),
        contentType: 'text/csv; charset=utf-8',
        expect: 'result',
      },
      { name: 'large', body: largeText(options.largeObjectBytes ?? 3 * 1024 * 1024), contentType: 'text/csv', expect: 'result' },
      {
        name: 'binary',
        body: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0xfe, 0x00, 0x10]),
        contentType: 'text/csv',
        expect: 'fail',
      },
      { name: 'picture', body: Buffer.from('not really a picture\n'), contentType: 'image/png', expect: 'no-job' },
    ].map((u) => ({ ...u, expect: u.expect as Upload['expect'], key: `${inputPrefix}${u.name}${suffix}` }));
    const selected = uploads.filter((u) => parts.has('jobs') || (parts.has('duplicate') && u.name === 'small'));
    const accepted = selected.filter((u) => u.expect !== 'no-job');
    let jobs = new Map<string, JobDetail[]>();

    let missingJobId: string | undefined;
    const what = [
      ...(selected.length ? [`upload ${selected.map((u) => `${u.name} (${u.body.length} bytes)`).join(', ')}`] : []),
      ...(parts.has('retries') ? ['submit a job for an object that does not exist'] : []),
    ];
    await run.step(what.join(', and '), async () => {
      for (const u of selected) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: u.key, Body: u.body, ContentType: u.contentType }));
      }
      run.counters.sent += selected.length;
      if (parts.has('retries')) {
        // Submitted directly (as an operator replaying an event would): its object is missing, so every attempt fails.
        const submitted = await batch.send(
          new SubmitJobCommand({
            jobName: `scenario-missing-${id}`,
            jobQueue: queues[0],
            jobDefinition: out('JobDefinitionArn'),
            parameters: { bucket, key: `${inputPrefix}missing${suffix}`, etag: '0'.repeat(32), versionId: 'null' },
          }),
        );
        missingJobId = String(submitted.jobId);
        run.counters.sent++;
      }
      return `${selected.length} objects under ${inputPrefix}${missingJobId ? `; job ${missingJobId} for a missing object` : ''}`;
    });

    if (accepted.length > 0)
      await run.step('each accepted upload starts exactly one job, on the queue its size says', async () => {
        jobs = await waitFor(c, `one job for each of ${accepted.map((u) => u.name).join(', ')}`, async () => {
          const found = await jobsOfRun(c);
          return { value: accepted.every((u) => (found.get(u.key) ?? []).length > 0) ? found : undefined, progress: count(found) };
        });
        // One more look after a cycle, so that a late second job would be noticed.
        await sleep(target.cycleSeconds);
        jobs = await jobsOfRun(c);
        for (const u of accepted) {
          const mine = jobs.get(u.key) ?? [];
          expectThat(mine.length === 1, `${u.name}: ${mine.length} jobs (${mine.map((j) => j.jobName).join(', ')}), expected exactly one`);
          const expectedQueue = u.body.length >= largeObjectBytes ? queues[1] : queues[0];
          expectThat(
            mine[0].jobQueue === expectedQueue,
            `${u.name} (${u.body.length} bytes) went to ${mine[0].jobQueue}, expected ${expectedQueue}`,
          );
        }
        return accepted.map((u) => `${u.name} -> ${jobs.get(u.key)?.[0].jobName}`).join(', ');
      });

    if (parts.has('jobs')) {
      await run.step('the upload of a refused content type starts no job, and the submitter logs why', async () => {
        const picture = uploads.find((u) => u.expect === 'no-job') as Upload;
        const line = await waitFor(c, `the submitter's log line about ${picture.key}`, async () => {
          const lines = await logLines(c, out('SubmitterLogGroupName'), picture.key);
          return { value: lines.find((l) => l.includes('object skipped')), progress: String(lines.length) };
        });
        const found = await jobsOfRun(c);
        expectThat(!found.has(picture.key), `${picture.name} started a job`);
        return `skipped: ${JSON.parse(line).reason}`;
      });

      await run.step('every job of a text object SUCCEEDED and wrote its checksum and counts', async () => {
        const texts = accepted.filter((u) => u.expect === 'result');
        const done = await waitForJobs(
          c,
          texts.map((u) => jobOf(jobs, u)),
        );
        for (const u of texts) {
          const job = done.get(jobOf(jobs, u).jobId as string) as JobDetail;
          expectThat(job.status === 'SUCCEEDED', `${u.name}: job ${job.jobName} ${job.status} (${job.statusReason})`);
          const key = `${out('OutputPrefix')}${u.key.slice(out('InputPrefix').length)}.json`;
          const result = JSON.parse(
            (await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString('utf8')) ?? '{}',
          ) as {
            sha256?: string;
            bytes?: number;
            records?: number;
            jobId?: string;
          };
          const expected = { sha256: createHash('sha256').update(u.body).digest('hex'), bytes: u.body.length, records: records(u.body) };
          expectThat(
            result.sha256 === expected.sha256 && result.bytes === expected.bytes && result.records === expected.records,
            `${u.name}: result ${JSON.stringify({ sha256: result.sha256, bytes: result.bytes, records: result.records })}, expected ${JSON.stringify(expected)}`,
          );
          expectThat(result.jobId === job.jobId, `${u.name}: the result names job ${result.jobId}, not ${job.jobId}`);
        }
        run.counters.processed += texts.length;
        return texts.map((u) => `${u.name}: ${u.body.length} bytes, ${records(u.body)} records`).join('; ');
      });
    }

    if (parts.has('duplicate')) {
      await run.step('uploading the same version again starts no second job', async () => {
        const small = uploads.find((u) => u.name === 'small') as Upload;
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: small.key, Body: small.body, ContentType: small.contentType }));
        run.counters.sent++;
        const outcome = await waitFor(c, `the submitter to see the second upload of ${small.name}`, async () => {
          const found = (await jobsOfRun(c)).get(small.key) ?? [];
          if (found.length > 1) return { value: found, progress: String(found.length) };
          const lines = await logLines(c, out('SubmitterLogGroupName'), small.key);
          return { value: lines.some((l) => l.includes('duplicate event')) ? found : undefined, progress: String(lines.length) };
        });
        await sleep(target.cycleSeconds);
        const after = (await jobsOfRun(c)).get(small.key) ?? outcome;
        expectThat(after.length === 1, `uploading the same version again started a second job: ${after.map((j) => j.jobName).join(', ')}`);
        return `the submitter recognised job ${after[0].jobName} and submitted nothing`;
      });
    }

    const failed: JobDetail[] = [];
    if (parts.has('jobs')) {
      await run.step('a job whose object is not text fails at once: exit 65 matches the definition’s EXIT rule', async () => {
        const binary = uploads.find((u) => u.name === 'binary') as Upload;
        const job = (await waitForJobs(c, [jobOf(jobs, binary)])).get(jobOf(jobs, binary).jobId as string) as JobDetail;
        expectAttempts(job, 65);
        failed.push(job);
        return `FAILED after ${job.attempts?.length} attempt(s): ${job.statusReason}`;
      });
    }

    if (parts.has('retries')) {
      await run.step('a job that cannot read its object is retried as the definition says, then FAILED', async () => {
        const job = (await waitForJobs(c, [{ jobId: missingJobId } as JobDetail])).get(String(missingJobId)) as JobDetail;
        expectAttempts(job, 66);
        failed.push(job);
        return `FAILED after ${job.attempts?.length} attempts (exit 66 each time): ${job.statusReason}`;
      });
    }
    run.counters.deadLettered += failed.length;

    if (parts.has('events')) {
      await run.step('job outcomes reach the notification queue through EventBridge, and nothing else does', async () => {
        const expected = new Map<string, string>(failed.map((j) => [String(j.jobId), 'FAILED']));
        if (parts.has('jobs'))
          for (const u of accepted.filter((a) => a.expect === 'result')) expected.set(String(jobOf(jobs, u).jobId), 'SUCCEEDED');
        const events = await collectEvents(c, out('NotificationQueueUrl'), new Set(expected.keys()), expected.size);
        const wrong = events.filter((e) => expected.get(e.jobId) !== e.status);
        expectThat(
          wrong.length === 0,
          `unexpected job state changes in the notification queue: ${wrong.map((e) => `${e.jobName} ${e.status}`).join(', ')}`,
        );
        const missing = [...expected].filter(([jobId, status]) => !events.some((e) => e.jobId === jobId && e.status === status));
        expectThat(missing.length === 0, `no ${missing.map(([j, s]) => `${s} event for job ${j}`).join(', ')} in the notification queue`);
        const counted = new Set(events.map((e) => `${e.jobId}/${e.status}`));
        expectThat(counted.size === events.length, 'an outcome arrived twice');
        return `${events.length} outcomes (${[...new Set(events.map((e) => e.status))].join(', ')}), no other state change`;
      });

      await run.step('FAILED jobs reach the failed-jobs queue, whose alarm fires on the first one', async () => {
        const ids = new Set(failed.map((j) => String(j.jobId)));
        const events = await collectEvents(c, out('FailedJobsQueueUrl'), ids, ids.size);
        expectThat(
          events.length === ids.size && events.every((e) => e.status === 'FAILED'),
          `failed-jobs queue holds ${events.map((e) => `${e.jobName} ${e.status}`).join(', ') || 'nothing'} of this run`,
        );
        return `${events.length} FAILED events`;
      });
    }
    return await run.finish();
  } catch (error) {
    return await run.finish(error);
  } finally {
    for (const client of [s3, sqs, batch, logs, dynamodb]) client.destroy();
  }
}

interface Context {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly batch: BatchClient;
  readonly logs: CloudWatchLogsClient;
  /** The pipeline's job queues. */
  readonly queues: readonly string[];
  /** Jobs created before this (epoch ms) are not this run's. */
  readonly since: number;
  /** This run's input keys start with this. */
  readonly keyPrefix: string;
  readonly patience: Patience;
  /** How long a delivery can take beyond the first poll (the target's cycle). */
  readonly cycleSeconds: number;
}

const sleep = (seconds: number) => new Promise((r) => setTimeout(r, seconds * 1000));

/**
 * Polls `probe` until it returns a value; fails when its progress marker stays the same for
 * `idleSeconds` (nothing new is happening), or after `capSeconds` in all.
 */
async function waitFor<T>(c: Context, what: string, probe: () => Promise<{ value: T | undefined; progress: string }>): Promise<T> {
  const started = Date.now();
  let lastProgress: string | undefined;
  let lastChange = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const { value, progress } = await probe();
      if (value !== undefined) return value;
      if (progress !== lastProgress) {
        lastProgress = progress;
        lastChange = Date.now();
      }
    } catch (error) {
      lastError = error;
    }
    const idle = (Date.now() - lastChange) / 1000;
    if (idle > c.patience.idleSeconds || (Date.now() - started) / 1000 > c.patience.capSeconds) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new ScenarioError(`no progress for ${Math.round(idle)} s waiting for ${what}${why}`);
    }
    await sleep(0.25);
  }
}

/** This run's jobs on the pipeline's queues, by input key (a job's `key` parameter). */
async function jobsOfRun(c: Context): Promise<Map<string, JobDetail[]>> {
  const ids: string[] = [];
  for (const jobQueue of c.queues) {
    let nextToken: string | undefined;
    do {
      const page = await c.batch.send(
        new ListJobsCommand({ jobQueue, filters: [{ name: 'AFTER_CREATED_AT', values: [String(c.since)] }], nextToken }),
      );
      ids.push(...(page.jobSummaryList ?? []).map((j) => String(j.jobId)));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  const byKey = new Map<string, JobDetail[]>();
  for (const job of await describe(c, ids)) {
    const key = job.parameters?.key;
    if (!key?.startsWith(c.keyPrefix)) continue;
    byKey.set(key, [...(byKey.get(key) ?? []), job]);
  }
  return byKey;
}

async function describe(c: Context, ids: readonly string[]): Promise<JobDetail[]> {
  const jobs: JobDetail[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    jobs.push(...((await c.batch.send(new DescribeJobsCommand({ jobs: ids.slice(i, i + 100) }))).jobs ?? []));
  }
  return jobs;
}

/** Waits until every job is SUCCEEDED or FAILED; progress is any status change. */
async function waitForJobs(c: Context, jobs: readonly JobDetail[]): Promise<Map<string, JobDetail>> {
  const ids = jobs.map((j) => String(j.jobId));
  return waitFor(c, `jobs ${ids.join(', ')} to finish`, async () => {
    const found = await describe(c, ids);
    const progress = found.map((j) => `${j.jobId}:${j.status}:${j.attempts?.length}`).join(',');
    const done = found.length === ids.length && found.every((j) => j.status === 'SUCCEEDED' || j.status === 'FAILED');
    return { value: done ? new Map(found.map((j) => [String(j.jobId), j])) : undefined, progress };
  });
}

/**
 * Checks that a FAILED job made as many attempts as its retry strategy allows for its exit code: one
 * when an EXIT rule matches the code, all of them otherwise (rules on reasons are left to AWS).
 */
function expectAttempts(job: JobDetail, exitCode: number): void {
  expectThat(job.status === 'FAILED', `job ${job.jobName} is ${job.status}, expected FAILED`);
  const attempts = job.attempts ?? [];
  const codes = attempts.map((a) => a.container?.exitCode);
  expectThat(
    codes.every((code) => code === exitCode),
    `job ${job.jobName} exited with ${codes.join(', ')}, expected ${exitCode} each time`,
  );
  const strategy = job.retryStrategy ?? { attempts: 1 };
  const glob = (pattern: string | undefined, value: string) =>
    pattern === undefined || new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(value);
  const rule = (strategy.evaluateOnExit ?? []).find(
    (r) => glob(r.onExitCode, String(exitCode)) && r.onReason === undefined && r.onStatusReason === undefined,
  );
  const expected = rule?.action?.toUpperCase() === 'EXIT' ? 1 : (strategy.attempts ?? 1);
  expectThat(
    attempts.length === expected,
    `job ${job.jobName} made ${attempts.length} attempts; its retry strategy (${strategy.attempts} attempts, ${rule ? `${rule.action} on exit code ${rule.onExitCode}` : 'no rule for this exit code'}) allows ${expected}`,
  );
}

function jobOf(jobs: Map<string, JobDetail[]>, upload: Upload): JobDetail {
  const found = jobs.get(upload.key)?.[0];
  if (!found) throw new ScenarioError(`no job for ${upload.name}`);
  return found;
}

function count(jobs: Map<string, JobDetail[]>): string {
  return String([...jobs.values()].reduce((n, list) => n + list.length, 0));
}

/** The submitter's log lines that mention `key`. */
async function logLines(c: Context, logGroupName: string, key: string): Promise<string[]> {
  const lines: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await c.logs.send(new FilterLogEventsCommand({ logGroupName, startTime: c.since, filterPattern: `"${key}"`, nextToken }));
    lines.push(...(page.events ?? []).map((e) => String(e.message)).filter((m) => m.includes(key)));
    nextToken = page.nextToken;
  } while (nextToken);
  return lines;
}

interface StateChange {
  readonly jobId: string;
  readonly jobName: string;
  readonly status: string;
}

/**
 * Receives the job state change events of `jobIds` from a queue (deleting them) until `atLeast`
 * arrived, then looks once more so that an extra one is noticed; other messages are released.
 */
async function collectEvents(c: Context, queueUrl: string, jobIds: ReadonlySet<string>, atLeast: number): Promise<StateChange[]> {
  const got: StateChange[] = [];
  const receiveOnce = async (wait: number) => {
    const messages =
      (await c.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: wait }))).Messages ?? [];
    const mine: Message[] = [];
    for (const m of messages) {
      const detail = parseEvent(m.Body)?.detail;
      if (detail && jobIds.has(String(detail.jobId))) {
        mine.push(m);
        got.push({ jobId: String(detail.jobId), jobName: String(detail.jobName), status: String(detail.status) });
      }
    }
    await deleteMessages(c.sqs, queueUrl, mine);
    await releaseMessages(
      c.sqs,
      queueUrl,
      messages.filter((m) => !mine.includes(m)),
    );
  };
  await waitFor(c, `${atLeast} job state change events in ${queueUrl.split('/').pop()}`, async () => {
    await receiveOnce(1);
    return { value: got.length >= atLeast ? got : undefined, progress: String(got.length) };
  });
  await sleep(c.cycleSeconds);
  await receiveOnce(0);
  return got;
}

function parseEvent(body: string | undefined): { detail?: Record<string, unknown> } | undefined {
  try {
    return JSON.parse(body ?? '') as { detail?: Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/** Records as the job counts them: newline-terminated lines, and a last line without a newline. */
function records(body: Buffer): number {
  let n = 0;
  for (const byte of body) if (byte === 10) n++;
  return n + (body.length > 0 && body[body.length - 1] !== 10 ? 1 : 0);
}

/** A UTF-8 CSV text of exactly `bytes` bytes, deterministic (whole lines, then ASCII padding). */
function largeText(bytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; ; i++) {
    const line = `${i},item-${i},${(i * 7919) % 100_000},Ünïcödé\n`;
    const length = Buffer.byteLength(line);
    if (size + length > bytes) break;
    lines.push(line);
    size += length;
  }
  return Buffer.concat([Buffer.from(lines.join(''), 'utf8'), Buffer.alloc(bytes - size, 'x')]);
}

/** The s3-batch scenario, for the registry of `scenarios/index.ts`. */
export const scenario: ScenarioDefinition = {
  pattern: 's3-batch',
  stack: S3_BATCH_STACK,
  description:
    'uploads start one Batch job each (results checked), a repeated version starts none, failed jobs retried as defined and reported through EventBridge',
  outputs: [
    'ComputeKind',
    'BucketName',
    'InputPrefix',
    'InputSuffix',
    'OutputPrefix',
    'JobQueueArn',
    'LargeObjectJobQueueArn',
    'LargeObjectBytes',
    'JobDefinitionArn',
    'SubmitterLogGroupName',
    'SubmissionsTableName',
    ...EVENT_QUEUE_OUTPUTS,
  ],
  run: (target, options) => runS3BatchScenario(target, options),
};
