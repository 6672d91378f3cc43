import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { AlarmTopic } from '../shared/alarm-topic';
import { S3_OBJECTS } from '../shared/limits';
import type { ProfileSettings } from '../shared/profile';
import { SecureBucket } from '../shared/secure-bucket';
import { BatchNetwork, JobSubnets } from './batch-network';
import { Ec2Compute } from './compute/ec2-compute';
import { FargateCompute } from './compute/fargate-compute';
import type { IJobCompute } from './compute/job-compute';
import { UnmanagedCompute } from './compute/unmanaged-compute';
import { JobStateNotifications } from './job-state-notifications';
import { JobSubmitter } from './job-submitter';
import { ObjectJobDefinition } from './object-job-definition';
import { PriorityJobQueues } from './priority-job-queues';

/** The compute variants the `batchCompute` context key selects. */
export const BATCH_COMPUTE_KINDS = ['fargate', 'fargate-spot', 'ec2', 'ec2-spot', 'unmanaged'] as const;
/** A compute variant by name. */
export type BatchComputeKind = (typeof BATCH_COMPUTE_KINDS)[number];

/** The compute variant of each name, with the pattern's defaults. */
export const JOB_COMPUTE: Readonly<Record<BatchComputeKind, () => IJobCompute>> = {
  fargate: () => new FargateCompute(),
  'fargate-spot': () => new FargateCompute({ spot: true }),
  ec2: () => new Ec2Compute(),
  'ec2-spot': () => new Ec2Compute({ spot: true }),
  unmanaged: () => new UnmanagedCompute(),
};

/** Uploads under this prefix (with the input suffix) start jobs. */
export const INPUT_PREFIX = 'incoming/';
/** Only keys with this suffix start jobs. */
export const INPUT_SUFFIX = '.csv';
/** Jobs write their results under this prefix. */
export const OUTPUT_PREFIX = 'results/';
/** Processed inputs expire after this (the lifecycle on processed objects); results stay longer. */
export const INPUT_RETENTION = Duration.days(7);
/** Results, and everything else in the bucket, expire after this. */
export const RESULT_RETENTION = Duration.days(90);

/** Props of {@link S3BatchStack}. */
export interface S3BatchStackProps extends StackProps {
  /** The profile's settings. */
  readonly settings: ProfileSettings;
  /**
   * Address subscribed to the alarm topic.
   * @default - no e-mail subscription
   */
  readonly alarmEmail?: string;
  /**
   * The compute the job queues run on.
   * @default new FargateCompute()
   */
  readonly compute?: IJobCompute;
  /**
   * Where jobs run.
   * @default - the profile decides: public subnets in sandbox (no NAT gateway), private subnets with VPC endpoints in production
   */
  readonly subnets?: JobSubnets;
  /**
   * CPU architecture of the job's image and compute.
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly architecture?: ecs.CpuArchitecture;
}

/**
 * The S3 -> Lambda -> AWS Batch pattern: uploads under `incoming/` invoke a submitter function that
 * starts one Batch job per object version on two prioritised job queues (Fargate by default; Fargate
 * Spot, EC2, EC2 Spot or unmanaged by prop); the job, this repository's container image, writes a
 * checksum and counts under `results/`; job state changes come back through EventBridge to a
 * notification queue, and FAILED jobs raise an alarm.
 */
export class S3BatchStack extends Stack {
  public readonly alarms: AlarmTopic;
  public readonly data: SecureBucket;
  public readonly network: BatchNetwork;
  public readonly queues: PriorityJobQueues;
  public readonly job: ObjectJobDefinition;
  public readonly submitter: JobSubmitter;
  public readonly notifications: JobStateNotifications;

  public constructor(scope: Construct, id: string, props: S3BatchStackProps) {
    super(scope, id, {
      description: 'decoupling-patterns: S3 upload -> Lambda submitter -> AWS Batch job, job state changes through EventBridge',
      ...props,
    });
    const { settings } = props;
    const removalPolicy = settings.removalPolicy;
    const production = settings.profile === 'production';
    const compute = props.compute ?? new FargateCompute();
    const architecture = props.architecture ?? ecs.CpuArchitecture.X86_64;
    this.alarms = new AlarmTopic(this, 'Alarms', { email: props.alarmEmail, removalPolicy });
    const alarmAction = this.alarms.action;

    this.data = new SecureBucket(this, 'Data', {
      expiration: RESULT_RETENTION,
      removalPolicy,
      autoDeleteObjects: settings.autoDeleteObjects,
    });
    this.data.bucket.addLifecycleRule({ id: 'ProcessedInputs', prefix: INPUT_PREFIX, expiration: INPUT_RETENTION });

    this.network = new BatchNetwork(this, 'Network', {
      subnets: props.subnets ?? (production ? JobSubnets.PRIVATE_WITH_ENDPOINTS : JobSubnets.PUBLIC),
      platform: compute.platform,
      logRetention: settings.logRetention,
      removalPolicy,
    });
    this.queues = new PriorityJobQueues(this, 'Queues', {
      compute,
      network: this.network,
      maxvCpus: production ? 16 : 4,
      architecture,
    });
    this.job = new ObjectJobDefinition(this, 'Job', {
      bucket: this.data.bucket,
      inputPrefix: INPUT_PREFIX,
      outputPrefix: OUTPUT_PREFIX,
      platform: this.queues.platform,
      network: this.network,
      maxvCpus: this.queues.maxvCpus,
      architecture,
      logRetention: settings.logRetention,
      removalPolicy,
    });
    this.submitter = new JobSubmitter(this, 'Submitter', {
      bucket: this.data.bucket,
      inputPrefix: INPUT_PREFIX,
      inputSuffix: INPUT_SUFFIX,
      jobQueue: this.queues.jobQueue,
      largeObjectQueue: this.queues.largeObjectQueue,
      jobDefinition: this.job.jobDefinition,
      largeObjectSize: S3_OBJECTS.defaultLargeObjectBytes,
      logRetention: settings.logRetention,
      removalPolicy,
      alarmAction,
    });
    this.notifications = new JobStateNotifications(this, 'JobStates', {
      jobQueues: [this.queues.jobQueue, this.queues.largeObjectQueue],
      removalPolicy,
      alarmAction,
    });

    const outputs: Record<string, string> = {
      AlarmTopicArn: this.alarms.topic.topicArn,
      BucketName: this.data.bucket.bucketName,
      InputPrefix: INPUT_PREFIX,
      InputSuffix: INPUT_SUFFIX,
      OutputPrefix: OUTPUT_PREFIX,
      JobQueueArn: this.queues.jobQueue.jobQueueArn,
      LargeObjectJobQueueArn: this.queues.largeObjectQueue.jobQueueArn,
      LargeObjectBytes: String(S3_OBJECTS.defaultLargeObjectBytes),
      JobDefinitionArn: this.job.jobDefinition.jobDefinitionArn,
      JobLogGroupName: this.job.logGroup.logGroupName,
      ComputeKind: compute.kind,
      NotificationQueueUrl: this.notifications.notifications.queue.queueUrl,
      NotificationDeadLetterQueueUrl: this.notifications.notifications.deadLetterQueue.queueUrl,
      FailedJobsQueueUrl: this.notifications.failedJobs.queue.queueUrl,
      EventsDeadLetterQueueUrl: this.notifications.eventsDeadLetters.queue.queueUrl,
      SubmissionsTableName: this.submitter.submissions.table.tableName,
      SubmitterFailuresQueueUrl: this.submitter.failures.queue.queueUrl,
      SubmitterLogGroupName: this.submitter.function.functionLogGroup.logGroupName,
    };
    for (const [outputId, value] of Object.entries(outputs)) new CfnOutput(this, outputId, { value });
  }
}
