import { Construct } from 'constructs';
import { guardInteger, PropError } from '../shared/guards';
import { AMAZON_MQ } from '../shared/limits';
import type { MessageBroker } from './message-broker';

/** Props of {@link BrokerQueue}. */
export interface BrokerQueueProps {
  readonly broker: MessageBroker;
  /** The queue name (letters, digits, `.`, `_`, `-`; 1 to 200 characters). */
  readonly name: string;
  /**
   * RabbitMQ: how many times a message may be returned (its batch failed) before it is dead-lettered,
   * so a message is delivered at most `deliveryLimit + 1` times. ActiveMQ ignores it: Lambda's
   * redelivery policy there is fixed at 6 redeliveries.
   * @default 4
   */
  readonly deliveryLimit?: number;
}

/**
 * The queue topology of one broker, as names and numbers the producer, the event source and the local
 * runtime share. RabbitMQ: a quorum queue with `x-delivery-limit` whose dead letters go through a
 * direct exchange to a dead-letter queue (the producer declares them). ActiveMQ: the queue and its
 * individual dead-letter queue, `<prefix><name>`, which the broker configuration defines.
 */
export class BrokerQueue extends Construct {
  public readonly name: string;
  public readonly deadLetterQueueName: string;
  /** RabbitMQ only: the exchange dead letters go through. */
  public readonly deadLetterExchange?: string;
  /** RabbitMQ only: returns before a message is dead-lettered. */
  public readonly deliveryLimit?: number;
  /** How many times a message that keeps failing is delivered before it is dead-lettered. */
  public readonly maxDeliveries: number;

  public constructor(scope: Construct, id: string, props: BrokerQueueProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9._-]{1,200}$/.test(props.name)) {
      throw new PropError(this, 'name', `= ${JSON.stringify(props.name)} must be 1 to 200 letters, digits, . _ -`);
    }
    this.name = props.name;
    if (props.broker.engine === 'RABBITMQ') {
      const limit = props.deliveryLimit ?? 4;
      guardInteger(this, 'deliveryLimit', limit, AMAZON_MQ.deliveryLimit);
      this.deliveryLimit = limit;
      this.deadLetterExchange = `${props.name}.dlx`;
      this.deadLetterQueueName = `${props.name}.dlq`;
      this.maxDeliveries = limit + 1;
    } else {
      if (props.deliveryLimit !== undefined) {
        throw new PropError(
          this,
          'deliveryLimit',
          `= ${props.deliveryLimit} does not apply to ActiveMQ: the Lambda event source redelivers ${AMAZON_MQ.activeMqMaximumRedeliveries} times, then the broker dead-letters the message`,
        );
      }
      this.deadLetterQueueName = `${props.broker.deadLetterQueuePrefix}${props.name}`;
      this.maxDeliveries = AMAZON_MQ.activeMqMaximumRedeliveries + 1;
    }
  }
}
