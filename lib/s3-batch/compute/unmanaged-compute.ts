import * as batch from 'aws-cdk-lib/aws-batch';
import type { Construct } from 'constructs';
import { guardInteger } from '../../shared/guards';
import { acknowledge } from '../../shared/nag';
import type { IJobCompute, JobComputeEnvironments, JobComputeOptions, JobPlatform } from './job-compute';

/** Props of {@link UnmanagedCompute}. */
export interface UnmanagedComputeProps {
  /**
   * vCPUs reserved for fair-share scheduling; only used with a scheduling policy.
   * @default - none
   */
  readonly unmanagedvCpus?: number;
}

/**
 * An unmanaged compute environment: Batch creates an ECS cluster and you bring the capacity, ECS
 * container instances (an AMI that meets the ECS container instance specification) registered to
 * that cluster. Until you do, jobs wait in RUNNABLE: the pattern shows it at synth level only.
 */
export class UnmanagedCompute implements IJobCompute {
  public readonly kind = 'unmanaged';
  public readonly platform: JobPlatform = 'EC2';
  public readonly managed = false;

  public constructor(private readonly props: UnmanagedComputeProps = {}) {}

  public bind(scope: Construct, _options: JobComputeOptions): JobComputeEnvironments {
    guardInteger(scope, 'unmanagedvCpus', this.props.unmanagedvCpus, { min: 0, max: 100_000, unit: 'vCPUs' });
    const environment = new batch.UnmanagedComputeEnvironment(scope, 'Unmanaged', { unmanagedvCpus: this.props.unmanagedvCpus });
    const serviceRole = environment.node.tryFindChild('BatchServiceRole');
    if (serviceRole) {
      acknowledge(
        serviceRole,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBatchServiceRole]',
        "AWS Batch's service role for the unmanaged environment (it manages the environment's ECS cluster): AWSBatchServiceRole is the policy AWS Batch documents for it.",
      );
    }
    return { environments: [environment] };
  }
}
