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

/** What became of one frame: sent, the connection gone (410, then forgotten), or another failure of that send. */
type Outcome = 'delivered' | 'gone' | 'failed';

const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * Sends a frame to one connection. A connection that is gone (410) is forgotten; any other failure
 * (throttling, a 5xx, a network error) is logged for that connection only, so that it never stops a
 * broadcast to the others.
 */
async function post(connectionId: string, frame: unknown): Promise<Outcome> {
  try {
    await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: encoder.encode(JSON.stringify(frame)) }));
    return 'delivered';
  } catch (error) {
    if (!(error instanceof GoneException) && statusOf(error) !== 410) {
      logger.error('send failed', { connectionId, status: statusOf(error), error: error as Error });
      return 'failed';
    }
  }
  try {
    await connections.remove(connectionId);
    logger.info('stale connection removed', { connectionId });
  } catch (error) {
    // Not forgotten now: the next broadcast gets 410 again and retries, or the item's TTL ends it.
    logger.error('stale connection not removed', { connectionId, error: error as Error });
  }
  return 'gone';
}

/**
 * The `sendMessage` route: validates the frame, then broadcasts it to every open connection through
 * the stage's connection management API; a connection that is gone (410) is removed from the table.
 * A send that fails otherwise is logged and counted, and the broadcast goes on to every other
 * connection: the response and the `broadcast` log line (whose `failed` field the stack's metric
 * filter and alarm read) say how many were delivered, gone and failed.
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
  const counts: Record<Outcome, number> = { delivered: 0, gone: 0, failed: 0 };
  for await (const connectionId of connections.all()) counts[await post(connectionId, frame)]++;
  logger.info('broadcast', { connectionId: sender, ...counts });
  return { statusCode: 200, body: JSON.stringify(counts) };
};
