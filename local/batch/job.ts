// A submitted AWS Batch job as the local scheduler tracks it (its settings, state and attempts), and
// the job as DescribeJobs returns it and its state change events carry it.
import type { ChildProcess } from 'node:child_process';
import type { JobDefinitionSpec, JobQueueSpec, RetryStrategy } from './specs';

/** A job state, as AWS Batch names them. */
export type JobStatus = 'SUBMITTED' | 'PENDING' | 'RUNNABLE' | 'STARTING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** One attempt of a job: its container (the local process) and how it ended. */
export interface Attempt {
  container: { exitCode?: number; reason?: string; logStreamName: string; taskArn: string };
  startedAt?: number;
  stoppedAt?: number;
  statusReason?: string;
}

/** A submitted job, with the settings it was submitted with and its attempts so far. */
export interface Job {
  readonly jobId: string;
  readonly jobArn: string;
  readonly jobName: string;
  readonly queue: JobQueueSpec;
  readonly definition: JobDefinitionSpec;
  readonly parameters: Record<string, string>;
  readonly command: string[];
  readonly environment: Record<string, string>;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly retryStrategy: RetryStrategy;
  readonly attemptDurationSeconds?: number;
  readonly createdAt: number;
  readonly tags: Record<string, string>;
  status: JobStatus;
  statusReason?: string;
  startedAt?: number;
  stoppedAt?: number;
  attempts: Attempt[];
  /** The compute environment of the running attempt. */
  environmentArn?: string;
  process?: ChildProcess;
  terminatedReason?: string;
}

/** The job as DescribeJobs returns it and as its state change events carry it. */
export function jobDetail(job: Job): Record<string, unknown> {
  const last = job.attempts[job.attempts.length - 1];
  return {
    jobArn: job.jobArn,
    jobName: job.jobName,
    jobId: job.jobId,
    jobQueue: job.queue.arn,
    status: job.status,
    ...(job.statusReason ? { statusReason: job.statusReason } : {}),
    attempts: job.attempts
      .filter((a) => a.stoppedAt !== undefined)
      .map((a) => ({
        container: { ...a.container },
        ...(a.startedAt ? { startedAt: a.startedAt } : {}),
        stoppedAt: a.stoppedAt,
        statusReason: a.statusReason,
      })),
    createdAt: job.createdAt,
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.stoppedAt ? { stoppedAt: job.stoppedAt } : {}),
    retryStrategy: { attempts: job.retryStrategy.attempts, evaluateOnExit: job.retryStrategy.evaluateOnExit.map((r) => ({ ...r })) },
    dependsOn: [],
    jobDefinition: job.definition.arn,
    parameters: { ...job.parameters },
    container: {
      image: job.definition.image,
      command: [...job.command],
      environment: Object.entries(job.environment).map(([name, value]) => ({ name, value })),
      resourceRequirements: [
        { type: 'VCPU', value: String(job.vcpus) },
        { type: 'MEMORY', value: String(job.memoryMiB) },
      ],
      ...(job.definition.jobRoleArn ? { jobRoleArn: job.definition.jobRoleArn } : {}),
      ...(job.definition.executionRoleArn ? { executionRoleArn: job.definition.executionRoleArn } : {}),
      ...(last ? { logStreamName: last.container.logStreamName, taskArn: last.container.taskArn } : {}),
      ...(last?.container.exitCode !== undefined ? { exitCode: last.container.exitCode } : {}),
      ...(last?.container.reason ? { reason: last.container.reason } : {}),
    },
    ...(job.attemptDurationSeconds ? { timeout: { attemptDurationSeconds: job.attemptDurationSeconds } } : {}),
    tags: { ...job.tags, resourceArn: job.jobArn },
    propagateTags: false,
    platformCapabilities: [job.definition.platform],
  };
}
