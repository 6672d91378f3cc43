import * as amqp from 'amqplib';
import { BatchGatherer, pause } from './batch-gatherer';
import { MqEventSource, type MqEventSourceSpec } from './mq-event-source';

/** A RabbitMQ event source mapping, as the template and the local broker define it. */
export interface RabbitMqEventSourceSpec extends MqEventSourceSpec {
  /** The virtual host the template names (the event key `<queue>::<vhost>`). */
  readonly templateVhost: string;
  /** The local broker's virtual host for this runtime. */
  readonly vhost: string;
}

/** Java's default rendering of a date, as the RabbitMQ event shows `timestamp`. */
function javaDate(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString('en-US', {
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    second: '2-digit',
    hour12: true,
    timeZone: 'UTC',
  });
}

/** A header as the event shows it: text as `{"bytes": [...]}` (the Java client's LongString), numbers as they are. */
function headerValue(value: unknown): unknown {
  if (typeof value === 'string') return { bytes: [...Buffer.from(value)] };
  if (Buffer.isBuffer(value)) return { bytes: [...value] };
  return value;
}

/**
 * Lambda's RabbitMQ event source on the local broker: one consumer (Lambda allows one concurrent
 * invocation per RabbitMQ mapping) with a prefetch of the batch size, batches of up to `batchSize`
 * gathered for at most the batching window, the function invoked with the `rmqMessagesByQueue` event
 * (bodies in base64), the batch acknowledged only when the function returns, and returned to the queue
 * (negative acknowledgement with requeue) when it fails, so that the quorum queue counts the delivery
 * and dead-letters the message at its delivery limit.
 */
export class RabbitMqEventSource extends MqEventSource<RabbitMqEventSourceSpec, amqp.ConsumeMessage> {
  protected readonly engine = 'RabbitMQ';

  protected refusedCredentials(message: string): boolean {
    return /ACCESS[-_]REFUSED|403/.test(message);
  }

  protected async session(signal: AbortSignal): Promise<void> {
    const { spec } = this;
    const user = spec.credentials();
    const connection = await amqp.connect({
      protocol: 'amqp',
      hostname: spec.host,
      port: spec.port,
      username: user.username,
      password: user.password,
      vhost: spec.vhost,
    });
    const closed = new Promise<Error>((resolve) => {
      connection.on('close', (error?: Error) => resolve(error ?? new Error('connection closed')));
      connection.on('error', () => undefined);
    });
    try {
      const channel = await connection.createChannel();
      const channelClosed = new Promise<Error>((resolve) => {
        channel.on('close', () => resolve(new Error(`the channel closed (does queue ${spec.queue} exist?)`)));
        channel.on('error', (error: Error) => resolve(error));
      });
      await channel.prefetch(spec.batchSize);
      const gatherer = new BatchGatherer<amqp.ConsumeMessage>(spec.batchSize, spec.batchingWindowMs);
      await channel.consume(spec.queue, (message) => message && gatherer.push(message), { noAck: false });
      const dropped = Promise.race([channelClosed, closed]).then((e) => Promise.reject(e));
      dropped.catch(() => undefined);
      const unseen = await this.poll(gatherer, dropped, signal, (batch) => this.process(channel, batch, signal));
      for (const m of unseen) channel.nack(m, false, true);
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  private async process(channel: amqp.Channel, batch: amqp.ConsumeMessage[], signal: AbortSignal): Promise<void> {
    const { spec } = this;
    const event = {
      eventSource: 'aws:rmq',
      eventSourceArn: spec.brokerArn,
      rmqMessagesByQueue: {
        [`${spec.queue}::${spec.templateVhost}`]: batch.map((m) => {
          const p = m.properties;
          return {
            basicProperties: {
              contentType: p.contentType ?? null,
              contentEncoding: p.contentEncoding ?? null,
              headers: Object.fromEntries(Object.entries(p.headers ?? {}).map(([k, v]) => [k, headerValue(v)])),
              deliveryMode: p.deliveryMode ?? null,
              priority: p.priority ?? null,
              correlationId: p.correlationId ?? null,
              replyTo: p.replyTo ?? null,
              expiration: p.expiration ?? null,
              messageId: p.messageId ?? null,
              timestamp: p.timestamp === undefined ? null : javaDate(Number(p.timestamp)),
              type: p.type ?? null,
              userId: p.userId ?? null,
              appId: p.appId ?? null,
              clusterId: p.clusterId ?? null,
              bodySize: m.content.length,
            },
            redelivered: m.fields.redelivered,
            data: m.content.toString('base64'),
          };
        }),
      },
    };
    const outcome = await this.invokeBatch(batch, event, () => {
      for (const m of batch) channel.ack(m);
    });
    if (outcome.ok) return;
    await pause(spec.retryDelaySeconds * 1000, signal);
    for (const m of batch) channel.nack(m, false, true);
  }
}
