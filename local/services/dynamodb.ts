import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDb } from '../dynamodb/server';
import type { LocalService, ServiceHost, ServiceModule, StateTask } from './service';

const ITEM_TASK = /^arn:aws:states:::dynamodb:(getItem|putItem|updateItem|deleteItem)$/;
const COMMANDS = { getItem: GetItemCommand, putItem: PutItemCommand, updateItem: UpdateItemCommand, deleteItem: DeleteItemCommand };

/**
 * `AWS::DynamoDB::Table` and `AWS::DynamoDB::GlobalTable` on the in-process emulator (`local/dynamodb`:
 * kept in-house on measurement, see docs/local-runtime.md), and the Step Functions DynamoDB item
 * integrations. Secondary indexes and streams are refused with one line.
 */
export const dynamodbService: ServiceModule = {
  name: 'dynamodb',
  async start(host: ServiceHost): Promise<LocalService> {
    const emulator = await startDynamoDb({ region: host.region });
    const client = new DynamoDBClient(host.clientConfig(emulator.endpoint));
    const itemTask: StateTask = {
      matches: (resource) => ITEM_TASK.test(resource),
      async run(resource, input) {
        const operation = ITEM_TASK.exec(resource)?.[1] as keyof typeof COMMANDS;
        const Command = COMMANDS[operation] as new (input: unknown) => Parameters<typeof client.send>[0];
        const { $metadata: _, ...result } = (await client.send(new Command(input))) as unknown as Record<string, unknown>;
        return result;
      },
    };
    return {
      name: 'dynamodb',
      resourceTypes: ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable'],
      endpoint: emulator.endpoint,
      endpointVariable: 'DYNAMODB',
      stateTasks: [itemTask],
      async create(input) {
        input.refuse(['GlobalSecondaryIndexes', 'LocalSecondaryIndexes', 'StreamSpecification']);
        const name = (input.prop('TableName') as string | undefined) ?? input.physicalName;
        const keys = (input.prop('KeySchema') as Array<{ AttributeName: string; KeyType: string }> | undefined) ?? [];
        const ttl = input.prop('TimeToLiveSpecification') as { AttributeName?: string; Enabled?: boolean } | undefined;
        emulator.createTable({
          tableName: name,
          partitionKey: keys.find((k) => k.KeyType === 'HASH')?.AttributeName as string,
          sortKey: keys.find((k) => k.KeyType === 'RANGE')?.AttributeName,
          ttlAttribute: ttl?.Enabled ? ttl.AttributeName : undefined,
        });
        return { ref: name, attributes: { Arn: `arn:aws:dynamodb:${host.region}:${host.accountId}:table/${name}` } };
      },
      async stop() {
        client.destroy();
        await emulator.stop();
      },
    };
  },
};
