import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { guardInteger } from '../shared/guards';
import { AMAZON_MQ } from '../shared/limits';

/** The AWS services a broker network reaches privately, through interface VPC endpoints. */
export type BrokerEndpointService = 'secretsmanager' | 'lambda' | 'sts';

const ENDPOINT_SERVICES: Readonly<Record<BrokerEndpointService, ec2.InterfaceVpcEndpointAwsService>> = {
  secretsmanager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  lambda: ec2.InterfaceVpcEndpointAwsService.LAMBDA,
  sts: ec2.InterfaceVpcEndpointAwsService.STS,
};

/** Props of {@link BrokerNetwork}. */
export interface BrokerNetworkProps {
  /**
   * Availability Zones, one isolated subnet each (1 to 3). Single-instance brokers take one subnet,
   * ActiveMQ active/standby two, RabbitMQ clusters one or more.
   * @default 1
   */
  readonly maxAzs?: number;
  /**
   * Services reached through interface endpoints. Secrets Manager serves the producer and the event
   * source mappings (broker credentials); Lambda serves every Amazon MQ event source mapping; STS the
   * ActiveMQ ones (Lambda Developer Guide, "Process Amazon MQ messages with Lambda").
   * @default ['secretsmanager', 'lambda']
   */
  readonly endpoints?: readonly BrokerEndpointService[];
  /** Retention of the VPC flow log. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Removal policy of the flow log group.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A VPC for private brokers: isolated subnets only (no internet gateway, no NAT gateway), a flow log
 * of rejected traffic, and interface endpoints with private DNS for the AWS services the producer and
 * the Amazon MQ event sources call. The endpoints accept HTTPS only from the security groups given to
 * {@link allowHttpsFrom}, not from the whole VPC.
 */
export class BrokerNetwork extends Construct {
  public readonly vpc: ec2.Vpc;
  /** The security group of every interface endpoint. */
  public readonly endpointSecurityGroup: ec2.SecurityGroup;
  /** The interface endpoints by service. */
  public readonly endpoints: ReadonlyMap<BrokerEndpointService, ec2.InterfaceVpcEndpoint>;
  public readonly flowLogGroup: logs.LogGroup;

  public constructor(scope: Construct, id: string, props: BrokerNetworkProps) {
    super(scope, id);
    const maxAzs = props.maxAzs ?? 1;
    guardInteger(this, 'maxAzs', maxAzs, { min: 1, max: 3, unit: 'AZs', source: 'Amazon MQ deployment modes' });

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    });
    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('RejectedTraffic', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface endpoints: HTTPS from the producer and the broker (event source) security groups only',
      allowAllOutbound: false,
    });
    const endpoints = new Map<BrokerEndpointService, ec2.InterfaceVpcEndpoint>();
    for (const service of props.endpoints ?? ['secretsmanager', 'lambda']) {
      endpoints.set(
        service,
        this.vpc.addInterfaceEndpoint(`${service[0].toUpperCase()}${service.slice(1)}Endpoint`, {
          service: ENDPOINT_SERVICES[service],
          privateDnsEnabled: true,
          open: false,
          securityGroups: [this.endpointSecurityGroup],
          subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        }),
      );
    }
    this.endpoints = endpoints;
  }

  /** Lets a security group reach every interface endpoint over HTTPS (and only that). */
  public allowHttpsFrom(peer: ec2.ISecurityGroup, description: string): void {
    const port = ec2.Port.tcp(AMAZON_MQ.ports.https);
    this.endpointSecurityGroup.addIngressRule(peer, port, description);
    peer.addEgressRule(this.endpointSecurityGroup, port, `${description} (to the interface endpoints)`);
  }
}
