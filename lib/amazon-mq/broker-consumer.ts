import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { guardDuration, guardInteger, PropError, seconds } from '../shared/guards';
import { AMAZON_MQ } from '../shared/limits';
import { acknowledge, VPC_NETWORK_INTERFACE_ACTIONS, VPC_WILDCARD_REASON } from '../shared/nag';
import type { BrokerCredentials } from './broker-credentials';
import type { MessageBroker } from './message-broker';

/** Props of {@link BrokerConsumer}. */
export interface BrokerConsumerProps {
  readonly broker: MessageBroker;
  readonly credentials: BrokerCredentials;
  /** The queue to consume. */
  readonly queueName: string;
  /** The function that processes each batch; a thrown error returns the whole batch to the broker. */
  readonly handler: lambda.Function;
  /**
   * Messages per invocation: 1 to 10,000. With `maxMessageBytes` it must keep the invocation under
   * Lambda's 6 MB payload (bodies arrive base64-encoded), or records are dropped unprocessed.
   * @default 10
   */
  readonly batchSize?: number;
  /** The largest message a producer publishes, in bytes. */
  readonly maxMessageBytes: number;
  /**
   * How long Lambda gathers messages before invoking: 0 to 300 s.
   * @default Duration.seconds(1)
   */
  readonly maxBatchingWindow?: Duration;
}

/**
 * An Amazon MQ event source mapping: Lambda's pollers connect to the broker over TLS with the broker
 * user's secret, from network interfaces in the broker's subnets and security group, and acknowledge a
 * batch only when the function returns. The function's role gets what the mapping needs
 * (mq:DescribeBroker, the secret, network interfaces).
 */
export class BrokerConsumer extends Construct {
  public readonly mapping: lambda.CfnEventSourceMapping;

  public constructor(scope: Construct, id: string, props: BrokerConsumerProps) {
    super(scope, id);
    const { broker, handler } = props;
    const batchSize = props.batchSize ?? 10;
    const window = props.maxBatchingWindow ?? Duration.seconds(1);
    guardInteger(this, 'batchSize', batchSize, AMAZON_MQ.batchSize);
    guardDuration(this, 'maxBatchingWindow', window, AMAZON_MQ.batchingWindowSeconds);
    // Base64 makes every 3 bytes 4; leave 64 KiB for the event's envelope and metadata.
    const largestBatch = batchSize * Math.ceil((props.maxMessageBytes * 4) / 3);
    const budget = AMAZON_MQ.invocationPayloadBytes - 64 * 1024;
    if (largestBatch > budget) {
      throw new PropError(
        this,
        'batchSize',
        `= ${batchSize} with messages up to ${props.maxMessageBytes} bytes makes invocations of up to ${largestBatch} bytes (base64): Lambda drops records beyond its ${AMAZON_MQ.invocationPayloadBytes}-byte payload; use at most ${Math.floor(budget / Math.ceil((props.maxMessageBytes * 4) / 3))}`,
      );
    }

    this.mapping = new lambda.CfnEventSourceMapping(this, 'Mapping', {
      functionName: handler.functionName,
      eventSourceArn: broker.brokerArn,
      queues: [props.queueName],
      batchSize,
      maximumBatchingWindowInSeconds: seconds(window),
      sourceAccessConfigurations: [
        { type: 'BASIC_AUTH', uri: props.credentials.secret.secretArn },
        ...(broker.engine === 'RABBITMQ' ? [{ type: 'VIRTUAL_HOST', uri: '/' }] : []),
      ],
      enabled: true,
    });
    // The mapping starts polling when created: the broker and the role's permissions come first.
    this.mapping.node.addDependency(broker.broker);
    // One policy per function, with what every Amazon MQ event source of it needs; the mapping waits for it.
    const policyId = 'AmazonMqEventSourcePolicy';
    const existing = handler.node.tryFindChild(policyId) as iam.Policy | undefined;
    const policy =
      existing ??
      new iam.Policy(handler, policyId, {
        statements: [
          new iam.PolicyStatement({
            actions: [...VPC_NETWORK_INTERFACE_ACTIONS, 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'],
            resources: ['*'],
          }),
        ],
      });
    if (!existing) {
      policy.attachToRole(handler.role as iam.Role);
      acknowledge(
        policy,
        'AwsSolutions-IAM5[Resource::*]',
        `The Amazon MQ event source creates network interfaces in the broker's subnets with this role (Lambda Developer Guide, "Process Amazon MQ messages with Lambda"). ${VPC_WILDCARD_REASON}`,
      );
    }
    policy.addStatements(new iam.PolicyStatement({ actions: ['mq:DescribeBroker'], resources: [broker.brokerArn] }));
    this.mapping.node.addDependency(policy);
    props.credentials.grantRead(handler);
    acknowledge(
      this.mapping,
      'Serverless-LambdaEventSourceMappingDestination',
      `On-failure destinations apply to stream and Kafka sources, not Amazon MQ: failed messages go to ${broker.node.path}'s dead-letter queue.`,
    );
  }
}
