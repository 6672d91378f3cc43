import { RemovalPolicy, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import { guardInteger, PropError } from '../shared/guards';
import type { JobPlatform } from './compute/job-compute';

/**
 * Where a job's tasks or instances run and how they reach the image registry, S3 and CloudWatch Logs.
 * {@link BatchNetwork} builds one; bring your own VPC by describing it the same way.
 */
export interface JobNetwork {
  /** The VPC. */
  readonly vpc: ec2.IVpc;
  /** The subnets jobs run in. */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** The security groups of the compute environments (their egress decides what jobs can reach). */
  readonly securityGroups: ec2.ISecurityGroup[];
  /**
   * Fargate tasks get a public IP (public subnets without a NAT gateway need it to reach ECR).
   * EC2 instances in public subnets get one when the subnet maps public IPs on launch.
   */
  readonly assignPublicIp: boolean;
  /**
   * The short names of the interface endpoints reachable from the subnets (`ecr.api`, `ecr.dkr`,
   * `logs`, `ecs`, `ecs-agent`, `ecs-telemetry`). Private subnets without a NAT gateway need them.
   */
  readonly interfaceEndpoints: readonly string[];
  /** Whether the subnets' route tables have an S3 gateway endpoint (ECR image layers are stored in S3). */
  readonly s3GatewayEndpoint: boolean;
}

/** The subnets a {@link BatchNetwork} creates for jobs. */
export enum JobSubnets {
  /** Public subnets, a public IP per Fargate task or EC2 instance, no NAT gateway: nothing to pay while idle. */
  PUBLIC = 'public',
  /** Private subnets without a route to the internet; VPC endpoints for ECR, S3 and CloudWatch Logs (and ECS for EC2). */
  PRIVATE_WITH_ENDPOINTS = 'private-with-endpoints',
}

/** The interface endpoints every job needs in private subnets: pull the image, write logs. */
export const FARGATE_ENDPOINTS = ['ecr.api', 'ecr.dkr', 'logs'] as const;
/** What EC2 container instances need on top: register with ECS and report to it. */
export const EC2_ENDPOINTS = [...FARGATE_ENDPOINTS, 'ecs', 'ecs-agent', 'ecs-telemetry'] as const;

const ENDPOINT_SERVICES: Readonly<Record<string, ec2.InterfaceVpcEndpointAwsService>> = {
  'ecr.api': ec2.InterfaceVpcEndpointAwsService.ECR,
  'ecr.dkr': ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
  logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  ecs: ec2.InterfaceVpcEndpointAwsService.ECS,
  'ecs-agent': ec2.InterfaceVpcEndpointAwsService.ECS_AGENT,
  'ecs-telemetry': ec2.InterfaceVpcEndpointAwsService.ECS_TELEMETRY,
};

/** Props of {@link BatchNetwork}. */
export interface BatchNetworkProps {
  /**
   * Public subnets (no NAT gateway) or private subnets with VPC endpoints.
   * @default JobSubnets.PUBLIC
   */
  readonly subnets?: JobSubnets;
  /**
   * The platform the jobs run on: EC2 instances in private subnets also need the ECS endpoints.
   * @default 'FARGATE'
   */
  readonly platform?: JobPlatform;
  /**
   * Availability zones.
   * @default 1 for public subnets (sandbox), 2 for private subnets
   */
  readonly maxAzs?: number;
  /**
   * Retention of the VPC flow logs.
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the flow log group.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A VPC for Batch jobs that can always pull their image: public subnets with a public IP per task
 * and no NAT gateway, or private subnets whose only way out is VPC endpoints (ECR API and Docker,
 * the S3 gateway for image layers and data, CloudWatch Logs, and ECS for EC2 instances). One security
 * group allows HTTPS out and nothing in. Flow logs go to CloudWatch Logs.
 */
export class BatchNetwork extends Construct implements JobNetwork {
  public readonly vpc: ec2.Vpc;
  public readonly vpcSubnets: ec2.SubnetSelection;
  public readonly securityGroups: ec2.ISecurityGroup[];
  public readonly assignPublicIp: boolean;
  public readonly interfaceEndpoints: readonly string[];
  public readonly s3GatewayEndpoint: boolean;
  /** The security group of the compute environments: HTTPS out, nothing in. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The flow logs' log group. */
  public readonly flowLogGroup: logs.LogGroup;
  /** The security group of the interface endpoints (private subnets only): HTTPS from the jobs. */
  public readonly endpointSecurityGroup?: ec2.SecurityGroup;

  public constructor(scope: Construct, id: string, props: BatchNetworkProps = {}) {
    super(scope, id);
    const subnets = props.subnets ?? JobSubnets.PUBLIC;
    const isPublic = subnets === JobSubnets.PUBLIC;
    const maxAzs = props.maxAzs ?? (isPublic ? 1 : 2);
    guardInteger(this, 'maxAzs', maxAzs, { min: 1, max: 6, unit: 'AZs' });
    const subnetType = isPublic ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_ISOLATED;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs,
      natGateways: 0,
      subnetConfiguration: [{ name: isPublic ? 'jobs-public' : 'jobs-private', subnetType, cidrMask: 20 }],
    });
    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup) });

    this.securityGroup = new ec2.SecurityGroup(this, 'JobsSecurityGroup', {
      vpc: this.vpc,
      description: 'Batch jobs: HTTPS out (ECR, S3, CloudWatch Logs, ECS), nothing in',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs and VPC endpoints');

    this.vpcSubnets = { subnetType };
    this.securityGroups = [this.securityGroup];
    this.assignPublicIp = isPublic;
    if (isPublic) {
      this.interfaceEndpoints = [];
      this.s3GatewayEndpoint = false;
    } else {
      this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [this.vpcSubnets] });
      // The endpoints accept HTTPS from the jobs' security group only (not from the whole VPC).
      this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointsSecurityGroup', {
        vpc: this.vpc,
        description: 'VPC interface endpoints: HTTPS from the Batch jobs only',
        allowAllOutbound: false,
      });
      this.endpointSecurityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(443), 'HTTPS from the Batch jobs');
      const names = (props.platform ?? 'FARGATE') === 'EC2' ? EC2_ENDPOINTS : FARGATE_ENDPOINTS;
      for (const name of names) {
        this.vpc.addInterfaceEndpoint(`Endpoint-${name}`, {
          service: ENDPOINT_SERVICES[name],
          subnets: this.vpcSubnets,
          privateDnsEnabled: true,
          securityGroups: [this.endpointSecurityGroup],
          open: false,
        });
      }
      this.interfaceEndpoints = names;
      this.s3GatewayEndpoint = true;
    }
  }
}

/**
 * Throws a {@link PropError} when jobs in `network` could never pull their image from ECR: Fargate
 * tasks in public subnets without a public IP, EC2 instances in public subnets of this app that do not
 * map public IPs on launch, or private subnets without a NAT gateway that lack the
 * ECR, S3 gateway and CloudWatch Logs endpoints (and the ECS endpoints for EC2 instances). On AWS such
 * a job fails with CannotPullContainerError, or an EC2 instance never joins the cluster and the job
 * waits in RUNNABLE forever.
 */
export function guardRegistryRoute(scope: IConstruct, network: JobNetwork, platform: JobPlatform): void {
  const selected = network.vpc.selectSubnets(network.vpcSubnets).subnets;
  if (selected.length === 0) throw new PropError(scope, 'network.vpcSubnets', 'selects no subnet of the VPC');
  const ids = (list: readonly ec2.ISubnet[]) => new Set(list.map((s) => s.node.path));
  const publicIds = ids(network.vpc.publicSubnets);
  const egressIds = ids(network.vpc.privateSubnets);
  const isolatedIds = ids(network.vpc.isolatedSubnets);
  for (const subnet of selected) {
    const where = `subnet ${subnet.node.id}`;
    if (publicIds.has(subnet.node.path)) {
      if (platform === 'FARGATE' && !network.assignPublicIp) {
        throw new PropError(
          scope,
          'network.assignPublicIp',
          `= false with public ${where}: a Fargate task there has no route to ECR and fails with CannotPullContainerError; assign a public IP or use private subnets with a NAT gateway or VPC endpoints`,
        );
      }
      // EC2 instances get a public IP from the subnet only (the launch template asks for none).
      const cfn = subnet.node.defaultChild;
      if (
        platform === 'EC2' &&
        cfn instanceof ec2.CfnSubnet &&
        cfn.mapPublicIpOnLaunch !== true &&
        !Token.isUnresolved(cfn.mapPublicIpOnLaunch)
      ) {
        throw new PropError(
          scope,
          'network.vpcSubnets',
          `selects public ${where}, which does not map public IPs on launch: an EC2 instance there has no route to ECR or ECS, never joins the cluster and jobs stay RUNNABLE; map public IPs on launch or use private subnets with a NAT gateway or VPC endpoints`,
        );
      }
      continue;
    }
    if (egressIds.has(subnet.node.path)) continue;
    if (!isolatedIds.has(subnet.node.path)) continue; // imported subnet of unknown type: cannot be checked
    const needed: readonly string[] = platform === 'EC2' ? EC2_ENDPOINTS : FARGATE_ENDPOINTS;
    const missing = needed.filter((name) => !network.interfaceEndpoints.includes(name));
    if (!network.s3GatewayEndpoint) missing.push('s3 (gateway)');
    if (missing.length > 0) {
      throw new PropError(
        scope,
        'network',
        `has private ${where} without a NAT gateway and without the VPC endpoints ${missing.join(', ')}: jobs there have no route to the image registry (${platform === 'EC2' ? 'instances never join the cluster and jobs stay RUNNABLE' : 'CannotPullContainerError'})`,
      );
    }
  }
}
