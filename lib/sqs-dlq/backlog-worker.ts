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

/** Props of {@link BacklogWorker}. */
export interface BacklogWorkerProps {
  /** The queue whose backlog drives the number of workers. */
  readonly source: QueueWithDeadLetter;
  /**
   * Your worker's container image. It receives the queue URL in `QUEUE_URL`, long-polls it, and
   * deletes a message only after processing it. There is no default: a placeholder worker would
   * consume and drop real messages.
   */
  readonly image: ecs.ContainerImage;
  /**
   * The container command.
   * @default - the image's own command (its CMD)
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
 * A Fargate service that runs your worker image on a queue and scales on its backlog: CloudWatch
 * alarms on the queue's ApproximateNumberOfMessagesVisible drive Application Auto Scaling step
 * policies, the mechanism the service notes describe ("CloudWatch alarms on queue depth drive auto
 * scaling"). The image is required: no default worker consumes (and so drops) messages.
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

    this.service = new ecsPatterns.QueueProcessingFargateService(this, 'Service', {
      cluster: this.cluster,
      queue: props.source.queue,
      image: props.image,
      command: props.command,
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
    acknowledge(
      this.service.taskDefinition,
      'AwsSolutions-ECS2',
      'The only environment variables are the queue URL and name: identifiers, not secrets.',
    );
  }
}
