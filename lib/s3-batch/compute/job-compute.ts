import type * as batch from 'aws-cdk-lib/aws-batch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';

/** The platform a job definition targets: a job queue cannot mix EC2 and Fargate compute environments. */
export type JobPlatform = 'FARGATE' | 'EC2';

/** What a compute variant needs to create its compute environments. */
export interface JobComputeOptions {
  /** The VPC of the compute environments. */
  readonly vpc: ec2.IVpc;
  /** The subnets jobs run in. */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** The compute environments' security groups. */
  readonly securityGroups: ec2.ISecurityGroup[];
  /** The most vCPUs a managed environment runs at once (its cost ceiling). */
  readonly maxvCpus: number;
  /** The CPU architecture of the job's image. */
  readonly architecture: ecs.CpuArchitecture;
}

/** The compute environments a variant created, in the order a job queue should try them. */
export interface JobComputeEnvironments {
  /** The compute environments, first choice first. */
  readonly environments: readonly batch.IComputeEnvironment[];
  /**
   * The most vCPUs the environments can give one job, or undefined when capacity is the user's
   * (unmanaged): a job that needs more stays RUNNABLE forever.
   */
  readonly maxvCpus?: number;
}

/**
 * One kind of compute for a Batch job queue: Fargate, Fargate Spot, EC2 On-Demand, EC2 Spot, or an
 * unmanaged environment. Each variant is a small class, as one subscription kind is in
 * aws-sns-subscriptions.
 */
export interface IJobCompute {
  /** The variant's name, as the `batchCompute` context key spells it. */
  readonly kind: string;
  /** Fargate or EC2: decides the job definition's container type. */
  readonly platform: JobPlatform;
  /** Whether AWS Batch manages capacity (false: you register ECS container instances yourself). */
  readonly managed: boolean;
  /** Creates the compute environments under `scope`. */
  bind(scope: Construct, options: JobComputeOptions): JobComputeEnvironments;
}
