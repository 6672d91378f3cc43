import { Logger } from '@aws-lambda-powertools/logger';
import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { requireEnv } from '../shared/env';
import { validateJson } from '../shared/validate';
import { Connections } from './connections';

z.config(en());

/** A `sendMessage` frame: `{"action":"sendMessage","message":"..."}`. */
export const SendMessageSchema = z.strictObject({
  action: z.literal('sendMessage'),
  message: z.string().check(z.minLength(1), z.maxLength(1000)),
});

const logger = new Logger();
const connections = new Connections(new DynamoDBClient({}), requireEnv('CONNECTIONS_TABLE_NAME'));
// The stage's @connections endpoint (https://{api-id}.execute-api.{region}.amazonaws.com/{stage}).
const management = new ApiGatewayManagementApiClient({ endpoint: requireEnv('CONNECTIONS_URL') });

const encoder = new TextEncoder();

/** Sends a frame to one connection; false when the connection is gone (410), which is then forgotten. */
async function post(connectionId: string, frame: unknown): Promise<boolean> {
  try {
    await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: encoder.encode(JSON.stringify(frame)) }));
    return true;
  } catch (error) {
    if (!(error instanceof GoneException) && (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 410)
      throw error;
    await connections.remove(connectionId);
    logger.info('stale connection removed', { connectionId });
    return false;
  }
}

/**
 * The `sendMessage` route: validates the frame, then broadcasts it to every open connection through
 * the stage's connection management API; a connection that is gone (410) is removed from the table.
 * A bad frame is answered to its sender only, naming the fields.
 */
export const handler = async (event: APIGatewayProxyWebsocketEventV2, context: Context): Promise<APIGatewayProxyResult> => {
  logger.addContext(context);
  const sender = event.requestContext.connectionId;
  const result = validateJson(event.body ?? '', SendMessageSchema, 'invalid message', 'body');
  if (!result.ok) {
    logger.warn('message refused', { connectionId: sender, reason: result.reason });
    await post(sender, { type: 'error', message: result.reason });
    return { statusCode: 400, body: result.reason };
  }
  const frame = { type: 'message', from: sender, message: result.data.message, sentAt: new Date().toISOString() };
  let delivered = 0;
  let gone = 0;
  for await (const connectionId of connections.all()) {
    if (await post(connectionId, frame)) delivered++;
    else gone++;
  }
  logger.info('broadcast', { connectionId: sender, delivered, gone });
  return { statusCode: 200, body: JSON.stringify({ delivered, gone }) };
};
