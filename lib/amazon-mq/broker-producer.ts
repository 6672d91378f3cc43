import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { guardInteger } from '../shared/guards';
import { HandlerFunction } from '../shared/handler-function';
import { AMAZON_MQ } from '../shared/limits';
import { acknowledge } from '../shared/nag';
import type { BrokerCredentials } from './broker-credentials';
import type { BrokerNetwork } from './broker-network';
import type { BrokerQueue } from './broker-queue';
import type { MessageBroker } from './message-broker';

/** Props of {@link BrokerProducer}. */
export interface BrokerProducerProps {
  readonly broker: MessageBroker;
  readonly credentials: BrokerCredentials;
  readonly network: BrokerNetwork;
  /** The queue it publishes to (and, for RabbitMQ, declares with its dead-letter topology). */
  readonly queue: BrokerQueue;
  /**
   * The largest message body it accepts, in bytes (at most 256 KiB).
   * @default 65536
   */
  readonly maxMessageBytes?: number;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A Lambda function in the broker's VPC that publishes over TLS: RabbitMQ with AMQP 0-9-1 and publisher
 * confirms (it declares the queue and its dead-letter exchange first), ActiveMQ with STOMP, every
 * message persistent and confirmed by its own receipt (no STOMP transaction: a connection lost mid-batch
 * makes it reconnect and publish the whole batch again, and the idempotent consumer absorbs the
 * duplicates). It reads the broker credentials from Secrets Manager through the VPC endpoint when an
 * environment starts; the template carries only the secret's ARN. Its security group reaches the
 * broker's TLS port and the interface endpoints, nothing else.
 */
export class BrokerProducer extends Construct {
  public readonly function: HandlerFunction;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly maxMessageBytes: number;

  public constructor(scope: Construct, id: string, props: BrokerProducerProps) {
    super(scope, id);
    const { broker, network, queue } = props;
    this.maxMessageBytes = props.maxMessageBytes ?? 64 * 1024;
    guardInteger(this, 'maxMessageBytes', this.maxMessageBytes, AMAZON_MQ.maxMessageBytes);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: network.vpc,
      description: `Producer of ${broker.node.path}: the broker TLS port and the interface endpoints only`,
      allowAllOutbound: false,
    });
    broker.allowClient(this.securityGroup, 'Producer function');
    network.allowHttpsFrom(this.securityGroup, 'Producer function (Secrets Manager)');

    const rabbit = broker.engine === 'RABBITMQ';
    this.function = new HandlerFunction(this, 'Function', {
      entry: rabbit ? 'amazon-mq/rabbitmq-producer.ts' : 'amazon-mq/activemq-producer.ts',
      description: rabbit
        ? 'Publishes orders to the RabbitMQ broker (AMQP 0-9-1 over TLS, publisher confirms)'
        : 'Publishes orders to the ActiveMQ broker (STOMP over TLS, a receipt per message)',
      serviceName: rabbit ? 'amazon-mq-rabbitmq-producer' : 'amazon-mq-activemq-producer',
      timeout: Duration.seconds(30),
      memorySize: 256,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      vpc: network.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [this.securityGroup],
      environment: {
        BROKER_ENDPOINTS: broker.endpoints,
        BROKER_SECRET_ARN: props.credentials.secret.secretArn,
        QUEUE_NAME: queue.name,
        MAX_MESSAGE_BYTES: String(this.maxMessageBytes),
        ...(rabbit
          ? {
              DEAD_LETTER_EXCHANGE: queue.deadLetterExchange as string,
              DEAD_LETTER_QUEUE: queue.deadLetterQueueName,
              DELIVERY_LIMIT: String(queue.deliveryLimit),
            }
          : {}),
      },
    });
    props.credentials.grantRead(this.function);
    const reason = `${this.function.node.path} is invoked synchronously (RequestResponse) by the applications that publish: they receive its error and retry.`;
    acknowledge(this.function, 'Serverless-LambdaDLQ', reason);
    acknowledge(this.function, 'Serverless-LambdaAsyncFailureDestination', reason);
  }
}
