import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { AlarmTopic } from '../shared/alarm-topic';
import { thresholdAlarm } from '../shared/alarms';
import { HandlerFunction } from '../shared/handler-function';
import { acknowledge } from '../shared/nag';
import type { ProfileSettings } from '../shared/profile';
import { SecureTable } from '../shared/secure-table';
import { BrokerConsumer } from './broker-consumer';
import { BrokerCredentials, type BrokerEngine } from './broker-credentials';
import { BrokerNetwork } from './broker-network';
import { BrokerProducer } from './broker-producer';
import { BrokerQueue } from './broker-queue';
import { MessageBroker } from './message-broker';

/** Props of {@link AmazonMqStack}. */
export interface AmazonMqStackProps extends StackProps {
  /** The profile's settings: sandbox deploys single-instance brokers in one AZ, production redundant ones. */
  readonly settings: ProfileSettings;
  /**
   * Address subscribed to the alarm topic.
   * @default - no e-mail subscription
   */
  readonly alarmEmail?: string;
  /**
   * The broker engines to deploy, one broker each.
   * @default ['RABBITMQ', 'ACTIVEMQ']
   */
  readonly engines?: readonly BrokerEngine[];
  /**
   * Customer-managed key that encrypts the broker users' secrets (both engines) and the ActiveMQ broker's
   * storage (RabbitMQ brokers always use an AWS-owned key); not the logs, not the table. A key of
   * another stack or an imported one, in this stack's region; its key policy must let IAM policies of
   * the account grant its use (the default key policy does). Every role that reads a secret (producers,
   * consumer, dead-letter recorder: the event source mappings read it with their function's role) gets
   * kms:Decrypt on it through Secrets Manager only.
   * @default - the AWS-managed key of Secrets Manager (secrets) and an AWS-owned key (brokers)
   */
  readonly encryptionKey?: kms.IKey;
}

/** The queue every broker carries; its dead-letter queue follows each engine's convention. */
export const QUEUE_NAME = 'orders';
/** Processed orders are kept this long (DynamoDB TTL). */
export const RECORD_RETENTION = Duration.days(14);

/** Per engine: the names of its outputs and constructs. */
const LABELS: Readonly<Record<BrokerEngine, string>> = { RABBITMQ: 'RabbitMq', ACTIVEMQ: 'ActiveMq' };

/**
 * The Amazon MQ pattern: private brokers (RabbitMQ and ActiveMQ, selectable) in isolated subnets of
 * their own VPC, reachable only through their TLS ports from a producer function in the VPC; Lambda
 * event source mappings that deliver each queue to one consumer function (acknowledging a batch only
 * when it succeeds) and each dead-letter queue to a recorder function; broker users whose passwords
 * live in Secrets Manager; interface endpoints instead of a NAT gateway; alarms to one topic.
 */
export class AmazonMqStack extends Stack {
  public readonly alarms: AlarmTopic;
  public readonly network: BrokerNetwork;
  public readonly processed: SecureTable;
  public readonly consumer: HandlerFunction;
  public readonly deadLetterRecorder: HandlerFunction;
  public readonly brokers = new Map<BrokerEngine, MessageBroker>();
  public readonly producers = new Map<BrokerEngine, BrokerProducer>();

  public constructor(scope: Construct, id: string, props: AmazonMqStackProps) {
    super(scope, id, {
      description: 'decoupling-patterns: private Amazon MQ brokers (RabbitMQ, ActiveMQ) with Lambda producers and consumers',
      ...props,
    });
    const { settings } = props;
    const removalPolicy = settings.removalPolicy;
    const engines = [...new Set(props.engines ?? (['RABBITMQ', 'ACTIVEMQ'] as const))];
    const production = settings.profile === 'production';
    this.alarms = new AlarmTopic(this, 'Alarms', { email: props.alarmEmail, removalPolicy });
    const alarmAction = this.alarms.action;

    this.network = new BrokerNetwork(this, 'Network', {
      maxAzs: production ? 3 : 1,
      endpoints: engines.includes('ACTIVEMQ') ? ['secretsmanager', 'lambda', 'sts'] : ['secretsmanager', 'lambda'],
      logRetention: settings.logRetention,
      removalPolicy,
    });
    this.processed = new SecureTable(this, 'Processed', { partitionKey: 'id', timeToLiveAttribute: 'expiresAt', removalPolicy });

    const functionDefaults = { timeout: Duration.seconds(30), memorySize: 256, logRetention: settings.logRetention, removalPolicy };
    this.consumer = new HandlerFunction(this, 'Consumer', {
      ...functionDefaults,
      entry: 'amazon-mq/consumer.ts',
      description: 'Processes orders from the broker queues (idempotent; a failure returns the whole batch)',
      serviceName: 'amazon-mq-consumer',
      environment: { PROCESSED_TABLE_NAME: this.processed.table.tableName, RECORD_RETENTION_DAYS: String(RECORD_RETENTION.toDays()) },
    });
    this.deadLetterRecorder = new HandlerFunction(this, 'DeadLetterRecorder', {
      ...functionDefaults,
      entry: 'amazon-mq/dead-letter-recorder.ts',
      description: 'Records every dead-lettered message (body and broker metadata) for inspection and replay',
      serviceName: 'amazon-mq-dead-letter-recorder',
      environment: { PROCESSED_TABLE_NAME: this.processed.table.tableName, RECORD_RETENTION_DAYS: String(RECORD_RETENTION.toDays()) },
    });
    this.processed.table.grant(this.consumer, 'dynamodb:PutItem');
    this.processed.table.grant(this.deadLetterRecorder, 'dynamodb:PutItem');
    for (const fn of [this.consumer, this.deadLetterRecorder]) {
      const reason = `${fn.node.path} is invoked only by Amazon MQ event source mappings (synchronous polling): a failed batch returns to the broker, which dead-letters it after its delivery limit.`;
      acknowledge(fn, 'Serverless-LambdaDLQ', reason);
      acknowledge(fn, 'Serverless-LambdaAsyncFailureDestination', reason);
    }
    thresholdAlarm(this, 'ConsumerErrorAlarm', {
      description: 'Consumer: invocations failed, so whole batches return to their broker queue',
      metric: this.consumer.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 1,
      action: alarmAction,
    });
    thresholdAlarm(this, 'DeadLettersAlarm', {
      description: 'Messages were dead-lettered (the recorder ran): inspect them in the Processed table',
      metric: this.deadLetterRecorder.metricInvocations({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      action: alarmAction,
    });
    thresholdAlarm(this, 'DeadLetterRecorderErrorAlarm', {
      description: 'Dead-letter recorder: invocations failed, so dead letters wait in their dead-letter queue',
      metric: this.deadLetterRecorder.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      action: alarmAction,
    });

    const outputs: Record<string, string> = {
      AlarmTopicArn: this.alarms.topic.topicArn,
      ProcessedTableName: this.processed.table.tableName,
      ConsumerLogGroupName: this.consumer.functionLogGroup.logGroupName,
      Engines: engines.join(','),
    };
    for (const engine of engines) {
      const label = LABELS[engine];
      const credentials = new BrokerCredentials(this, `${label}User`, {
        engine,
        encryptionKey: props.encryptionKey,
        removalPolicy,
      });
      const broker = new MessageBroker(this, `${label}Broker`, {
        engine,
        highAvailability: production,
        vpc: this.network.vpc,
        credentials,
        encryptionKey: engine === 'ACTIVEMQ' ? props.encryptionKey : undefined,
        logRetention: settings.logRetention,
        removalPolicy,
      });
      this.network.allowHttpsFrom(broker.securityGroup, `${label} event source (Lambda, STS, Secrets Manager)`);
      const queue = new BrokerQueue(this, `${label}Queue`, { broker, name: QUEUE_NAME });
      broker.addAlarms(queue.name, alarmAction);
      const producer = new BrokerProducer(this, `${label}Producer`, {
        broker,
        credentials,
        network: this.network,
        queue,
        logRetention: settings.logRetention,
        removalPolicy,
      });
      new BrokerConsumer(this, `${label}Consumer`, {
        broker,
        credentials,
        queueName: queue.name,
        handler: this.consumer,
        maxMessageBytes: producer.maxMessageBytes,
      });
      new BrokerConsumer(this, `${label}DeadLetterConsumer`, {
        broker,
        credentials,
        queueName: queue.deadLetterQueueName,
        handler: this.deadLetterRecorder,
        maxMessageBytes: producer.maxMessageBytes,
      });
      this.brokers.set(engine, broker);
      this.producers.set(engine, producer);
      Object.assign(outputs, {
        [`${label}BrokerArn`]: broker.brokerArn,
        [`${label}BrokerEndpoints`]: broker.endpoints,
        [`${label}SecretArn`]: credentials.secret.secretArn,
        [`${label}QueueName`]: queue.name,
        [`${label}DeadLetterQueueName`]: queue.deadLetterQueueName,
        [`${label}MaxDeliveries`]: String(queue.maxDeliveries),
        [`${label}ProducerFunctionName`]: producer.function.functionName,
      });
    }
    for (const [outputId, value] of Object.entries(outputs)) new CfnOutput(this, outputId, { value });

    const instances = engines
      .map((e) => {
        const b = this.brokers.get(e) as MessageBroker;
        return `${LABELS[e]} ${b.deploymentMode}`;
      })
      .join(', ');
    Annotations.of(this).addInfo(
      `Amazon MQ brokers bill every hour they exist, traffic or not (${instances}), and so do the ${this.network.endpoints.size} interface endpoints per AZ: run "cdk destroy ${id}" when you are done.`,
    );
  }
}
