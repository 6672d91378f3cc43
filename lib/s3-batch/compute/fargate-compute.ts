import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { PropError } from '../../shared/guards';
import type { IJobCompute, JobComputeEnvironments, JobComputeOptions, JobPlatform } from './job-compute';

/** Props of {@link FargateCompute}. */
export interface FargateComputeProps {
  /**
   * Fargate Spot: up to 70% cheaper, and a task can be stopped with two minutes' notice (the job's
   * retry strategy then runs it again).
   * @default false
   */
  readonly spot?: boolean;
}

/**
 * A managed Fargate (or Fargate Spot) compute environment: no instances to choose or patch, about
 * 30 seconds to start a job, billed per task while it runs, nothing while idle.
 */
export class FargateCompute implements IJobCompute {
  public readonly kind: string;
  public readonly platform: JobPlatform = 'FARGATE';
  public readonly managed = true;
  private readonly spot: boolean;

  public constructor(props: FargateComputeProps = {}) {
    this.spot = props.spot ?? false;
    this.kind = this.spot ? 'fargate-spot' : 'fargate';
  }

  public bind(scope: Construct, options: JobComputeOptions): JobComputeEnvironments {
    if (this.spot && options.architecture === ecs.CpuArchitecture.ARM64) {
      throw new PropError(
        scope,
        'compute',
        '= Fargate Spot with ARM64 jobs: Fargate Spot does not run ARM64 tasks in every Region, and a queue with only Fargate Spot then blocks them; use X86_64 or on-demand Fargate',
      );
    }
    const environment = new batch.FargateComputeEnvironment(scope, this.spot ? 'FargateSpot' : 'Fargate', {
      vpc: options.vpc,
      vpcSubnets: options.vpcSubnets,
      securityGroups: options.securityGroups,
      maxvCpus: options.maxvCpus,
      spot: this.spot,
    });
    return { environments: [environment], maxvCpus: options.maxvCpus };
  }
}
