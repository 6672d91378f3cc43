import { ArnFormat, Duration, Fn, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as amazonmq from 'aws-cdk-lib/aws-amazonmq';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { thresholdAlarm } from '../shared/alarms';
import { PropError } from '../shared/guards';
import { AMAZON_MQ, AMAZON_MQ_ENGINES } from '../shared/limits';
import { acknowledge } from '../shared/nag';
import type { BrokerCredentials, BrokerEngine } from './broker-credentials';

/** When the weekly maintenance window of a broker starts. */
export interface MaintenanceWindow {
  readonly dayOfWeek: 'MONDAY' | 'TUESDAY' | 'WEDNESDAY' | 'THURSDAY' | 'FRIDAY' | 'SATURDAY' | 'SUNDAY';
  /** HH:MM on a 24-hour clock. */
  readonly timeOfDay: string;
  /**
   * Time zone of `timeOfDay` (for example `UTC`, `Europe/Berlin`).
   * @default 'UTC'
   */
  readonly timeZone?: string;
}

/** Props of {@link MessageBroker}. */
export interface MessageBrokerProps {
  readonly engine: BrokerEngine;
  /**
   * Redundant deployment: ActiveMQ active/standby across two AZs, RabbitMQ three-node cluster across AZs.
   * Without it, one broker instance in one subnet.
   * @default false
   */
  readonly highAvailability?: boolean;
  /**
   * Broker instance type.
   * @default - RabbitMQ mq.m7g.medium (single) or mq.m7g.large (cluster); ActiveMQ mq.t3.micro (single) or mq.m5.large (active/standby)
   */
  readonly instanceType?: string;
  /**
   * Engine version (major.minor: Amazon MQ applies patch versions in the maintenance window).
   * @default - RabbitMQ 4.2, ActiveMQ 5.19
   */
  readonly engineVersion?: string;
  /** The VPC; the broker takes one isolated subnet per AZ it needs. */
  readonly vpc: ec2.IVpc;
  /** The broker user (its password stays in Secrets Manager). */
  readonly credentials: BrokerCredentials;
  /**
   * Customer-managed key for data at rest (ActiveMQ only: RabbitMQ brokers always use an AWS-owned key).
   * @default - an AWS-owned key
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Weekly maintenance window (patch upgrades, pending changes). Active/standby and cluster brokers
   * stay available during it; a single instance is offline while it restarts.
   * @default SUNDAY 03:00 UTC
   */
  readonly maintenanceWindow?: MaintenanceWindow;
  /** Retention of the broker's general (and, for ActiveMQ, audit) log groups. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Removal policy of the broker's log groups.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * ActiveMQ only: prefix of each queue's own dead-letter queue (individual dead-letter strategy).
   * @default 'DLQ.'
   */
  readonly deadLetterQueuePrefix?: string;
  /** Where the broker's alarms notify. @default - no actions */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

interface EngineTraits {
  readonly label: string;
  /** The TLS port producers use. */
  readonly clientPort: number;
  /** The TLS port the Lambda event source uses. */
  readonly eventSourcePort: number;
  readonly haMode: string;
  /** Subnets per deployment mode: [single, redundant]. */
  readonly subnets: readonly [number, number];
}

const ENGINES: Readonly<Record<BrokerEngine, EngineTraits>> = {
  RABBITMQ: {
    label: 'RabbitMQ',
    clientPort: AMAZON_MQ.ports.amqps,
    eventSourcePort: AMAZON_MQ.ports.amqps,
    haMode: 'CLUSTER_MULTI_AZ',
    subnets: [1, 3],
  },
  ACTIVEMQ: {
    label: 'ActiveMQ',
    clientPort: AMAZON_MQ.ports.stompSsl,
    eventSourcePort: AMAZON_MQ.ports.openWireSsl,
    haMode: 'ACTIVE_STANDBY_MULTI_AZ',
    subnets: [1, 2],
  },
};

/** The construct id CDK gives its log retention function (one per stack). */
const LOG_RETENTION_PROVIDER = 'LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a';
const acknowledgedProviders = new WeakSet<object>();

/** Connections above this many mean clients leak connections (each Lambda environment should hold one). */
export const CONNECTION_ALARM_THRESHOLD = 200;
/** Messages ready but not consumed above this many mean the consumer is down or too slow. */
export const BACKLOG_ALARM_THRESHOLD = 1000;

/**
 * An Amazon MQ broker (L1 `AWS::AmazonMQ::Broker` behind a typed construct): private (no public
 * endpoint), in isolated subnets with a security group that opens nothing until a client is allowed,
 * its user from {@link BrokerCredentials}, the current engine version with automatic minor upgrades
 * in a maintenance window, general (and ActiveMQ audit) logs to CloudWatch Logs with retention, and
 * alarms on CPU, memory or heap, ready messages of its queue and connections. For ActiveMQ it carries
 * a configuration that persists every message and gives each queue its own dead-letter queue.
 *
 * Guards the deploy pitfalls Amazon MQ documents: a single instance takes exactly one subnet,
 * active/standby two in different AZs; mq.t3.micro runs single instances only; RabbitMQ 4 runs only
 * on mq.m7g; customer-managed keys apply to ActiveMQ only; RabbitMQ takes exactly one template user.
 */
export class MessageBroker extends Construct {
  public readonly engine: BrokerEngine;
  public readonly broker: amazonmq.CfnBroker;
  public readonly securityGroup: ec2.SecurityGroup;
  /** The ActiveMQ configuration (dead-letter strategy, persistence), when the engine is ActiveMQ. */
  public readonly configuration?: amazonmq.CfnConfiguration;
  public readonly deploymentMode: string;
  public readonly brokerName: string;
  /** The TLS port producers connect to (5671 amqps, 61614 stomp+ssl). */
  public readonly clientPort: number;
  /** The TLS port the Lambda event source connects to (5671 amqps, 61617 OpenWire over TLS). */
  public readonly eventSourcePort: number;
  public readonly deadLetterQueuePrefix: string;
  public readonly alarms: cloudwatch.Alarm[] = [];

  public constructor(scope: Construct, id: string, props: MessageBrokerProps) {
    super(scope, id);
    const traits = ENGINES[props.engine];
    const ha = props.highAvailability ?? false;
    const versions = AMAZON_MQ_ENGINES[props.engine];
    const instanceType = props.instanceType ?? (ha ? versions.productionInstance : versions.sandboxInstance);
    const engineVersion = props.engineVersion ?? versions.version;
    const window = props.maintenanceWindow ?? { dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'UTC' };
    this.engine = props.engine;
    this.deploymentMode = ha ? traits.haMode : 'SINGLE_INSTANCE';
    this.clientPort = traits.clientPort;
    this.eventSourcePort = traits.eventSourcePort;
    this.deadLetterQueuePrefix = props.deadLetterQueuePrefix ?? 'DLQ.';
    this.brokerName = Names.uniqueResourceName(this, { maxLength: 50, separator: '-' });

    const subnets = props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED, onePerAz: true }).subnetIds;
    const wanted = traits.subnets[ha ? 1 : 0];
    const subnetIds = subnets.slice(0, wanted);
    this.validate(props, { ha, instanceType, engineVersion, window, available: subnets.length, wanted });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${traits.label} broker: TLS port ${traits.clientPort} from allowed clients; port ${traits.eventSourcePort} within the group for the Lambda event source`,
      allowAllOutbound: false,
    });
    // The Lambda event source creates its network interfaces in the broker's subnets with the broker's
    // security group, so the group must let itself reach the broker.
    const esmPort = ec2.Port.tcp(traits.eventSourcePort);
    this.securityGroup.addIngressRule(this.securityGroup, esmPort, 'Lambda event source (its ENIs use this group)');
    this.securityGroup.addEgressRule(this.securityGroup, esmPort, 'Lambda event source (its ENIs use this group)');

    if (props.engine === 'ACTIVEMQ') {
      this.configuration = new amazonmq.CfnConfiguration(this, 'Configuration', {
        name: Names.uniqueResourceName(this, { maxLength: 150, separator: '-' }),
        description: 'Persist every message; one dead-letter queue per queue',
        engineType: 'ACTIVEMQ',
        engineVersion,
        authenticationStrategy: 'SIMPLE',
        data: Fn.base64(activeMqConfiguration(this.deadLetterQueuePrefix)),
      });
    }

    const logsPolicy = amazonMqLogsPolicy(this);
    this.broker = new amazonmq.CfnBroker(this, 'Broker', {
      brokerName: this.brokerName,
      engineType: props.engine,
      engineVersion,
      hostInstanceType: instanceType,
      deploymentMode: this.deploymentMode,
      publiclyAccessible: false,
      autoMinorVersionUpgrade: true,
      subnetIds,
      securityGroups: [this.securityGroup.securityGroupId],
      users: [{ username: props.credentials.username, password: props.credentials.passwordReference }],
      logs: props.engine === 'ACTIVEMQ' ? { general: true, audit: true } : { general: true },
      maintenanceWindowStartTime: { dayOfWeek: window.dayOfWeek, timeOfDay: window.timeOfDay, timeZone: window.timeZone ?? 'UTC' },
      encryptionOptions:
        props.engine === 'ACTIVEMQ'
          ? { useAwsOwnedKey: props.encryptionKey === undefined, kmsKeyId: props.encryptionKey?.keyArn }
          : undefined,
      configuration: this.configuration ? { id: this.configuration.ref, revision: this.configuration.attrRevision } : undefined,
    });
    this.broker.node.addDependency(logsPolicy);

    // Amazon MQ creates its log groups itself, without retention: set it (and delete them with the stack).
    const stack = Stack.of(this);
    for (const kind of props.engine === 'ACTIVEMQ' ? ['general', 'audit'] : ['general']) {
      new logs.LogRetention(this, `${kind[0].toUpperCase()}${kind.slice(1)}LogRetention`, {
        logGroupName: Fn.join('', ['/aws/amazonmq/broker/', this.broker.attrId, `/${kind}`]),
        retention: props.logRetention,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
      });
      const provider = stack.node.tryFindChild(LOG_RETENTION_PROVIDER);
      const policy = provider?.node.tryFindChild('ServiceRole')?.node.tryFindChild('DefaultPolicy');
      if (policy) {
        const brokerId = stack.getLogicalId(this.broker);
        acknowledge(
          policy,
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/amazonmq/broker/<${brokerId}.Id>/${kind}:*]`,
          'The CDK log retention function sets the retention of the log group Amazon MQ creates for this broker (its streams are named by Amazon MQ, hence :*).',
        );
      }
    }
    const provider = stack.node.tryFindChild(LOG_RETENTION_PROVIDER);
    const role = provider?.node.tryFindChild('ServiceRole');
    if (role && !acknowledgedProviders.has(role)) {
      acknowledgedProviders.add(role);
      acknowledge(
        role,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'The CDK log retention function (a framework singleton) writes its own logs with the basic execution managed policy; it is not configurable.',
      );
      const policy = role.node.tryFindChild('DefaultPolicy');
      if (policy) {
        acknowledge(
          policy,
          'AwsSolutions-IAM5[Resource::*]',
          'The CDK log retention function calls logs:DescribeLogGroups-style actions that CDK grants on "*"; its log-group actions are scoped to the broker log groups.',
        );
      }
    }
  }

  /** The broker's ARN. */
  public get brokerArn(): string {
    return this.broker.attrArn;
  }

  /**
   * The client endpoints, comma-separated (amqps:// for RabbitMQ; stomp+ssl:// for ActiveMQ, two of
   * them for an active/standby pair).
   */
  public get endpoints(): string {
    return Fn.join(',', this.engine === 'RABBITMQ' ? this.broker.attrAmqpEndpoints : this.broker.attrStompEndpoints);
  }

  /** Lets a client security group reach the broker's TLS port (and only that). */
  public allowClient(client: ec2.ISecurityGroup, description: string): void {
    const port = ec2.Port.tcp(this.clientPort);
    this.securityGroup.addIngressRule(client, port, description);
    client.addEgressRule(this.securityGroup, port, `${description} (to the broker)`);
  }

  /** A metric of the broker (namespace AWS/AmazonMQ), over every instance of an ActiveMQ pair. */
  public metric(metricName: string, options: { statistic?: string; dimensions?: Record<string, string> } = {}): cloudwatch.IMetric {
    const period = Duration.minutes(5);
    const statistic = options.statistic ?? 'Maximum';
    const of = (broker: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/AmazonMQ',
        metricName,
        statistic,
        period,
        dimensionsMap: { Broker: broker, ...options.dimensions },
      });
    if (this.engine === 'RABBITMQ') return of(this.brokerName);
    // ActiveMQ instances report as <name>-1 (and <name>-2 for the standby).
    const instances = this.deploymentMode === 'SINGLE_INSTANCE' ? ['-1'] : ['-1', '-2'];
    if (instances.length === 1) return of(`${this.brokerName}-1`);
    return new cloudwatch.MathExpression({
      expression: 'MAX([i1, i2])',
      usingMetrics: { i1: of(`${this.brokerName}-1`), i2: of(`${this.brokerName}-2`) },
      label: metricName,
      period,
    });
  }

  /** Adds the broker's alarms: CPU, memory (RabbitMQ) or heap (ActiveMQ), connections, and the ready backlog of `queueName`. */
  public addAlarms(queueName: string, action?: cloudwatch.IAlarmAction): void {
    const rabbit = this.engine === 'RABBITMQ';
    const what = `${ENGINES[this.engine].label} broker ${this.node.path}`;
    this.alarms.push(
      thresholdAlarm(this, 'CpuAlarm', {
        description: `${what}: CPU at or above 80% for 15 minutes`,
        metric: this.metric(rabbit ? 'SystemCpuUtilization' : 'CpuUtilization'),
        threshold: 80,
        evaluationPeriods: 3,
        action,
      }),
      thresholdAlarm(this, 'MemoryAlarm', {
        description: rabbit
          ? `${what}: memory at or above 80% of its high watermark (publishers get blocked at 100%)`
          : `${what}: JVM heap at or above 80% (producer flow control starts near 100%)`,
        metric: rabbit
          ? new cloudwatch.MathExpression({
              expression: '100 * used / limit',
              usingMetrics: { used: this.metric('RabbitMQMemUsed'), limit: this.metric('RabbitMQMemLimit') },
              label: 'memory used, % of limit',
              period: Duration.minutes(5),
            })
          : this.metric('HeapUsage'),
        threshold: 80,
        evaluationPeriods: 2,
        action,
      }),
      thresholdAlarm(this, 'ConnectionsAlarm', {
        description: `${what}: ${CONNECTION_ALARM_THRESHOLD} or more connections (a client is leaking connections)`,
        metric: this.metric(rabbit ? 'ConnectionCount' : 'CurrentConnectionsCount'),
        threshold: CONNECTION_ALARM_THRESHOLD,
        action,
      }),
      thresholdAlarm(this, 'BacklogAlarm', {
        description: `${what}: ${BACKLOG_ALARM_THRESHOLD} or more messages waiting in ${queueName} (the consumer is down or too slow)`,
        metric: rabbit
          ? this.metric('MessageReadyCount', { dimensions: { VirtualHost: '/', Queue: queueName } })
          : this.metric('QueueSize', { dimensions: { Queue: queueName } }),
        threshold: BACKLOG_ALARM_THRESHOLD,
        evaluationPeriods: 2,
        action,
      }),
    );
  }

  private validate(
    props: MessageBrokerProps,
    c: { ha: boolean; instanceType: string; engineVersion: string; window: MaintenanceWindow; available: number; wanted: number },
  ): void {
    const label = ENGINES[props.engine].label;
    if (c.available < c.wanted && !(props.engine === 'RABBITMQ' && c.ha && c.available >= 1)) {
      throw new PropError(
        this,
        'vpc',
        `has ${c.available} isolated subnet(s) in distinct AZs: a ${this.deploymentMode} ${label} broker needs ${c.wanted} (Amazon MQ CreateBroker SubnetIds)`,
      );
    }
    if (c.ha && c.instanceType === 'mq.t3.micro') {
      throw new PropError(
        this,
        'instanceType',
        `= mq.t3.micro runs single-instance brokers only: use mq.m5.large or larger for ${this.deploymentMode}`,
      );
    }
    if (props.engine === 'RABBITMQ' && /^4\./.test(c.engineVersion) && !c.instanceType.startsWith('mq.m7g.')) {
      throw new PropError(this, 'instanceType', `= ${c.instanceType}: RabbitMQ ${c.engineVersion} runs only on mq.m7g instance types`);
    }
    if (props.engine === 'ACTIVEMQ' && c.instanceType.startsWith('mq.m7g.')) {
      throw new PropError(
        this,
        'instanceType',
        `= ${c.instanceType}: mq.m7g instance types are for RabbitMQ only; ActiveMQ uses mq.t3.micro or mq.m5`,
      );
    }
    if (props.engine === 'RABBITMQ' && props.encryptionKey !== undefined) {
      throw new PropError(this, 'encryptionKey', 'is not supported for RabbitMQ brokers (they encrypt with an AWS-owned key): remove it');
    }
    if (!Token.isUnresolved(c.window.timeOfDay) && !/^([01]\d|2[0-3]):[0-5]\d$/.test(c.window.timeOfDay)) {
      throw new PropError(this, 'maintenanceWindow.timeOfDay', `= ${JSON.stringify(c.window.timeOfDay)} must be HH:MM on a 24-hour clock`);
    }
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(this.deadLetterQueuePrefix)) {
      throw new PropError(
        this,
        'deadLetterQueuePrefix',
        `= ${JSON.stringify(this.deadLetterQueuePrefix)} must be 1 to 100 letters, digits, . _ -`,
      );
    }
  }
}

/**
 * The ActiveMQ configuration: every message persistent (so that poison messages reach the dead-letter
 * queue: ActiveMQ discards non-persistent ones instead), and an individual dead-letter queue per queue.
 */
export function activeMqConfiguration(deadLetterQueuePrefix: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
    '<broker xmlns="http://activemq.apache.org/schema/core">',
    '  <destinationPolicy>',
    '    <policyMap>',
    '      <policyEntries>',
    '        <policyEntry queue="&gt;">',
    '          <deadLetterStrategy>',
    `            <individualDeadLetterStrategy queuePrefix="${deadLetterQueuePrefix}" useQueueForQueueMessages="true" processNonPersistent="true"/>`,
    '          </deadLetterStrategy>',
    '        </policyEntry>',
    '      </policyEntries>',
    '    </policyMap>',
    '  </destinationPolicy>',
    '  <plugins>',
    '    <forcePersistencyModeBrokerPlugin persistenceFlag="true"/>',
    '  </plugins>',
    '</broker>',
  ].join('\n');
}

/**
 * The CloudWatch Logs resource policy that lets Amazon MQ write broker logs (Amazon MQ Developer Guide,
 * "Configuring ActiveMQ logs"): without it the broker publishes nothing. One per stack.
 */
function amazonMqLogsPolicy(scope: Construct): logs.ResourcePolicy {
  const stack = Stack.of(scope);
  const id = 'AmazonMqLogsPolicy';
  const existing = stack.node.tryFindChild(id) as logs.ResourcePolicy | undefined;
  if (existing) return existing;
  const policy = new logs.ResourcePolicy(stack, id, {
    resourcePolicyName: Names.uniqueResourceName(stack, { maxLength: 200, separator: '-' }),
    policyStatements: [
      new iam.PolicyStatement({
        sid: 'AmazonMqBrokerLogs',
        principals: [new iam.ServicePrincipal('mq.amazonaws.com')],
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '/aws/amazonmq/broker/*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    ],
  });
  return policy;
}
