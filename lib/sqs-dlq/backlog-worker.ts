import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { guardInteger, PropError } from '../shared/guards';
import { acknowledge } from '../shared/nag';
import type { QueueWithDeadLetter } from './queue-with-dead-letter';

/** The public image the placeholder worker runs: the AWS CLI, from Amazon ECR Public. */
export const DEFAULT_WORKER_IMAGE = 'public.ecr.aws/aws-cli/aws-cli:2.22.0';

/**
 * The placeholder worker's loop: long-poll up to 10 messages, "process" each (log its id), delete it.
 * Replace the image and command with your own worker; keep the delete-after-success order.
 */
export const DEFAULT_WORKER_SCRIPT = [
  'set -u',
  'while true; do',
  '  out=$(aws sqs receive-message --queue-url "$QUEUE_URL" --max-number-of-messages 10 --wait-time-seconds 20 --query "Messages[].[MessageId,ReceiptHandle]" --output text) || { sleep 5; continue; }',
  '  [ -z "$out" ] || [ "$out" = "None" ] && continue',
  '  printf "%s\\n" "$out" | while read -r id handle; do echo "processed $id"; aws sqs delete-message --queue-url "$QUEUE_URL" --receipt-handle "$handle"; done',
  'done',
].join('\n');

/** Props of {@link BacklogWorker}. */
export interface BacklogWorkerProps {
  /** The queue whose backlog drives the number of workers. */
  readonly source: QueueWithDeadLetter;
  /**
   * The worker's container image.
   * @default - the AWS CLI image running {@link DEFAULT_WORKER_SCRIPT}
   */
  readonly image?: ecs.ContainerImage;
  /**
   * The container command; with the default image, a shell script.
   * @default - {@link DEFAULT_WORKER_SCRIPT}
   */
  readonly command?: string[];
  /**
   * Fewest tasks; 0 lets the service scale in completely when the queue is empty.
   * @default 0
   */
  readonly minTasks?: number;
  /**
   * Most tasks.
   * @default 4
   */
  readonly maxTasks?: number;
  /**
   * Step scaling on ApproximateNumberOfMessagesVisible: each interval's `change` in tasks.
   * @default - remove a task at 0 messages, add 1 from 1 message, add 2 more from 500
   */
  readonly scalingSteps?: appscaling.ScalingInterval[];
  /**
   * The VPC the tasks run in (private subnets with egress).
   * @default - a new two-AZ VPC with one NAT gateway and flow logs
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Retention of the worker's and the flow logs' log groups.
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the log groups.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A Fargate service that consumes a queue and scales on its backlog: CloudWatch alarms on the queue's
 * ApproximateNumberOfMessagesVisible drive Application Auto Scaling step policies, the mechanism
 * the service notes describe ("CloudWatch alarms on queue depth drive auto scaling").
 */
export class BacklogWorker extends Construct {
  /** The VPC of the tasks. */
  public readonly vpc: ec2.IVpc;
  /** The ECS cluster, with Container Insights. */
  public readonly cluster: ecs.Cluster;
  /** The queue-processing service (task definition, service, scaling policies). */
  public readonly service: ecsPatterns.QueueProcessingFargateService;
  /** The worker's log group. */
  public readonly logGroup: logs.LogGroup;

  public constructor(scope: Construct, id: string, props: BacklogWorkerProps) {
    super(scope, id);
    const minTasks = props.minTasks ?? 0;
    const maxTasks = props.maxTasks ?? 4;
    const range = { min: 0, max: 1000, unit: 'tasks' };
    guardInteger(this, 'minTasks', minTasks, range);
    guardInteger(this, 'maxTasks', maxTasks, { ...range, min: 1 });
    if (minTasks > maxTasks) {
      throw new PropError(this, 'minTasks', `= ${minTasks} is greater than maxTasks = ${maxTasks}`);
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const retention = props.logRetention ?? logs.RetentionDays.ONE_WEEK;

    if (props.vpc) {
      this.vpc = props.vpc;
    } else {
      const vpc = new ec2.Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: 1,
        subnetConfiguration: [
          { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
          { name: 'workers', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
        ],
      });
      const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention, removalPolicy });
      vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs) });
      this.vpc = vpc;
    }
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention, removalPolicy });

    const usesDefaultImage = props.image === undefined;
    this.service = new ecsPatterns.QueueProcessingFargateService(this, 'Service', {
      cluster: this.cluster,
      queue: props.source.queue,
      image: props.image ?? ecs.ContainerImage.fromRegistry(DEFAULT_WORKER_IMAGE),
      command: props.command ?? (usesDefaultImage ? [DEFAULT_WORKER_SCRIPT] : undefined),
      environment: { QUEUE_URL: props.source.queue.queueUrl },
      minScalingCapacity: minTasks,
      maxScalingCapacity: maxTasks,
      scalingSteps: props.scalingSteps ?? [
        { upper: 0, change: -1 },
        { lower: 1, change: +1 },
        { lower: 500, change: +2 },
      ],
      disableCpuBasedScaling: true,
      cooldown: Duration.minutes(1),
      cpu: 256,
      memoryLimitMiB: 512,
      logDriver: ecs.LogDrivers.awsLogs({ streamPrefix: 'worker', logGroup: this.logGroup }),
      taskSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      minHealthyPercent: 100,
      circuitBreaker: { rollback: true },
    });
    if (usesDefaultImage) {
      // The AWS CLI image's entry point is `aws`; the placeholder loop needs a shell.
      const taskDefinition = this.service.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition;
      taskDefinition.addPropertyOverride('ContainerDefinitions.0.EntryPoint', ['/bin/sh', '-c']);
    }
    acknowledge(
      this.service.taskDefinition,
      'AwsSolutions-ECS2',
      'The only environment variables are the queue URL and name: identifiers, not secrets.',
    );
  }
}
