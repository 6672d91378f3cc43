import * as path from 'node:path';
import { type CfnElement, Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { guardDuration, guardInteger, guardRange, PropError } from '../shared/guards';
import { PROJECT_ROOT } from '../shared/handler-bundling';
import { BATCH, FARGATE_SIZES, fargateMemoryFor } from '../shared/limits';
import { acknowledge } from '../shared/nag';
import { guardRegistryRoute, type JobNetwork } from './batch-network';
import type { JobPlatform } from './compute/job-compute';

/** The folder of the job's Dockerfile and code, `containers/s3-batch/`. */
export const JOB_IMAGE_DIR = path.join(PROJECT_ROOT, 'containers', 's3-batch');

/** Exit codes of the job (containers/s3-batch/job.js) that retrying cannot fix: bad arguments, not UTF-8 text. */
export const NON_RETRYABLE_EXIT_CODES = ['64', '65'] as const;

/**
 * The job's command: the job's arguments are the job's parameters, substituted by Batch into the
 * `Ref::` placeholders (the submitter passes bucket, key, etag and versionId).
 */
export const JOB_COMMAND = [
  'node',
  'job.js',
  '--bucket',
  'Ref::bucket',
  '--key',
  'Ref::key',
  '--etag',
  'Ref::etag',
  '--version-id',
  'Ref::versionId',
];

/** Props of {@link ObjectJobDefinition}. */
export interface ObjectJobDefinitionProps {
  /** The bucket the job reads from and writes to. */
  readonly bucket: s3.IBucket;
  /** The job reads objects under this prefix only. */
  readonly inputPrefix: string;
  /** The job writes results under this prefix only. */
  readonly outputPrefix: string;
  /** Fargate or EC2: the compute environments of the queues it is submitted to. */
  readonly platform: JobPlatform;
  /** Where the jobs run; a network with no route to the image registry is refused. */
  readonly network: JobNetwork;
  /**
   * The most vCPUs the queues' environments can give one job; a job asking for more would wait in
   * RUNNABLE forever, so it is refused.
   * @default - not checked (you bring the capacity)
   */
  readonly maxvCpus?: number;
  /**
   * The job's container image.
   * @default - built from containers/s3-batch by `cdk deploy` (Docker or Finch); `cdk synth` only stages it
   */
  readonly image?: ecs.ContainerImage;
  /**
   * CPU architecture of the image and of the Fargate tasks.
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly architecture?: ecs.CpuArchitecture;
  /**
   * vCPUs reserved for the job: a Fargate size (0.25, 0.5, 1, 2, 4, 8, 16) or, on EC2, whole vCPUs.
   * @default 0.25 on Fargate, 1 on EC2
   */
  readonly vcpus?: number;
  /**
   * Memory reserved for the job, in MiB: on Fargate one of the sizes allowed for `vcpus`.
   * @default 512 on Fargate, 1024 on EC2
   */
  readonly memoryMiB?: number;
  /**
   * Fargate ephemeral storage, 21 to 200 GiB (the job streams objects and needs none).
   * @default - 20 GiB, Fargate's default
   */
  readonly ephemeralStorageGiB?: number;
  /**
   * Attempts per job, the first one included: 1 to 10.
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * Rules that decide, per failed attempt, whether to retry or exit (at most 5). When none matches,
   * Batch retries while attempts remain.
   * @default - exit at once on the job's exit codes 64 (bad arguments) and 65 (not UTF-8 text)
   */
  readonly retryStrategies?: batch.RetryStrategy[];
  /**
   * How long one attempt may run before Batch stops it (SIGTERM, then SIGKILL after 30 s). A timed-out
   * attempt is not retried. 60 seconds to 14 days.
   * @default Duration.hours(1)
   */
  readonly timeout?: Duration;
  /**
   * Retention of the job's log group.
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the log group.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The job definition of the object-processing job: the job's own container image (built from
 * `containers/s3-batch`), its `Ref::` parameters, a job role that may read only the input prefix and
 * write only the output prefix, a log group with retention, a retry strategy that does not retry
 * what retrying cannot fix, and an attempt timeout. Sizes are checked against the valid Fargate
 * combinations, and the network against a route to the image registry.
 */
export class ObjectJobDefinition extends Construct {
  /** The job definition. */
  public readonly jobDefinition: batch.EcsJobDefinition;
  /** The job's container. */
  public readonly container: batch.IEcsContainerDefinition;
  /** The role the job's code runs with: read the input prefix, write the output prefix. */
  public readonly jobRole: iam.Role;
  /** The job's log group. */
  public readonly logGroup: logs.LogGroup;
  /** The job's image. */
  public readonly image: ecs.ContainerImage;
  /** vCPUs and memory (MiB) reserved per job. */
  public readonly vcpus: number;
  public readonly memoryMiB: number;

  public constructor(scope: Construct, id: string, props: ObjectJobDefinitionProps) {
    super(scope, id);
    const fargate = props.platform === 'FARGATE';
    const architecture = props.architecture ?? ecs.CpuArchitecture.X86_64;
    const vcpus = props.vcpus ?? (fargate ? 0.25 : 1);
    const memoryMiB = props.memoryMiB ?? (fargate ? 512 : 1024);
    const retryAttempts = props.retryAttempts ?? BATCH.defaultRetryAttempts;
    const retryStrategies =
      props.retryStrategies ??
      NON_RETRYABLE_EXIT_CODES.map((code) => batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.custom({ onExitCode: code })));
    const timeout = props.timeout ?? Duration.seconds(BATCH.defaultAttemptDurationSeconds);

    this.validate({ ...props, fargate, vcpus, memoryMiB, retryAttempts, retryStrategies, timeout });
    guardRegistryRoute(this, props.network, props.platform);
    this.vcpus = vcpus;
    this.memoryMiB = memoryMiB;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Job role of ${this.node.path}: read ${props.inputPrefix}*, write ${props.outputPrefix}*`,
    });
    // GetObject of the version the job is given (a versioned bucket) takes s3:GetObjectVersion.
    this.jobRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [props.bucket.arnForObjects(`${props.inputPrefix}*`)],
      }),
    );
    // ListBucket on the input prefix only, so that a missing object is NoSuchKey (404), not AccessDenied.
    this.jobRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${props.inputPrefix}*`] } },
      }),
    );
    this.jobRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [props.bucket.arnForObjects(`${props.outputPrefix}*`)] }),
    );

    this.image =
      props.image ??
      ecs.ContainerImage.fromAsset(JOB_IMAGE_DIR, {
        platform: architecture === ecs.CpuArchitecture.ARM64 ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
      });
    const common = {
      image: this.image,
      cpu: vcpus,
      memory: Size.mebibytes(memoryMiB),
      command: JOB_COMMAND,
      environment: {
        INPUT_PREFIX: props.inputPrefix,
        OUTPUT_PREFIX: props.outputPrefix,
        AWS_REGION: Stack.of(this).region,
      },
      jobRole: this.jobRole,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'job', logGroup: this.logGroup }),
      readonlyRootFilesystem: true,
    };
    this.container = fargate
      ? new batch.EcsFargateContainerDefinition(this, 'Container', {
          ...common,
          assignPublicIp: props.network.assignPublicIp,
          fargateCpuArchitecture: architecture,
          fargateOperatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
          fargatePlatformVersion: ecs.FargatePlatformVersion.LATEST,
          ephemeralStorageSize: props.ephemeralStorageGiB === undefined ? undefined : Size.gibibytes(props.ephemeralStorageGiB),
        })
      : new batch.EcsEc2ContainerDefinition(this, 'Container', common);

    this.jobDefinition = new batch.EcsJobDefinition(this, 'Definition', {
      container: this.container,
      retryAttempts,
      retryStrategies,
      timeout,
      // Without a version the job reads the current object, checked against its ETag.
      parameters: { versionId: 'null' },
      propagateTags: true,
    });

    const bucketId = Stack.of(this).getLogicalId(props.bucket.node.defaultChild as CfnElement);
    const jobPolicy = this.jobRole.node.findChild('DefaultPolicy');
    acknowledge(
      jobPolicy,
      `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${props.inputPrefix}*]`,
      'The job reads the object (and version) it is given, whose key is not known in advance: GetObject and GetObjectVersion on the input prefix of the bucket only.',
    );
    acknowledge(
      jobPolicy,
      `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${props.outputPrefix}*]`,
      'The job writes one result per object, whose key is not known in advance: PutObject on the output prefix of the bucket only.',
    );
    const executionPolicy = this.container.executionRole?.node.tryFindChild('DefaultPolicy');
    if (executionPolicy) {
      acknowledge(
        executionPolicy,
        'AwsSolutions-IAM5[Resource::*]',
        'ecr:GetAuthorizationToken, which pulling the image needs, does not support resource-level permissions (Service Authorization Reference); the image actions are scoped to the asset repository.',
      );
    }
  }

  private validate(p: {
    fargate: boolean;
    vcpus: number;
    memoryMiB: number;
    retryAttempts: number;
    retryStrategies: batch.RetryStrategy[];
    timeout: Duration;
    maxvCpus?: number;
    ephemeralStorageGiB?: number;
    platform: JobPlatform;
  }): void {
    if (p.fargate) {
      const sizes = fargateMemoryFor(p.vcpus);
      if (!sizes) {
        throw new PropError(this, 'vcpus', `= ${p.vcpus} is not a Fargate size: allowed ${FARGATE_SIZES.map((s) => s.vcpu).join(', ')}`);
      }
      if (!sizes.includes(p.memoryMiB)) {
        const list = sizes.length <= 4 ? sizes.join(', ') : `${sizes[0]} to ${sizes[sizes.length - 1]} in steps of ${sizes[1] - sizes[0]}`;
        throw new PropError(this, 'memoryMiB', `= ${p.memoryMiB} MiB is not a Fargate size for ${p.vcpus} vCPU: allowed ${list} MiB`);
      }
      guardInteger(this, 'ephemeralStorageGiB', p.ephemeralStorageGiB, BATCH.fargateEphemeralStorageGiB);
    } else {
      guardInteger(this, 'vcpus', p.vcpus, BATCH.ec2Vcpus);
      guardInteger(this, 'memoryMiB', p.memoryMiB, BATCH.ec2MemoryMiB);
      if (p.ephemeralStorageGiB !== undefined) throw new PropError(this, 'ephemeralStorageGiB', 'applies to Fargate jobs only');
    }
    if (p.maxvCpus !== undefined && p.vcpus > p.maxvCpus) {
      throw new PropError(
        this,
        'vcpus',
        `= ${p.vcpus} is more than the compute environment's maxvCpus = ${p.maxvCpus}: the job would wait in RUNNABLE forever`,
      );
    }
    guardInteger(this, 'retryAttempts', p.retryAttempts, BATCH.retryAttempts);
    guardRange(this, 'retryStrategies', p.retryStrategies.length, { ...BATCH.evaluateOnExitRules, unit: 'rules' });
    guardDuration(this, 'timeout', p.timeout, BATCH.attemptDurationSeconds);
  }
}
