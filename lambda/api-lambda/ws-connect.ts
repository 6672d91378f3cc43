import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { Connections } from './connections';

const logger = new Logger();
const connections = new Connections(new DynamoDBClient({}), requireEnv('CONNECTIONS_TABLE_NAME'));

/** `$connect`, after the authorizer admitted the client: records the connection (it expires with the connection's 2-hour limit). */
export const handler = async (event: APIGatewayProxyWebsocketEventV2, context: Context): Promise<APIGatewayProxyResult> => {
  logger.addContext(context);
  const { connectionId } = event.requestContext;
  const authorizer = (event.requestContext as { authorizer?: { clientId?: string } }).authorizer;
  await connections.add(connectionId, authorizer?.clientId ?? 'unknown');
  logger.info('connected', { connectionId, clientId: authorizer?.clientId });
  return { statusCode: 200, body: 'connected' };
};
