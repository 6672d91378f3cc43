import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { guardInteger, PropError } from '../../shared/guards';
import { acknowledge } from '../../shared/nag';
import type { IJobCompute, JobComputeEnvironments, JobComputeOptions, JobPlatform } from './job-compute';

/** Props of {@link Ec2Compute}. */
export interface Ec2ComputeProps {
  /**
   * EC2 Spot instances: up to 90% cheaper, reclaimed with two minutes' notice (the job's retry
   * strategy then runs it again).
   * @default false
   */
  readonly spot?: boolean;
  /**
   * Instance families Batch may launch (any size of them). Their architecture must be the job's.
   * @default - m7i and c7i for X86_64 jobs, m7g and c7g for ARM64 jobs
   */
  readonly instanceClasses?: ec2.InstanceClass[];
  /**
   * Exact instance types, in addition to `instanceClasses`.
   * @default - none
   */
  readonly instanceTypes?: ec2.InstanceType[];
  /**
   * vCPUs kept running while no job runs. 0 lets the environment scale to no instance at all.
   * @default 0
   */
  readonly minvCpus?: number;
}

/**
 * A managed EC2 (or EC2 Spot) compute environment: Batch launches ECS-optimized Amazon Linux 2023
 * instances of the allowed families when jobs wait and terminates them when idle. Instances
 * require IMDSv2 (containers cannot reach the instance's credentials) and have an encrypted root volume.
 * Choose it over Fargate for more than 16 vCPUs or 120 GiB, GPUs, a custom AMI, or many short jobs.
 */
export class Ec2Compute implements IJobCompute {
  public readonly kind: string;
  public readonly platform: JobPlatform = 'EC2';
  public readonly managed = true;
  private readonly props: Ec2ComputeProps;

  public constructor(props: Ec2ComputeProps = {}) {
    this.props = props;
    this.kind = props.spot ? 'ec2-spot' : 'ec2';
  }

  public bind(scope: Construct, options: JobComputeOptions): JobComputeEnvironments {
    const arm = options.architecture === ecs.CpuArchitecture.ARM64;
    const architecture = arm ? 'ARM64' : 'X86_64';
    const instanceClasses =
      this.props.instanceClasses ?? (arm ? [ec2.InstanceClass.M7G, ec2.InstanceClass.C7G] : [ec2.InstanceClass.M7I, ec2.InstanceClass.C7I]);
    const instanceTypes = this.props.instanceTypes ?? [];
    const minvCpus = this.props.minvCpus ?? 0;
    guardInteger(scope, 'minvCpus', minvCpus, { min: 0, max: options.maxvCpus, unit: 'vCPUs', source: 'at most maxvCpus' });
    if (instanceClasses.length + instanceTypes.length === 0)
      throw new PropError(scope, 'instanceClasses', 'is empty: allow at least one instance family');
    const wanted = arm ? ec2.InstanceArchitecture.ARM_64 : ec2.InstanceArchitecture.X86_64;
    const types = [...instanceClasses.map((c) => new ec2.InstanceType(`${c}.large`)), ...instanceTypes];
    const wrong = types.filter((t) => t.architecture !== wanted);
    if (wrong.length > 0) {
      throw new PropError(
        scope,
        'instanceClasses',
        `= ${wrong.map((t) => String(t).replace(/\.large$/, '')).join(', ')} are not ${architecture} instances: the job's ${architecture} image cannot run on them`,
      );
    }

    const id = this.props.spot ? 'Ec2Spot' : 'Ec2';
    const launchTemplate = new ec2.LaunchTemplate(scope, `${id}LaunchTemplate`, {
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(30, { encrypted: true }) }],
    });
    const environment = new batch.ManagedEc2EcsComputeEnvironment(scope, id, {
      vpc: options.vpc,
      vpcSubnets: options.vpcSubnets,
      securityGroups: options.securityGroups,
      maxvCpus: options.maxvCpus,
      minvCpus,
      spot: this.props.spot,
      instanceClasses,
      instanceTypes,
      useOptimalInstanceClasses: false,
      // Amazon Linux 2023 explicitly: without it Batch launches Amazon Linux 2 instances.
      images: [{ imageType: batch.EcsMachineImageType.ECS_AL2023 }],
      launchTemplate,
    });
    if (environment.instanceRole) {
      acknowledge(
        environment.instanceRole,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]',
        'The ECS container instance role: AmazonEC2ContainerServiceforEC2Role is the policy AWS Batch documents for the instances of a managed EC2 environment (register with ECS, pull images, write logs); jobs get their own job role.',
      );
    }
    return { environments: [environment], maxvCpus: options.maxvCpus };
  }
}
