import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BatchClient, ClientException, DescribeJobsCommand, ListJobsCommand, SubmitJobCommand } from '@aws-sdk/client-batch';
import { startRestJsonEndpoint } from '../../local/batch/rest-endpoint';
import {
  BatchScheduler,
  type ComputeEnvironmentSpec,
  globMatches,
  type JobDefinitionSpec,
  retryDecision,
  substituteParameters,
} from '../../local/batch/scheduler';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
/** What the tests read of a DescribeJobs job. */
interface JobView {
  status: string;
  statusReason?: string;
  attempts: Array<{ container: { exitCode?: number }; statusReason?: string }>;
  container: { command: string[]; logStreamName: string };
}

const arn = (kind: string, name: string) => `arn:aws:batch:${REGION}:${ACCOUNT}:${kind}/${name}`;

// A job that does what its arguments say: exit with a code, sleep, print its environment.
const JOB = `
const [mode, value] = process.argv.slice(2);
console.log(JSON.stringify({ mode, value, attempt: process.env.AWS_BATCH_JOB_ATTEMPT, jobId: process.env.AWS_BATCH_JOB_ID, greeting: process.env.GREETING, queue: process.env.AWS_BATCH_JQ_NAME }));
if (mode === 'exit') process.exit(Number(value));
if (mode === 'sleep') setTimeout(() => {}, Number(value) * 1000);
`;

describe('local AWS Batch scheduler', () => {
  let dir: string;
  let scheduler: BatchScheduler;
  const changes: Array<Record<string, unknown>> = [];
  const lines: Array<{ group: string; stream: string; line: string }> = [];

  const definition = (name: string, overrides: Partial<JobDefinitionSpec> = {}): JobDefinitionSpec => ({
    name,
    revision: 1,
    arn: arn('job-definition', `${name}:1`),
    platform: 'FARGATE',
    image: 'local',
    command: ['node', 'job.js', 'Ref::mode', 'Ref::value'],
    environment: { GREETING: 'hello' },
    vcpus: 1,
    memoryMiB: 2048,
    parameters: { mode: 'exit', value: '0' },
    retryStrategy: { attempts: 3, evaluateOnExit: [{ action: 'EXIT', onExitCode: '65' }] },
    logGroupName: '/jobs',
    logStreamPrefix: 'job',
    codeDir: dir,
    ...overrides,
  });
  const environment = (name: string, overrides: Partial<ComputeEnvironmentSpec> = {}): ComputeEnvironmentSpec => ({
    name,
    arn: arn('compute-environment', name),
    managed: true,
    computeType: 'FARGATE',
    maxvCpus: 2,
    enabled: true,
    ...overrides,
  });

  /** Waits until the job is SUCCEEDED or FAILED (or `status`), then returns its detail. */
  async function until(jobId: string, statuses: readonly string[] = ['SUCCEEDED', 'FAILED'], seconds = 10) {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const [job] = scheduler.describe({ jobs: [jobId] }).jobs;
      if (statuses.includes(String(job.status))) return job as unknown as JobView;
      if (Date.now() > deadline) throw new Error(`job ${jobId} is still ${job.status}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const statusesOf = (jobId: string) => changes.filter((c) => c.jobId === jobId).map((c) => c.status);

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'batch-job-'));
    writeFileSync(path.join(dir, 'job.js'), JOB);
    scheduler = new BatchScheduler({
      region: REGION,
      accountId: ACCOUNT,
      nodePath: path.join(__dirname, '..', '..', 'node_modules'),
      awsEnvironment: () => ({ AWS_REGION: REGION }),
      onStateChange: (detail) => changes.push(detail),
      onLog: (group, stream, line) => lines.push({ group, stream, line }),
      onError: (error) => {
        throw error;
      },
    });
    scheduler.addComputeEnvironment(environment('fargate'));
    scheduler.addComputeEnvironment(environment('ec2', { computeType: 'EC2', maxvCpus: 4 }));
    scheduler.addComputeEnvironment(environment('unmanaged', { managed: false, computeType: undefined, maxvCpus: 0 }));
    scheduler.addJobQueue({
      name: 'jobs',
      arn: arn('job-queue', 'jobs'),
      priority: 10,
      enabled: true,
      computeEnvironments: [arn('compute-environment', 'fargate')],
    });
    scheduler.addJobQueue({
      name: 'ec2',
      arn: arn('job-queue', 'ec2'),
      priority: 1,
      enabled: true,
      computeEnvironments: [arn('compute-environment', 'ec2')],
    });
    scheduler.addJobQueue({
      name: 'byo',
      arn: arn('job-queue', 'byo'),
      priority: 1,
      enabled: true,
      computeEnvironments: [arn('compute-environment', 'unmanaged')],
    });
    scheduler.addJobDefinition(definition('work'));
    scheduler.addJobDefinition(definition('ec2-work', { platform: 'EC2' }));
    scheduler.addJobDefinition(definition('quick-timeout', { attemptDurationSeconds: 1, parameters: { mode: 'sleep', value: '30' } }));
    scheduler.addJobDefinition(definition('big', { vcpus: 4 }));
    scheduler.addJobDefinition(definition('shell', { command: ['sh', '-c', 'exit 0'] }));
    scheduler.addJobDefinition(definition('no-image', { codeDir: undefined, notRunnable: 'image x is not a CDK image asset' }));
  });

  afterAll(async () => {
    await scheduler.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a job that exits 0: RUNNABLE, STARTING, RUNNING, SUCCEEDED (no event for SUBMITTED); Ref:: parameters and the environment reach the process', async () => {
    const { jobId } = scheduler.submit({ jobName: 'ok', jobQueue: 'jobs', jobDefinition: 'work', parameters: { value: '0' } });
    const job = await until(jobId);
    expect(job.status).toBe('SUCCEEDED');
    expect(statusesOf(jobId)).toEqual(['RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED']);
    expect(job.container.command).toEqual(['node', 'job.js', 'exit', '0']);
    expect(job.attempts).toHaveLength(1);
    expect(job.attempts[0].container.exitCode).toBe(0);
    const logged = lines.find((l) => l.stream === job.container.logStreamName);
    expect(logged?.group).toBe('/jobs');
    expect(JSON.parse(String(logged?.line))).toEqual({ mode: 'exit', value: '0', attempt: '1', jobId, greeting: 'hello', queue: 'jobs' });
  });

  test('a failing job is retried as its retry strategy says, then FAILED; each retry goes back to RUNNABLE', async () => {
    const { jobId } = scheduler.submit({
      jobName: 'flaky',
      jobQueue: arn('job-queue', 'jobs'),
      jobDefinition: arn('job-definition', 'work:1'),
      parameters: { value: '3' },
    });
    const job = await until(jobId);
    expect(job.status).toBe('FAILED');
    expect(job.attempts.map((a) => a.container.exitCode)).toEqual([3, 3, 3]);
    expect(statusesOf(jobId)).toEqual([
      'RUNNABLE',
      'STARTING',
      'RUNNING',
      'RUNNABLE',
      'STARTING',
      'RUNNING',
      'RUNNABLE',
      'STARTING',
      'RUNNING',
      'FAILED',
    ]);
    expect(job.statusReason).toBe('Essential container in task exited');
  });

  test('an evaluateOnExit EXIT rule stops the retries at once', async () => {
    const { jobId } = scheduler.submit({ jobName: 'bad-input', jobQueue: 'jobs', jobDefinition: 'work', parameters: { value: '65' } });
    const job = await until(jobId);
    expect(job.status).toBe('FAILED');
    expect(job.attempts).toHaveLength(1);
  });

  test('a retry strategy given at submission replaces the definition’s', async () => {
    const { jobId } = scheduler.submit({
      jobName: 'override',
      jobQueue: 'jobs',
      jobDefinition: 'work',
      parameters: { value: '65' },
      retryStrategy: { attempts: 2 },
    });
    const job = await until(jobId);
    expect(job.attempts).toHaveLength(2);
  });

  test('an attempt that outlives its timeout is stopped and not retried', async () => {
    const { jobId } = scheduler.submit({ jobName: 'slow', jobQueue: 'jobs', jobDefinition: 'quick-timeout' });
    const job = await until(jobId);
    expect(job.status).toBe('FAILED');
    expect(job.attempts).toHaveLength(1);
    expect(job.statusReason).toBe('Job attempt duration exceeded timeout');
  });

  test('a job whose container cannot start fails at STARTING, as on AWS', async () => {
    const shell = await until(scheduler.submit({ jobName: 'shell', jobQueue: 'jobs', jobDefinition: 'shell' }).jobId);
    expect(shell.status).toBe('FAILED');
    expect(shell.attempts[0].statusReason).toMatch(/^CannotStartContainerError: the local runtime runs node commands only/);
    const image = await until(scheduler.submit({ jobName: 'image', jobQueue: 'jobs', jobDefinition: 'no-image' }).jobId);
    expect(image.attempts[0].statusReason).toBe('CannotStartContainerError: image x is not a CDK image asset');
  });

  test('jobs of an unmanaged environment, or larger than every environment, stay RUNNABLE', async () => {
    const byo = scheduler.submit({ jobName: 'byo', jobQueue: 'byo', jobDefinition: 'ec2-work' });
    const big = scheduler.submit({ jobName: 'big', jobQueue: 'jobs', jobDefinition: 'big' });
    await new Promise((r) => setTimeout(r, 300));
    const [byoJob, bigJob] = scheduler.describe({ jobs: [byo.jobId, big.jobId] }).jobs;
    expect(byoJob.status).toBe('RUNNABLE');
    expect(bigJob.status).toBe('RUNNABLE');
    expect(bigJob.statusReason).toMatch(/^MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT/);
    scheduler.terminate({ jobId: byo.jobId, reason: 'test over' });
    scheduler.terminate({ jobId: big.jobId, reason: 'test over' });
    expect((await until(byo.jobId)).statusReason).toBe('test over');
  });

  test('SubmitJob refuses what AWS Batch refuses', () => {
    expect(() => scheduler.submit({ jobName: '-bad', jobQueue: 'jobs', jobDefinition: 'work' })).toThrow(/jobName "-bad" must be/);
    expect(() => scheduler.submit({ jobName: 'x'.repeat(129), jobQueue: 'jobs', jobDefinition: 'work' })).toThrow(/must be 1 to 128/);
    expect(() => scheduler.submit({ jobName: 'a', jobQueue: 'nope', jobDefinition: 'work' })).toThrow('job queue nope does not exist');
    expect(() => scheduler.submit({ jobName: 'a', jobQueue: 'jobs', jobDefinition: 'nope' })).toThrow('job definition nope does not exist');
    expect(() => scheduler.submit({ jobName: 'a', jobQueue: 'jobs', jobDefinition: 'ec2-work' })).toThrow(
      'job definition ec2-work is for EC2, but job queue jobs has FARGATE compute environments',
    );
    expect(() =>
      scheduler.submit({ jobName: 'a', jobQueue: 'jobs', jobDefinition: 'work', timeout: { attemptDurationSeconds: 10 } }),
    ).toThrow(/at least 60/);
    expect(() =>
      scheduler.submit({ jobName: 'a', jobQueue: 'jobs', jobDefinition: 'work', parameters: { big: 'x'.repeat(31 * 1024) } }),
    ).toThrow(/larger than 30720 bytes/);
  });

  test('over the REST-JSON protocol of the SDK: SubmitJob, DescribeJobs, ListJobs by name, ClientException', async () => {
    const endpoint = await startRestJsonEndpoint({
      SubmitJob: (input) => scheduler.submit(input),
      DescribeJobs: (input) => scheduler.describe(input),
      ListJobs: (input) => scheduler.list(input),
    });
    const batch = new BatchClient({
      region: REGION,
      endpoint: `http://127.0.0.1:${endpoint.port}`,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    try {
      const submitted = await batch.send(new SubmitJobCommand({ jobName: 'Sdk-Job_1', jobQueue: 'jobs', jobDefinition: 'work' }));
      await until(String(submitted.jobId));
      const described = await batch.send(new DescribeJobsCommand({ jobs: [String(submitted.jobId)] }));
      expect(described.jobs?.[0]).toMatchObject({ jobName: 'Sdk-Job_1', status: 'SUCCEEDED', jobQueue: arn('job-queue', 'jobs') });
      const byName = await batch.send(new ListJobsCommand({ jobQueue: 'jobs', filters: [{ name: 'JOB_NAME', values: ['sdk-job_1'] }] }));
      expect(byName.jobSummaryList?.map((j) => j.jobId)).toEqual([submitted.jobId]);
      const byPrefix = await batch.send(new ListJobsCommand({ jobQueue: 'jobs', filters: [{ name: 'JOB_NAME', values: ['SDK*'] }] }));
      expect(byPrefix.jobSummaryList).toHaveLength(1);
      const running = await batch.send(new ListJobsCommand({ jobQueue: 'jobs' }));
      expect(running.jobSummaryList).toEqual([]);
      await expect(batch.send(new SubmitJobCommand({ jobName: 'x', jobQueue: 'nope', jobDefinition: 'work' }))).rejects.toBeInstanceOf(
        ClientException,
      );
    } finally {
      batch.destroy();
      await endpoint.stop();
    }
  });
});

describe('local AWS Batch decisions', () => {
  const attempt = (exitCode?: number, reason?: string, statusReason?: string) => ({
    container: { exitCode, reason, logStreamName: 's', taskArn: 't' },
    statusReason,
  });

  test('evaluateOnExit globs: case-insensitive, * matches any rest', () => {
    expect(globMatches('65', '65')).toBe(true);
    expect(globMatches('6*', '65')).toBe(true);
    expect(globMatches('6*', '7')).toBe(false);
    expect(globMatches('Host EC2*', 'host ec2 (instance i-1) terminated.')).toBe(true);
    expect(globMatches('CannotPull*', 'CannotPullContainerError: x')).toBe(true);
    expect(globMatches('a.b', 'aXb')).toBe(false);
  });

  test('the first matching rule decides; no match retries while attempts remain; all conditions of a rule must hold', () => {
    const strategy = {
      attempts: 3,
      evaluateOnExit: [
        { action: 'RETRY' as const, onStatusReason: 'Host EC2*' },
        { action: 'EXIT' as const, onExitCode: '6*', onReason: 'bad*' },
        { action: 'EXIT' as const, onExitCode: '65' },
      ],
    };
    expect(retryDecision(strategy, attempt(65), 1)).toBe('EXIT');
    expect(retryDecision(strategy, attempt(64), 1)).toBe('RETRY');
    expect(retryDecision(strategy, attempt(64, 'bad input'), 1)).toBe('EXIT');
    expect(retryDecision(strategy, attempt(1), 2)).toBe('RETRY');
    expect(retryDecision(strategy, attempt(1), 3)).toBe('EXIT');
    expect(retryDecision(strategy, attempt(undefined, undefined, 'Host EC2 (instance i-1) terminated.'), 1)).toBe('RETRY');
    expect(retryDecision({ attempts: 1, evaluateOnExit: [] }, attempt(1), 1)).toBe('EXIT');
  });

  test('Ref:: placeholders: whole arguments, unknown ones left as they are', () => {
    expect(substituteParameters(['node', 'job.js', 'Ref::a', 'x-Ref::a', 'Ref::missing'], { a: 'A' })).toEqual([
      'node',
      'job.js',
      'A',
      'x-Ref::a',
      'Ref::missing',
    ]);
  });
});
