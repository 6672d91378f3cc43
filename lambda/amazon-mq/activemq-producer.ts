import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { positiveIntEnv, requireEnv } from '../shared/env';
import { type BrokerEndpoint, parseEndpoints } from './broker-endpoint';
import { BrokerAuthenticationError, BrokerUnreachableError, firstLine } from './broker-errors';
import { type BrokerCredentials, readCredentials, type SecretStage } from './broker-secret';
import { parseRequest } from './publish-request';
import { connectStomp, type StompConnection, sendWithReceipt } from './stomp-connection';

const logger = new Logger();
const secrets = new SecretsManagerClient({});
const SECRET_ARN = requireEnv('BROKER_SECRET_ARN');
const QUEUE = requireEnv('QUEUE_NAME');
const MAX_MESSAGE_BYTES = positiveIntEnv('MAX_MESSAGE_BYTES', 64 * 1024);
const ENDPOINTS_SETTING = requireEnv('BROKER_ENDPOINTS');

// Read by the first invocation of an environment (module scope keeps to the SDK client), and read again
// once when the broker refuses them (the secret was rotated).
let credentials: Promise<BrokerCredentials> | undefined;
const currentCredentials = () => {
  credentials ??= readCredentials(secrets, SECRET_ARN, 'AWSCURRENT');
  credentials.catch(() => {
    credentials = undefined;
  });
  return credentials;
};
let endpoints: BrokerEndpoint[] | undefined;
const brokerEndpoints = () => {
  endpoints ??= parseEndpoints(ENDPOINTS_SETTING);
  return endpoints;
};
let connection: StompConnection | undefined;

/** Connects to the first endpoint that answers (the active broker of an active/standby pair). */
async function connect(user: BrokerCredentials, stage: SecretStage): Promise<StompConnection> {
  const problems: string[] = [];
  for (const endpoint of brokerEndpoints()) {
    try {
      return await connectStomp({
        host: endpoint.host,
        port: endpoint.port,
        tls: endpoint.tls,
        login: user.username,
        passcode: user.password,
      });
    } catch (error) {
      if (error instanceof BrokerAuthenticationError) {
        throw new BrokerAuthenticationError(`${firstLine(error)} (credentials from secret ${SECRET_ARN}, stage ${stage})`);
      }
      problems.push(`${endpoint.url}: ${firstLine(error)}`);
    }
  }
  throw new BrokerUnreachableError(`cannot reach the ActiveMQ broker: ${problems.join('; ')}`);
}

async function openConnection(): Promise<StompConnection> {
  if (connection && !connection.closed()) return connection;
  try {
    connection = await connect(await currentCredentials(), 'AWSCURRENT');
  } catch (error) {
    if (!(error instanceof BrokerAuthenticationError)) throw error;
    credentials = undefined;
    connection = await connect(await currentCredentials(), 'AWSCURRENT');
  }
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
  if (request.kind === 'check') {
    const tested = await connect(await readCredentials(secrets, SECRET_ARN, request.stage), request.stage);
    await tested.close();
    return { credentials: 'accepted', stage: request.stage };
  }
  const destination = `/queue/${QUEUE}`;
  for (let attempt = 1; ; attempt++) {
    const stomp = await openConnection();
    try {
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
    } catch (error) {
      connection = undefined;
      await stomp.close().catch(() => undefined);
      // A connection kept from an earlier invocation may have been closed by the broker: reconnect once.
      if (attempt >= 2) throw error;
      logger.warn('publish failed; reconnecting once', { error: firstLine(error) });
    }
  }
};
