import type { IMessage, StompSubscription } from '@stomp/stompjs';
import type { DeadLetterPolicy } from './activemq-config';
import { BatchGatherer, pause } from './batch-gatherer';
import { MqEventSource, type MqEventSourceSpec } from './mq-event-source';
import { connectLocalStomp, type LocalStompConnection } from './stomp-client';

/** The redeliveries Lambda's ActiveMQ event source allows before it dead-letters a message. */
export const ACTIVEMQ_MAXIMUM_REDELIVERIES = 6;

/** An ActiveMQ event source mapping, as the template and the local broker define it. */
export interface ActiveMqEventSourceSpec extends MqEventSourceSpec {
  /** What the template's broker configuration does with dead letters. */
  readonly deadLetters: DeadLetterPolicy;
}

const STANDARD_HEADERS = new Set([
  'message-id',
  'destination',
  'subscription',
  'ack',
  'timestamp',
  'expires',
  'priority',
  'persistent',
  'redelivered',
  'correlation-id',
  'reply-to',
  'type',
  'content-length',
  'content-type',
]);

/**
 * Lambda's ActiveMQ event source on the local broker (over STOMP where Lambda uses OpenWire): a
 * client-acknowledged subscription with a prefetch of the batch size, batches gathered for at most the
 * batching window, the function invoked with the `messages` event (bodies in base64), every message
 * acknowledged only when the function returns. A failed batch is redelivered (the subscription is
 * reopened, so the broker marks the messages redelivered); a message whose batch failed on its
 * seventh delivery (Lambda's fixed policy: 6 redeliveries) is dead-lettered as the template's broker
 * configuration says, in one transaction with its acknowledgement, or discarded when it is
 * non-persistent and the configuration does not dead-letter those (as ActiveMQ does).
 */
export class ActiveMqEventSource extends MqEventSource<ActiveMqEventSourceSpec, IMessage> {
  protected readonly engine = 'ActiveMQ';
  private readonly failures = new Map<string, number>();

  protected refusedCredentials(message: string): boolean {
    return /password|user ?name/i.test(message);
  }

  protected async session(signal: AbortSignal): Promise<void> {
    const { spec } = this;
    const user = spec.credentials();
    const connection = await connectLocalStomp(spec.host, spec.port, user.username, user.password);
    try {
      const gatherer = new BatchGatherer<IMessage>(spec.batchSize, spec.batchingWindowMs);
      const subscribe = () =>
        connection.client.subscribe(`/queue/${spec.queue}`, (m) => gatherer.push(m), {
          ack: 'client-individual',
          'activemq.prefetchSize': String(spec.batchSize),
        });
      let subscription: StompSubscription = subscribe();
      await this.poll(gatherer, connection.dropped, signal, async (batch) => {
        const ok = await this.process(connection, batch);
        if (!ok) {
          // Unacknowledged messages return to the queue when their subscription closes: redelivery.
          await pause(spec.retryDelaySeconds * 1000, signal);
          subscription.unsubscribe();
          gatherer.clear();
          subscription = subscribe();
        }
      });
    } finally {
      await connection.client.deactivate().catch(() => undefined);
    }
  }

  /** Invokes the function with a batch; true when it succeeded (the batch is acknowledged). */
  private async process(connection: LocalStompConnection, batch: IMessage[]): Promise<boolean> {
    const { spec } = this;
    const now = Date.now();
    const event = {
      eventSource: 'aws:mq',
      eventSourceArn: spec.brokerArn,
      messages: batch.map((m) => {
        const h = m.headers;
        const id = h['message-id'];
        const properties = Object.fromEntries(Object.entries(h).filter(([k]) => !STANDARD_HEADERS.has(k)));
        return {
          messageID: id,
          messageType: h['content-length'] === undefined ? 'jms/text-message' : 'jms/bytes-message',
          deliveryMode: h.persistent === 'true' || spec.deadLetters.forcePersistent ? 2 : 1,
          replyTo: h['reply-to'] ?? null,
          type: h.type ?? null,
          expiration: Number(h.expires ?? 0),
          priority: Number(h.priority ?? 4),
          correlationId: h['correlation-id'] ?? null,
          redelivered: h.redelivered === 'true' || (this.failures.get(id) ?? 0) > 0,
          destination: { physicalName: spec.queue },
          data: Buffer.from(m.binaryBody).toString('base64'),
          timestamp: Number(h.timestamp ?? now),
          brokerInTime: Number(h.timestamp ?? now),
          brokerOutTime: now,
          properties: Object.keys(properties).length ? properties : null,
        };
      }),
    };
    const outcome = await this.invokeBatch(batch, event, () => {
      for (const m of batch) {
        m.ack();
        this.failures.delete(m.headers['message-id']);
      }
    });
    if (outcome.ok) return true;
    const cause = `${outcome.error.errorType}: ${outcome.error.errorMessage}`;
    for (const m of batch) {
      const id = m.headers['message-id'];
      const failed = (this.failures.get(id) ?? 0) + 1;
      this.failures.set(id, failed);
      if (failed > ACTIVEMQ_MAXIMUM_REDELIVERIES) {
        this.failures.delete(id);
        this.deadLetter(connection, m, cause);
      }
    }
    return false;
  }

  /** Moves a message to its dead-letter queue (or discards it) and acknowledges it, in one transaction. */
  private deadLetter(connection: LocalStompConnection, message: IMessage, cause: string): void {
    const { deadLetters } = this.spec;
    const persistent = message.headers.persistent === 'true' || deadLetters.forcePersistent;
    const tx = connection.client.begin();
    if (persistent || deadLetters.processNonPersistent) {
      const headers = Object.fromEntries(
        Object.entries(message.headers).filter(
          ([k]) => !['message-id', 'destination', 'subscription', 'ack', 'content-length'].includes(k),
        ),
      );
      const text = message.headers['content-length'] === undefined;
      connection.client.publish({
        destination: `/queue/${deadLetters.deadLetterQueue(this.spec.queue)}`,
        ...(text ? { body: message.body } : { binaryBody: message.binaryBody }),
        headers: {
          ...headers,
          persistent: String(persistent),
          'original-destination': `/queue/${this.spec.queue}`,
          dlqDeliveryFailureCause:
            `java.lang.Throwable: Delivery[${ACTIVEMQ_MAXIMUM_REDELIVERIES + 1}] exceeds redelivery policy limit; ${cause}`.slice(0, 1000),
          transaction: tx.id,
        },
        skipContentLengthHeader: text,
      });
      this.stats.deadLettered++;
    }
    message.ack({ transaction: tx.id });
    tx.commit();
  }
}
