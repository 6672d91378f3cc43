import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { logger, QuotesService, serve } from './quotes';

const service = new QuotesService(new DynamoDBClient({}), requireEnv('QUOTES_TABLE_NAME'));

/**
 * The quotes service behind the HTTP API (payload format 2.0): the route is the route key
 * (`POST /quotes`); the caller is the JWT's subject when the route has the JWT authorizer.
 */
export const handler = async (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> => {
  logger.addContext(context);
  const claims = event.requestContext.authorizer?.jwt?.claims;
  return serve(service, {
    route: event.routeKey,
    id: event.pathParameters?.id,
    limit: event.queryStringParameters?.limit,
    body: event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body,
    idempotencyKey: event.headers?.['idempotency-key'],
    caller: claims?.sub ? `user:${String(claims.sub)}` : 'anonymous',
  });
};
