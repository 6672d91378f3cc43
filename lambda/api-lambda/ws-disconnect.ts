import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { Connections } from './connections';

const logger = new Logger();
const connections = new Connections(new DynamoDBClient({}), requireEnv('CONNECTIONS_TABLE_NAME'));

/** `$disconnect` (best effort on AWS: the TTL removes what it misses): forgets the connection. */
export const handler = async (event: APIGatewayProxyWebsocketEventV2, context: Context): Promise<APIGatewayProxyResult> => {
  logger.addContext(context);
  await connections.remove(event.requestContext.connectionId);
  logger.info('disconnected', { connectionId: event.requestContext.connectionId });
  return { statusCode: 200, body: 'disconnected' };
};
