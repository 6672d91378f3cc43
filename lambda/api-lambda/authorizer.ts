import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { requireEnv } from '../shared/env';

const logger = new Logger();
/** The client ids this authorizer admits (comma-separated in ALLOWED_CLIENTS). */
const allowed = new Set(
  requireEnv('ALLOWED_CLIENTS')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean),
);
const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The client id of a request: the `x-client-id` header (REST), else the `clientId` query parameter (WebSocket $connect). */
export function clientIdOf(event: APIGatewayRequestAuthorizerEvent): string | undefined {
  const header = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'x-client-id')?.[1];
  return header ?? event.queryStringParameters?.clientId ?? undefined;
}

/**
 * A Lambda REQUEST authorizer for the REST API's POST /quotes and the WebSocket API's $connect: it
 * admits the client ids of its allow-list and denies every other (API Gateway answers 403). This is
 * where your own verification goes (a signed token, a partner's certificate fields); the decision
 * comes back as an IAM policy for the method, and the client id as context for the integration.
 */
export const handler = async (event: APIGatewayRequestAuthorizerEvent, context: Context): Promise<APIGatewayAuthorizerResult> => {
  logger.addContext(context);
  const clientId = clientIdOf(event);
  const admitted = clientId !== undefined && CLIENT_ID.test(clientId) && allowed.has(clientId);
  if (!admitted) logger.warn('client denied', { clientId: clientId?.slice(0, 64), methodArn: event.methodArn });
  return {
    principalId: admitted ? clientId : 'denied',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: admitted ? 'Allow' : 'Deny', Resource: event.methodArn }],
    },
    context: admitted ? { clientId } : {},
  };
};
