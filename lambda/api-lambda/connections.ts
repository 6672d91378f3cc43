import { DeleteItemCommand, type DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';

/** How long a connection item lives: API Gateway closes every WebSocket connection after 2 hours. */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60;

/** The connections table of the WebSocket API: one item per open connection, expiring with it (DynamoDB TTL). */
export class Connections {
  public constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  public async add(connectionId: string, clientId: string, now = Date.now()): Promise<void> {
    await this.dynamodb.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          connectionId: { S: connectionId },
          clientId: { S: clientId },
          connectedAt: { S: new Date(now).toISOString() },
          expiresAt: { N: String(Math.floor(now / 1000) + CONNECTION_TTL_SECONDS) },
        },
      }),
    );
  }

  public async remove(connectionId: string): Promise<void> {
    await this.dynamodb.send(new DeleteItemCommand({ TableName: this.tableName, Key: { connectionId: { S: connectionId } } }));
  }

  /** Every connection id, page by page. */
  public async *all(): AsyncGenerator<string> {
    let start: Record<string, never> | undefined;
    do {
      const page = await this.dynamodb.send(
        new ScanCommand({ TableName: this.tableName, ProjectionExpression: 'connectionId', ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) if (item.connectionId?.S) yield item.connectionId.S;
      start = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (start);
  }
}
