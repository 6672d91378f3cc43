import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { positiveIntEnv, requireEnv } from '../shared/env';
import { BrokerAccess, publishWithReconnect } from './broker-access';
import { BrokerAuthenticationError, firstLine } from './broker-errors';
import { parseRequest } from './publish-request';
import { connectStomp, type StompConnection, sendWithReceipt } from './stomp-connection';

const logger = new Logger();
const secrets = new SecretsManagerClient({});
const SECRET_ARN = requireEnv('BROKER_SECRET_ARN');
const QUEUE = requireEnv('QUEUE_NAME');
const MAX_MESSAGE_BYTES = positiveIntEnv('MAX_MESSAGE_BYTES', 64 * 1024);
const access = new BrokerAccess<StompConnection>({
  secrets,
  secretArn: SECRET_ARN,
  endpoints: requireEnv('BROKER_ENDPOINTS'),
  engine: 'ActiveMQ',
  async connect(endpoint, user, whose) {
    try {
      return await connectStomp({
        host: endpoint.host,
        port: endpoint.port,
        tls: endpoint.tls,
        login: user.username,
        passcode: user.password,
      });
    } catch (error) {
      if (error instanceof BrokerAuthenticationError) throw new BrokerAuthenticationError(`${firstLine(error)} (${whose})`);
      throw error;
    }
  },
});
let connection: StompConnection | undefined;

async function openConnection(): Promise<StompConnection> {
  if (connection && !connection.closed()) return connection;
  connection = await access.connectCurrent();
  return connection;
}

/**
 * Publishes orders to the ActiveMQ queue over STOMP: every message persistent, each confirmed by a
 * broker RECEIPT before the function returns, so a success means the broker stored them all. Or, with
 * `{"checkCredentials": "AWSPENDING"}`, checks that the broker accepts a secret version (a rotation's
 * test step). Errors are one line: the request's field errors, the refused user, the unreachable broker.
 */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const request = parseRequest(event, MAX_MESSAGE_BYTES);
  if (request.kind === 'check') return access.checkCredentials(request.stage);
  const destination = `/queue/${QUEUE}`;
  return publishWithReconnect({
    open: openConnection,
    forget: () => {
      connection = undefined;
    },
    publish: async (stomp) => {
      await Promise.all(
        request.messages.map((m) =>
          sendWithReceipt(
            stomp,
            destination,
            m.text,
            { persistent: 'true', 'content-type': 'application/json', ...(m.id ? { 'correlation-id': m.id } : {}) },
            randomUUID(),
          ),
        ),
      );
      logger.info('published', { queue: QUEUE, count: request.messages.length });
      return { engine: 'ACTIVEMQ', queue: QUEUE, published: request.messages.length };
    },
    onRetry: (error) => logger.warn('publish failed; reconnecting once', { error: firstLine(error) }),
  });
};
