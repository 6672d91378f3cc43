import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { type Attempt, type Job, type JobStatus, jobDetail } from './job';
import { attemptEnvironment, jobSettings } from './job-settings';
import { BatchError } from './rest-endpoint';
import { retryDecision, stopProcess } from './retry';
import type { ComputeEnvironmentSpec, JobDefinitionSpec, JobQueueSpec } from './specs';

export type { JobStatus } from './job';
export { substituteParameters } from './job-settings';
export { globMatches, normalizeRetryStrategy, retryDecision } from './retry';
export type { ComputeEnvironmentSpec, ExitRule, JobDefinitionSpec, JobQueueSpec, RetryStrategy } from './specs';

/** What the scheduler needs from the runtime. */
export interface SchedulerHost {
  readonly region: string;
  readonly accountId: string;
  /** AWS_* variables that point the job's SDK at the local emulators. */
  awsEnvironment(): Record<string, string>;
  /** node_modules the job's code resolves its dependencies from (NODE_PATH). */
  readonly nodePath: string;
  /** A job state change, in the shape AWS Batch sends to EventBridge. */
  onStateChange(detail: Record<string, unknown>): void;
  /** A line the job wrote, for its log group and stream. */
  onLog(logGroupName: string, logStreamName: string, line: string): void;
  onError(error: Error): void;
}

const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const PRELOAD = path.join(__dirname, 'preload.cjs');
/** The largest SubmitJob request ("AWS Batch service quotas"). */
const MAX_PAYLOAD_BYTES = 30 * 1024;

/**
 * AWS Batch's job lifecycle for the template's queues and definitions: SubmitJob, DescribeJobs,
 * ListJobs and TerminateJob; jobs move SUBMITTED, RUNNABLE, STARTING, RUNNING, then SUCCEEDED or FAILED,
 * each change reported as Batch reports it. A job runs when one of its queue's compute environments
 * has room for its vCPUs (queues of higher priority first); an unmanaged environment has no
 * capacity. Each attempt is the job's container command run as a local Node.js process, with the
 * definition's environment, `Ref::` parameters substituted, the attempt timeout and the retry strategy.
 */
export class BatchScheduler {
  private readonly environments = new Map<string, ComputeEnvironmentSpec>();
  private readonly queues = new Map<string, JobQueueSpec>();
  private readonly definitions = new Map<string, JobDefinitionSpec>();
  private readonly jobs = new Map<string, Job>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  public constructor(private readonly host: SchedulerHost) {}

  public addComputeEnvironment(spec: ComputeEnvironmentSpec): void {
    this.environments.set(spec.arn, spec);
  }

  public addJobQueue(spec: JobQueueSpec): void {
    this.queues.set(spec.arn, spec);
  }

  public addJobDefinition(spec: JobDefinitionSpec): void {
    this.definitions.set(spec.arn, spec);
  }

  /** SubmitJob. */
  public submit(input: Record<string, unknown>): { jobArn: string; jobName: string; jobId: string } {
    if (this.stopped) throw new BatchError('ServerException', 'the local runtime is stopping');
    if (Buffer.byteLength(JSON.stringify(input)) > MAX_PAYLOAD_BYTES) {
      throw new BatchError('ClientException', `the SubmitJob request is larger than ${MAX_PAYLOAD_BYTES} bytes`);
    }
    const jobName = String(input.jobName ?? '');
    if (!JOB_NAME.test(jobName)) {
      throw new BatchError(
        'ClientException',
        `jobName ${JSON.stringify(jobName)} must be 1 to 128 letters, numbers, hyphens and underscores, starting with a letter or number`,
      );
    }
    const queue = this.queueOf(String(input.jobQueue ?? ''));
    if (!queue.enabled) throw new BatchError('ClientException', `job queue ${queue.name} is DISABLED`);
    const definition = this.definitionOf(String(input.jobDefinition ?? ''));
    const platforms = new Set(queue.computeEnvironments.map((arn) => platformOf(this.environments.get(arn))));
    if (!platforms.has(definition.platform)) {
      throw new BatchError(
        'ClientException',
        `job definition ${definition.name} is for ${definition.platform}, but job queue ${queue.name} has ${[...platforms].join(', ')} compute environments`,
      );
    }
    const settings = jobSettings(definition, input);
    const jobId = randomUUID();
    const job: Job = {
      jobId,
      jobArn: `arn:aws:batch:${this.host.region}:${this.host.accountId}:job/${jobId}`,
      jobName,
      queue,
      definition,
      parameters: settings.parameters,
      command: settings.command,
      environment: settings.environment,
      vcpus: definition.vcpus,
      memoryMiB: definition.memoryMiB,
      retryStrategy: settings.retryStrategy,
      attemptDurationSeconds: settings.attemptDurationSeconds,
      createdAt: Date.now(),
      tags: settings.tags,
      status: 'SUBMITTED',
      attempts: [],
    };
    this.jobs.set(jobId, job);
    // Batch evaluates a submitted job asynchronously; no event is sent for the initial SUBMITTED state.
    setImmediate(() => this.move(job, 'RUNNABLE'));
    return { jobArn: job.jobArn, jobName, jobId };
  }

  /** DescribeJobs: up to 100 job ids (unknown ids are left out). */
  public describe(input: Record<string, unknown>): { jobs: Record<string, unknown>[] } {
    const ids = input.jobs;
    if (!Array.isArray(ids) || ids.length > 100) throw new BatchError('ClientException', 'jobs must list at most 100 job ids');
    return {
      jobs: ids
        .map((id) => this.jobs.get(String(id).split('/').pop() ?? ''))
        .filter((j): j is Job => j !== undefined)
        .map((j) => jobDetail(j)),
    };
  }

  /** ListJobs: the jobs of a queue in one status (RUNNING by default), or matching filters (any status). */
  public list(input: Record<string, unknown>): { jobSummaryList: Record<string, unknown>[]; nextToken?: string } {
    if (input.jobQueue === undefined) throw new BatchError('ClientException', 'the local runtime lists jobs by jobQueue only');
    const queue = this.queueOf(String(input.jobQueue));
    const filters = (input.filters as Array<{ name?: string; values?: string[] }> | undefined) ?? [];
    let selected = [...this.jobs.values()].filter((j) => j.queue.arn === queue.arn);
    if (filters.length === 0) {
      const status = String(input.jobStatus ?? 'RUNNING');
      selected = selected.filter((j) => j.status === status);
    }
    for (const filter of filters) {
      const value = filter.values?.[0] ?? '';
      switch (filter.name) {
        case 'JOB_NAME': {
          // Case-insensitive; a trailing * matches any name that begins with what precedes it.
          const prefix = value.endsWith('*');
          const wanted = (prefix ? value.slice(0, -1) : value).toLowerCase();
          selected = selected.filter((j) => (prefix ? j.jobName.toLowerCase().startsWith(wanted) : j.jobName.toLowerCase() === wanted));
          break;
        }
        case 'JOB_DEFINITION':
          selected = selected.filter(
            (j) => j.definition.arn === value || j.definition.name === value || `${j.definition.name}:${j.definition.revision}` === value,
          );
          break;
        case 'BEFORE_CREATED_AT':
          selected = selected.filter((j) => j.createdAt < Number(value));
          break;
        case 'AFTER_CREATED_AT':
          selected = selected.filter((j) => j.createdAt > Number(value));
          break;
        default:
          throw new BatchError('ClientException', `filter ${filter.name} is not supported`);
      }
    }
    selected.sort((a, b) => b.createdAt - a.createdAt);
    const start = Number(input.nextToken ?? 0);
    const max = Math.min(Number(input.maxResults ?? 100), 1000);
    const page = selected.slice(start, start + max);
    return {
      jobSummaryList: page.map((j) => ({
        jobArn: j.jobArn,
        jobId: j.jobId,
        jobName: j.jobName,
        createdAt: j.createdAt,
        status: j.status,
        ...(j.statusReason ? { statusReason: j.statusReason } : {}),
        ...(j.startedAt ? { startedAt: j.startedAt } : {}),
        ...(j.stoppedAt ? { stoppedAt: j.stoppedAt } : {}),
        ...(j.attempts.length ? { container: { exitCode: j.attempts[j.attempts.length - 1].container.exitCode } } : {}),
        jobDefinition: j.definition.arn,
      })),
      ...(start + max < selected.length ? { nextToken: String(start + max) } : {}),
    };
  }

  /** TerminateJob: a job not yet finished ends FAILED with the reason; a running attempt gets SIGTERM, then SIGKILL. */
  public terminate(input: Record<string, unknown>): Record<string, never> {
    const job = this.jobs.get(String(input.jobId ?? ''));
    if (!job) throw new BatchError('ClientException', `job ${String(input.jobId)} does not exist`);
    const reason = String(input.reason ?? 'Terminated');
    if (job.status === 'SUCCEEDED' || job.status === 'FAILED') return {};
    job.terminatedReason = reason;
    if (job.process) stopProcess(job.process);
    else if (job.status !== 'STARTING') this.finish(job, 'FAILED', reason);
    return {};
  }

  /** Stops scheduling and kills every running attempt. */
  public async stop(): Promise<void> {
    this.stopped = true;
    for (const job of this.jobs.values()) if (job.process) job.process.kill('SIGKILL');
    await Promise.allSettled([...this.running]);
  }

  private queueOf(nameOrArn: string): JobQueueSpec {
    const found = this.queues.get(nameOrArn) ?? [...this.queues.values()].find((q) => q.name === nameOrArn);
    if (!found) throw new BatchError('ClientException', `job queue ${nameOrArn} does not exist`);
    return found;
  }

  private definitionOf(reference: string): JobDefinitionSpec {
    const found =
      this.definitions.get(reference) ??
      [...this.definitions.values()].find((d) => d.name === reference || `${d.name}:${d.revision}` === reference);
    if (!found) throw new BatchError('ClientException', `job definition ${reference} does not exist`);
    return found;
  }

  private move(job: Job, status: JobStatus, statusReason?: string): void {
    job.status = status;
    if (statusReason !== undefined) job.statusReason = statusReason;
    this.host.onStateChange(jobDetail(job));
    if (status === 'RUNNABLE') this.schedule();
  }

  private finish(job: Job, status: 'SUCCEEDED' | 'FAILED', statusReason: string): void {
    job.stoppedAt = Date.now();
    job.process = undefined;
    job.environmentArn = undefined;
    this.move(job, status, statusReason);
    this.schedule();
  }

  /** Starts every RUNNABLE job that fits in a compute environment of its queue, higher-priority queues first. */
  private schedule(): void {
    if (this.stopped) return;
    const used = new Map<string, number>();
    for (const job of this.jobs.values()) {
      if (job.environmentArn) used.set(job.environmentArn, (used.get(job.environmentArn) ?? 0) + job.vcpus);
    }
    const runnable = [...this.jobs.values()]
      .filter((j) => j.status === 'RUNNABLE' && !j.environmentArn)
      .sort((a, b) => b.queue.priority - a.queue.priority || a.createdAt - b.createdAt);
    for (const job of runnable) {
      if (!job.queue.enabled) continue;
      const environments = job.queue.computeEnvironments
        .map((arn) => this.environments.get(arn))
        .filter((e): e is ComputeEnvironmentSpec => e !== undefined);
      const usable = environments.filter((e) => e.enabled && e.managed);
      if (usable.length > 0 && usable.every((e) => job.vcpus > e.maxvCpus)) {
        job.statusReason = `MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job needs ${job.vcpus} vCPUs, more than any compute environment of its queue can run.`;
        continue;
      }
      const environment = usable.find((e) => (used.get(e.arn) ?? 0) + job.vcpus <= e.maxvCpus);
      if (!environment) continue;
      used.set(environment.arn, (used.get(environment.arn) ?? 0) + job.vcpus);
      job.environmentArn = environment.arn;
      const work = this.runAttempt(job, environment).catch((error: Error) => this.host.onError(error));
      this.running.add(work);
      void work.finally(() => this.running.delete(work));
    }
  }

  /** One attempt: STARTING, the process (RUNNING), then the outcome and the retry strategy's decision. */
  private async runAttempt(job: Job, environment: ComputeEnvironmentSpec): Promise<void> {
    const taskId = randomUUID().replace(/-/g, '');
    const attempt: Attempt = {
      container: {
        logStreamName: `${job.definition.logStreamPrefix ?? job.definition.name}/default/${taskId}`,
        taskArn: `arn:aws:ecs:${this.host.region}:${this.host.accountId}:task/${environment.name}/${taskId}`,
      },
    };
    job.attempts.push(attempt);
    job.statusReason = undefined;
    this.move(job, 'STARTING');
    await new Promise((r) => setImmediate(r));
    if (this.stopped) return;
    if (job.terminatedReason) {
      attempt.statusReason = job.terminatedReason;
      attempt.stoppedAt = Date.now();
      return this.afterAttempt(job, attempt);
    }

    const why = job.definition.notRunnable;
    if (why || !job.definition.codeDir) {
      attempt.statusReason = `CannotStartContainerError: ${why ?? 'no local code for the image'}`;
      attempt.container.reason = attempt.statusReason;
      attempt.startedAt = Date.now();
      attempt.stoppedAt = Date.now();
      return this.afterAttempt(job, attempt);
    }
    const [program, ...args] = job.command;
    const node = program === 'node' || program === 'nodejs' || /\/node$/.test(program ?? '');
    if (!node) {
      attempt.statusReason = `CannotStartContainerError: the local runtime runs node commands only, not ${JSON.stringify(program)}`;
      attempt.container.reason = attempt.statusReason;
      attempt.startedAt = Date.now();
      attempt.stoppedAt = Date.now();
      return this.afterAttempt(job, attempt);
    }

    const attemptNumber = job.attempts.length;
    const child = spawn(process.execPath, ['--require', PRELOAD, ...args], {
      cwd: job.definition.codeDir,
      env: attemptEnvironment(job, attemptNumber, environment.name, this.host),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    job.process = child;
    attempt.startedAt = Date.now();
    job.startedAt ??= attempt.startedAt;
    this.move(job, 'RUNNING');
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      readline
        .createInterface({ input: stream })
        .on('line', (line) => this.host.onLog(job.definition.logGroupName, attempt.container.logStreamName, line));
    }
    let timedOut = false;
    const timer =
      job.attemptDurationSeconds === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            stopProcess(child);
          }, job.attemptDurationSeconds * 1000);
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('error', (error) => {
        attempt.container.reason = `CannotStartContainerError: ${error.message}`;
        resolve({ code: null, signal: null });
      });
      child.once('exit', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
    });
    if (timer) clearTimeout(timer);
    attempt.stoppedAt = Date.now();
    attempt.container.exitCode = code ?? (signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : undefined);
    if (timedOut) attempt.statusReason = 'Job attempt duration exceeded timeout';
    else if (job.terminatedReason) attempt.statusReason = job.terminatedReason;
    else attempt.statusReason = 'Essential container in task exited';
    if (this.stopped) return;
    await this.afterAttempt(job, attempt, timedOut);
  }

  private async afterAttempt(job: Job, attempt: Attempt, timedOut = false): Promise<void> {
    job.process = undefined;
    job.environmentArn = undefined;
    if (attempt.container.exitCode === 0 && !job.terminatedReason) {
      this.finish(job, 'SUCCEEDED', 'Essential container in task exited');
      return;
    }
    // A timed-out or terminated attempt is not retried ("Job timeouts", "Automated job retries").
    const decision = timedOut || job.terminatedReason ? 'EXIT' : retryDecision(job.retryStrategy, attempt, job.attempts.length);
    if (decision === 'RETRY') {
      this.move(job, 'RUNNABLE', attempt.statusReason);
      return;
    }
    this.finish(job, 'FAILED', job.terminatedReason ?? attempt.statusReason ?? 'Essential container in task exited');
  }
}

function platformOf(environment: ComputeEnvironmentSpec | undefined): 'FARGATE' | 'EC2' {
  return environment?.computeType?.startsWith('FARGATE') ? 'FARGATE' : 'EC2';
}
