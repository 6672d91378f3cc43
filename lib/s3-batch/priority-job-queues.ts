import { Duration } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { guardDuration, guardInteger, PropError } from '../shared/guards';
import { BATCH } from '../shared/limits';
import type { JobNetwork } from './batch-network';
import type { IJobCompute, JobComputeEnvironments, JobPlatform } from './compute/job-compute';

/** Props of {@link PriorityJobQueues}. */
export interface PriorityJobQueuesProps {
  /** The kind of compute (Fargate, Fargate Spot, EC2, EC2 Spot, unmanaged). */
  readonly compute: IJobCompute;
  /** Where the compute environments run. */
  readonly network: JobNetwork;
  /**
   * The most vCPUs a managed environment runs at once: the cost ceiling, and the largest job it can run.
   * @default 4
   */
  readonly maxvCpus?: number;
  /**
   * The CPU architecture of the jobs (managed EC2 environments launch matching instances).
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly architecture?: ecs.CpuArchitecture;
  /**
   * Priority of the queue for ordinary objects; the scheduler takes its jobs first.
   * @default 10
   */
  readonly priority?: number;
  /**
   * Priority of the queue for large objects, below `priority`, so that long jobs do not hold up short ones.
   * @default 1
   */
  readonly largeObjectPriority?: number;
  /**
   * How long a job may wait in RUNNABLE at the head of a queue because no environment can ever run it
   * (it asks for more than the environment's maximum, or for resources no instance type has) before
   * the queue cancels it, which makes it FAILED and raises the failed-jobs alarm. 10 minutes to 24 hours.
   * @default Duration.minutes(30)
   */
  readonly runnableTimeLimit?: Duration;
}

/**
 * Two job queues with priorities over the same compute environments: `jobQueue` for ordinary
 * objects and `largeObjectQueue`, of lower priority, for large ones. The compute variant decides the
 * environments (one queue cannot mix EC2 and Fargate). A job a misconfiguration keeps in RUNNABLE is
 * cancelled after `runnableTimeLimit` instead of waiting forever.
 */
export class PriorityJobQueues extends Construct {
  /** The queue for ordinary objects (higher priority). */
  public readonly jobQueue: batch.JobQueue;
  /** The queue for large objects (lower priority). */
  public readonly largeObjectQueue: batch.JobQueue;
  /** The compute environments, first choice first. */
  public readonly computeEnvironments: readonly batch.IComputeEnvironment[];
  /** Fargate or EC2. */
  public readonly platform: JobPlatform;
  /** The most vCPUs one job can get, or undefined when you bring the capacity (unmanaged). */
  public readonly maxvCpus?: number;

  public constructor(scope: Construct, id: string, props: PriorityJobQueuesProps) {
    super(scope, id);
    const maxvCpus = props.maxvCpus ?? 4;
    const priority = props.priority ?? 10;
    const largeObjectPriority = props.largeObjectPriority ?? 1;
    const runnableTimeLimit = props.runnableTimeLimit ?? Duration.seconds(BATCH.defaultJobStateTimeLimitSeconds);
    guardInteger(this, 'maxvCpus', maxvCpus, BATCH.maxvCpus);
    for (const [prop, value] of [
      ['priority', priority],
      ['largeObjectPriority', largeObjectPriority],
    ] as const) {
      if (!Number.isInteger(value) || value < 0) throw new PropError(this, prop, `= ${value} must be a whole number, 0 or more`);
    }
    if (largeObjectPriority >= priority) {
      throw new PropError(
        this,
        'largeObjectPriority',
        `= ${largeObjectPriority} is not below priority = ${priority}: large objects would compete with ordinary ones`,
      );
    }
    guardDuration(this, 'runnableTimeLimit', runnableTimeLimit, BATCH.jobStateTimeLimitSeconds);

    const bound: JobComputeEnvironments = props.compute.bind(this, {
      vpc: props.network.vpc,
      vpcSubnets: props.network.vpcSubnets,
      securityGroups: props.network.securityGroups,
      maxvCpus,
      architecture: props.architecture ?? ecs.CpuArchitecture.X86_64,
    });
    if (bound.environments.length < 1 || bound.environments.length > BATCH.computeEnvironmentsPerQueue) {
      throw new PropError(
        this,
        'compute',
        `created ${bound.environments.length} compute environments: a job queue takes 1 to ${BATCH.computeEnvironmentsPerQueue}`,
      );
    }
    this.computeEnvironments = bound.environments;
    this.platform = props.compute.platform;
    this.maxvCpus = bound.maxvCpus;

    const computeEnvironments = bound.environments.map((computeEnvironment, i) => ({ computeEnvironment, order: i + 1 }));
    // Cancel, rather than keep forever, a job that no environment of the queue can ever run.
    const jobStateTimeLimitActions = [
      batch.JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE,
      batch.JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT,
    ].map((reason) => ({ reason, maxTime: runnableTimeLimit, action: batch.JobStateTimeLimitActionsAction.CANCEL }));
    this.jobQueue = new batch.JobQueue(this, 'Jobs', { priority, computeEnvironments, jobStateTimeLimitActions });
    this.largeObjectQueue = new batch.JobQueue(this, 'LargeObjectJobs', {
      priority: largeObjectPriority,
      computeEnvironments,
      jobStateTimeLimitActions,
    });
  }
}
