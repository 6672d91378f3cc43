import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { logger, QuotesService, serve } from './quotes';

const service = new QuotesService(new DynamoDBClient({}), requireEnv('QUOTES_TABLE_NAME'));

/** Who calls: the Lambda authorizer's client, the Cognito user, the IAM principal, else the API key. */
function callerOf(event: APIGatewayProxyEvent, authorizer: Record<string, unknown> | null | undefined): string {
  if (typeof authorizer?.clientId === 'string') return `client:${authorizer.clientId}`;
  const claims = authorizer?.claims as Record<string, unknown> | undefined;
  if (typeof claims?.sub === 'string') return `user:${claims.sub}`;
  const { identity } = event.requestContext;
  if (identity?.userArn) return `iam:${identity.userArn}`;
  return identity?.apiKeyId ? `key:${identity.apiKeyId}` : 'anonymous';
}

/**
 * The quotes service behind the REST API (Lambda proxy integration, payload format 1.0): the route
 * is the method and resource template (`GET /quotes/{id}`); the caller is the Lambda authorizer's
 * client id, else the API key's id. The stage variable `apiVersion` is echoed in `x-api-version`.
 */
export const handler = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
  logger.addContext(context);
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const authorizer = event.requestContext.authorizer as Record<string, unknown> | null | undefined;
  const response = await serve(service, {
    route: `${event.httpMethod} ${event.resource}`,
    id: event.pathParameters?.id,
    limit: event.queryStringParameters?.limit,
    body: event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body,
    idempotencyKey: headers['idempotency-key'],
    caller: callerOf(event, authorizer),
  });
  return { ...response, headers: { ...response.headers, 'x-api-version': event.stageVariables?.apiVersion ?? 'unversioned' } };
};
