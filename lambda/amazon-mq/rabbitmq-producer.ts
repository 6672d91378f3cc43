import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as amqp from 'amqplib';
import type { Context } from 'aws-lambda';
import { positiveIntEnv, requireEnv } from '../shared/env';
import { BrokerAccess, publishWithReconnect } from './broker-access';
import { BrokerAuthenticationError, firstLine, PublishError } from './broker-errors';
import { parseRequest } from './publish-request';

const logger = new Logger();
const secrets = new SecretsManagerClient({});
const SECRET_ARN = requireEnv('BROKER_SECRET_ARN');
const QUEUE = requireEnv('QUEUE_NAME');
const DEAD_LETTER_EXCHANGE = requireEnv('DEAD_LETTER_EXCHANGE');
const DEAD_LETTER_QUEUE = requireEnv('DEAD_LETTER_QUEUE');
const DELIVERY_LIMIT = positiveIntEnv('DELIVERY_LIMIT', 4);
const MAX_MESSAGE_BYTES = positiveIntEnv('MAX_MESSAGE_BYTES', 64 * 1024);
const ENDPOINTS_SETTING = requireEnv('BROKER_ENDPOINTS');
const CONNECT_TIMEOUT_MS = 10_000;

let channel: amqp.ConfirmChannel | undefined;
let model: amqp.ChannelModel | undefined;

/** The queue's arguments: a quorum queue that dead-letters a message returned more than DELIVERY_LIMIT times. */
export function queueArguments(): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-delivery-limit': DELIVERY_LIMIT,
    'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE,
    'x-dead-letter-routing-key': DEAD_LETTER_QUEUE,
  };
}

const access = new BrokerAccess<amqp.ChannelModel>({
  secrets,
  secretArn: SECRET_ARN,
  endpoints: ENDPOINTS_SETTING,
  engine: 'RabbitMQ',
  async connect(endpoint, user, whose) {
    try {
      return await amqp.connect(
        {
          protocol: endpoint.tls ? 'amqps' : 'amqp',
          hostname: endpoint.host,
          port: endpoint.port,
          username: user.username,
          password: user.password,
          vhost: endpoint.vhost,
          heartbeat: 30,
        },
        { timeout: CONNECT_TIMEOUT_MS, servername: endpoint.host },
      );
    } catch (error) {
      const message = firstLine(error);
      if (/ACCESS[-_]REFUSED|403/.test(message)) {
        throw new BrokerAuthenticationError(`the broker at ${endpoint.url} refused user ${user.username} (${whose}): ${message}`);
      }
      throw error;
    }
  },
});

/** Opens (once per environment) a confirm channel and declares the queue with its dead-letter exchange and queue. */
async function openChannel(): Promise<amqp.ConfirmChannel> {
  if (channel) return channel;
  await model?.close().catch(() => undefined);
  model = await access.connectCurrent();
  const opened = await model.createConfirmChannel();
  const forget = () => {
    if (channel === opened) channel = undefined;
  };
  model.on('error', (error: Error) => logger.warn('connection error', { error: firstLine(error) }));
  model.on('close', forget);
  opened.on('close', forget);
  opened.on('error', (error: Error) => logger.warn('channel error', { error: firstLine(error) }));
  await opened.assertExchange(DEAD_LETTER_EXCHANGE, 'direct', { durable: true });
  // A classic queue has no delivery limit: a dead letter the recorder cannot store yet is retried until it
  // can (its error alarm fires), never dropped, as a quorum queue would after its limit (20 on RabbitMQ 4).
  await opened.assertQueue(DEAD_LETTER_QUEUE, { durable: true, arguments: { 'x-queue-type': 'classic' } });
  await opened.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE);
  await opened.assertQueue(QUEUE, { durable: true, arguments: queueArguments() });
  channel = opened;
  return opened;
}

/**
 * Publishes orders to the RabbitMQ queue with publisher confirms: every message persistent, and the
 * function returns only once the broker confirmed them all. It declares the queue (quorum, with its
 * delivery limit and dead-letter exchange) before the first publish. Or, with
 * `{"checkCredentials": "AWSPENDING"}`, checks that the broker accepts a secret version (a rotation's
 * test step). Errors are one line: the request's field errors, the refused user, the unreachable broker.
 */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const request = parseRequest(event, MAX_MESSAGE_BYTES);
  if (request.kind === 'check') return access.checkCredentials(request.stage);
  return publishWithReconnect({
    open: openChannel,
    forget: () => {
      channel = undefined;
    },
    publish: async (confirm) => {
      for (const m of request.messages) {
        confirm.sendToQueue(QUEUE, Buffer.from(m.text), {
          persistent: true,
          contentType: 'application/json',
          timestamp: Math.floor(Date.now() / 1000),
          ...(m.id ? { messageId: m.id } : {}),
        });
      }
      await confirm.waitForConfirms().catch((error: unknown) => {
        throw new PublishError(`the broker did not confirm every message (${firstLine(error)}): publish them again`);
      });
      logger.info('published', { queue: QUEUE, count: request.messages.length });
      return { engine: 'RABBITMQ', queue: QUEUE, published: request.messages.length };
    },
    retryable: (error) => !(error instanceof PublishError),
    onRetry: (error) => logger.warn('publish failed; reconnecting once', { error: firstLine(error) }),
  });
};
