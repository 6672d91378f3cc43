import * as amqp from 'amqplib';
import type { LocalEventSource, SyncInvoke } from '../services/service';
import { BatchGatherer, type MqEventSourceStats, pause } from './batch-gatherer';

/** A RabbitMQ event source mapping, as the template and the local broker define it. */
export interface RabbitMqEventSourceSpec {
  readonly logicalId: string;
  readonly brokerArn: string;
  readonly queue: string;
  /** The virtual host the template names (the event key `<queue>::<vhost>`). */
  readonly templateVhost: string;
  /** The local broker's virtual host for this runtime. */
  readonly vhost: string;
  readonly host: string;
  readonly port: number;
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly enabled: boolean;
  /** The broker user of the BASIC_AUTH secret (read when polling starts). */
  readonly credentials: () => { username: string; password: string };
  readonly retryDelaySeconds: number;
  readonly onError: (error: Error) => void;
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
export class RabbitMqEventSource implements LocalEventSource {
  public readonly stats: MqEventSourceStats = { batches: 0, received: 0, acknowledged: 0, failedBatches: 0, deadLettered: 0 };
  private readonly controller = new AbortController();
  private loop?: Promise<void>;
  private lastProblem = '';

  public constructor(
    public readonly spec: RabbitMqEventSourceSpec,
    private readonly invoke: SyncInvoke,
  ) {}

  public start(): void {
    if (!this.spec.enabled || this.loop) return;
    this.loop = this.run();
  }

  public async stop(): Promise<void> {
    this.controller.abort();
    await this.loop;
  }

  private report(problem: string): void {
    if (problem === this.lastProblem) return;
    this.lastProblem = problem;
    this.spec.onError(new Error(`Amazon MQ event source ${this.spec.logicalId} (RabbitMQ queue ${this.spec.queue}): ${problem}`));
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      try {
        await this.session(signal);
      } catch (error) {
        if (signal.aborted) return;
        const message = (error as Error).message.split('\n')[0];
        if (/ACCESS[-_]REFUSED|403/.test(message)) {
          // Lambda reports EVENT_SOURCE_AUTHN_ERROR and stops this consumer.
          this.report(
            `EVENT_SOURCE_AUTHN_ERROR: the broker refused the credentials of the BASIC_AUTH secret (${message}); the mapping stops polling`,
          );
          return;
        }
        this.report(`PROBLEM: ${message}; retrying`);
        await pause(1000, signal);
      }
    }
  }

  private async session(signal: AbortSignal): Promise<void> {
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
      this.lastProblem = '';
      for (;;) {
        const batch = await Promise.race([
          gatherer.next(signal),
          channelClosed.then((e) => Promise.reject(e)),
          closed.then((e) => Promise.reject(e)),
        ]);
        if (signal.aborted) {
          for (const m of batch) channel.nack(m, false, true);
          return;
        }
        if (batch.length === 0) continue;
        await this.process(channel, batch, signal);
      }
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  private async process(channel: amqp.Channel, batch: amqp.ConsumeMessage[], signal: AbortSignal): Promise<void> {
    const { spec } = this;
    this.stats.batches++;
    this.stats.received += batch.length;
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
    const outcome = await this.invoke(event);
    if (outcome.ok) {
      for (const m of batch) channel.ack(m);
      this.stats.acknowledged += batch.length;
      return;
    }
    this.stats.failedBatches++;
    await pause(spec.retryDelaySeconds * 1000, signal);
    for (const m of batch) channel.nack(m, false, true);
  }
}
