import * as z from 'zod/mini';

// The events the Amazon MQ event source sends (Lambda Developer Guide, "Using Lambda with Amazon MQ"):
// ActiveMQ `{"eventSource": "aws:mq", "messages": [...]}`, RabbitMQ
// `{"eventSource": "aws:rmq", "rmqMessagesByQueue": {"<queue>::<vhost>": [...]}}`; bodies in base64.

const activeMqMessage = z.object({
  messageID: z.string(),
  messageType: z.optional(z.string()),
  data: z.string(),
  redelivered: z.optional(z.boolean()),
  destination: z.optional(z.object({ physicalName: z.string() })),
  properties: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
});
const activeMqEvent = z.object({ eventSource: z.literal('aws:mq'), eventSourceArn: z.string(), messages: z.array(activeMqMessage) });

const rabbitMqMessage = z.object({
  basicProperties: z.object({
    messageId: z.optional(z.nullable(z.string())),
    headers: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
  }),
  redelivered: z.optional(z.boolean()),
  data: z.string(),
});
const rabbitMqEvent = z.object({
  eventSource: z.literal('aws:rmq'),
  eventSourceArn: z.string(),
  rmqMessagesByQueue: z.record(z.string(), z.array(rabbitMqMessage)),
});

const mqEvent = z.union([activeMqEvent, rabbitMqEvent]);

/** One message of either engine, as the handlers see it. */
export interface MqRecord {
  readonly engine: 'ACTIVEMQ' | 'RABBITMQ';
  readonly queue: string;
  /** The broker's message id (ActiveMQ), or the AMQP message-id the producer set (RabbitMQ). */
  readonly messageId: string;
  /** The body, decoded from base64 as UTF-8. */
  readonly text: string;
  readonly redelivered: boolean;
  /** RabbitMQ quorum queues count returns in `x-delivery-count`. */
  readonly deliveryCount?: number;
  /** Headers (RabbitMQ) or JMS properties (ActiveMQ), values as text. */
  readonly properties: Readonly<Record<string, unknown>>;
}

/** A header value of the RabbitMQ event: strings arrive as `{"bytes": [...]}`. */
function headerValue(value: unknown): unknown {
  if (value && typeof value === 'object' && Array.isArray((value as { bytes?: unknown }).bytes)) {
    return Buffer.from((value as { bytes: number[] }).bytes).toString('utf8');
  }
  return value;
}

/** The records of an Amazon MQ event, or an error naming what is wrong with the event. */
export function mqRecords(event: unknown): MqRecord[] {
  const result = mqEvent.safeParse(event);
  if (!result.success) {
    const fields = result.error.issues.map((i) => `${i.path.map(String).join('.') || 'event'}: ${i.message}`);
    throw new Error(`not an Amazon MQ event: ${fields.slice(0, 3).join('; ')}`);
  }
  const data = result.data;
  if (data.eventSource === 'aws:mq') {
    return data.messages.map((m) => ({
      engine: 'ACTIVEMQ',
      queue: m.destination?.physicalName ?? '',
      messageId: m.messageID,
      text: Buffer.from(m.data, 'base64').toString('utf8'),
      redelivered: m.redelivered ?? false,
      properties: m.properties ?? {},
    }));
  }
  return Object.entries(data.rmqMessagesByQueue).flatMap(([key, messages]) =>
    messages.map((m, i) => {
      const headers = Object.fromEntries(Object.entries(m.basicProperties.headers ?? {}).map(([k, v]) => [k, headerValue(v)]));
      const count = Number(headers['x-delivery-count']);
      return {
        engine: 'RABBITMQ' as const,
        queue: key.split('::')[0],
        messageId: m.basicProperties.messageId ?? `${key}#${i}`,
        text: Buffer.from(m.data, 'base64').toString('utf8'),
        redelivered: m.redelivered ?? false,
        deliveryCount: Number.isFinite(count) ? count : undefined,
        properties: headers,
      };
    }),
  );
}
