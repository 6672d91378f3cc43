import './handler-env';
import { APIGatewayClient, BadRequestException, GetAccountCommand, UpdateAccountCommand } from '@aws-sdk/client-api-gateway';
import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { GetRoleCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';

const dynamo = mockClient(DynamoDBClient);
const management = mockClient(ApiGatewayManagementApiClient);
const apigateway = mockClient(APIGatewayClient);
const iam = mockClient(IAMClient);
const context = { awsRequestId: 'req-1', functionName: 'f' } as Context;

import { handler as authorizer } from '../../lambda/api-lambda/authorizer';
import * as cloudwatchRole from '../../lambda/api-lambda/cloudwatch-role';
import { handler as httpQuotes } from '../../lambda/api-lambda/http-quotes';
import { idFor } from '../../lambda/api-lambda/quotes';
import { handler as restQuotes } from '../../lambda/api-lambda/rest-quotes';
import { handler as connect } from '../../lambda/api-lambda/ws-connect';
import { handler as disconnect } from '../../lambda/api-lambda/ws-disconnect';
import { handler as message } from '../../lambda/api-lambda/ws-message';

/** The handlers' structured log lines of the current test (captured from the console, not printed). */
const logged: Array<Record<string, unknown>> = [];
beforeAll(() => {
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    jest.spyOn(console, level).mockImplementation((...line: unknown[]) => {
      logged.push(JSON.parse(String(line[0])));
    });
  }
});

beforeEach(() => {
  for (const mock of [dynamo, management, apigateway, iam]) mock.reset();
  logged.length = 0;
});

/** A REST (payload 1.0) event. */
function rest(method: string, resource: string, extra: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    resource,
    path: resource,
    headers: {},
    pathParameters: null,
    queryStringParameters: null,
    stageVariables: { apiVersion: 'v1' },
    body: null,
    isBase64Encoded: false,
    requestContext: { identity: { apiKeyId: 'key-1' }, authorizer: null },
    ...extra,
  } as unknown as APIGatewayProxyEvent;
}

describe('REST quotes handler (payload format 1.0)', () => {
  test('POST creates a quote conditionally, with the caller from the Lambda authorizer; the stage variable is echoed', async () => {
    dynamo.on(PutItemCommand).resolves({});
    const response = await restQuotes(
      rest('POST', '/quotes', {
        body: JSON.stringify({ text: 'Hello', author: 'Me', tags: ['b', 'a'] }),
        headers: { 'Idempotency-Key': 'k1' },
        requestContext: { authorizer: { clientId: 'quotes-demo' }, identity: {} } as never,
      }),
      context,
    );
    expect(response.statusCode).toBe(201);
    expect(response.headers).toEqual(expect.objectContaining({ 'x-api-version': 'v1', location: `/quotes/${idFor('k1')}` }));
    expect(JSON.parse(response.body)).toEqual(expect.objectContaining({ id: idFor('k1'), createdBy: 'client:quotes-demo' }));
    const put = dynamo.commandCalls(PutItemCommand)[0].args[0].input;
    expect(put.ConditionExpression).toBe('attribute_not_exists(id)');
    expect(put.Item?.tags).toEqual({ SS: ['b', 'a'] });
  });

  test('a bad body is a 400 naming each field; the table is not touched', async () => {
    const response = await restQuotes(rest('POST', '/quotes', { body: JSON.stringify({ text: '', extra: 1 }) }), context);
    expect(response.statusCode).toBe(400);
    const body = JSON.parse(response.body) as { errors: Array<{ field: string }> };
    expect(body.errors.map((e) => e.field).sort()).toEqual(['body', 'body.author', 'body.text'].sort());
    expect(dynamo.calls()).toHaveLength(0);
    expect((await restQuotes(rest('POST', '/quotes', { body: '{not json' }), context)).statusCode).toBe(400);
  });

  test('a replay with the same Idempotency-Key returns the stored quote (200); other content is a 409', async () => {
    const stored = { id: { S: idFor('k1') }, text: { S: 'Hello' }, author: { S: 'Me' }, createdAt: { S: 't' }, createdBy: { S: 'x' } };
    dynamo.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {}, Item: stored }));
    const same = await restQuotes(
      rest('POST', '/quotes', { body: JSON.stringify({ text: 'Hello', author: 'Me' }), headers: { 'idempotency-key': 'k1' } }),
      context,
    );
    expect(same.statusCode).toBe(200);
    const other = await restQuotes(
      rest('POST', '/quotes', { body: JSON.stringify({ text: 'Other', author: 'Me' }), headers: { 'idempotency-key': 'k1' } }),
      context,
    );
    expect(other.statusCode).toBe(409);
  });

  test('GET of an unknown id is a 404, a malformed id a 400, a bad limit a 400; a failing table a 500 without internals', async () => {
    dynamo.on(GetItemCommand).resolves({});
    expect((await restQuotes(rest('GET', '/quotes/{id}', { pathParameters: { id: 'nope' } }), context)).statusCode).toBe(404);
    expect((await restQuotes(rest('GET', '/quotes/{id}', { pathParameters: { id: 'a b' } }), context)).statusCode).toBe(400);
    expect((await restQuotes(rest('GET', '/quotes', { queryStringParameters: { limit: '1000' } }), context)).statusCode).toBe(400);
    dynamo.on(ScanCommand).rejects(new Error('boom: internal detail'));
    const failed = await restQuotes(rest('GET', '/quotes'), context);
    expect([failed.statusCode, failed.body]).toEqual([500, '{"message":"internal error"}']);
  });

  test('PUT of a missing quote is a 404; DELETE answers 204 or 404', async () => {
    dynamo.on(PutItemCommand).resolves({});
    const { UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
    dynamo.on(UpdateItemCommand).rejects(new ConditionalCheckFailedException({ message: 'missing', $metadata: {} }));
    const put = await restQuotes(
      rest('PUT', '/quotes/{id}', { pathParameters: { id: 'q1' }, body: JSON.stringify({ text: 'T', author: 'A' }) }),
      context,
    );
    expect(put.statusCode).toBe(404);
    dynamo
      .on(DeleteItemCommand)
      .resolvesOnce({ Attributes: { id: { S: 'q1' } } })
      .resolves({});
    expect((await restQuotes(rest('DELETE', '/quotes/{id}', { pathParameters: { id: 'q1' } }), context)).statusCode).toBe(204);
    expect((await restQuotes(rest('DELETE', '/quotes/{id}', { pathParameters: { id: 'q1' } }), context)).statusCode).toBe(404);
  });
});

describe('HTTP quotes handler (payload format 2.0)', () => {
  test('routes by route key; the caller is the JWT subject', async () => {
    dynamo
      .on(ScanCommand)
      .resolves({ Items: [{ id: { S: 'q1' }, text: { S: 'T' }, author: { S: 'A' }, createdAt: { S: 't' }, createdBy: { S: 'c' } }] });
    const list = await httpQuotes({ routeKey: 'GET /quotes', headers: {}, requestContext: {} } as never, context);
    expect(JSON.parse(String(list.body)).quotes).toEqual([{ id: 'q1', text: 'T', author: 'A', createdAt: 't', createdBy: 'c' }]);
    dynamo.on(PutItemCommand).resolves({});
    const created = await httpQuotes(
      {
        routeKey: 'POST /quotes',
        headers: {},
        body: JSON.stringify({ text: 'T', author: 'A' }),
        requestContext: { authorizer: { jwt: { claims: { sub: 'user-1' }, scopes: [] } } },
      } as never,
      context,
    );
    expect(created.statusCode).toBe(201);
    expect(JSON.parse(String(created.body)).createdBy).toBe('user:user-1');
  });
});

describe('Lambda REQUEST authorizer', () => {
  const event = (headers: Record<string, string>, query: Record<string, string> = {}) =>
    ({ type: 'REQUEST', methodArn: 'arn:aws:execute-api:us-east-1:1:api/v1/POST/quotes', headers, queryStringParameters: query }) as never;

  test('allows an allow-listed client (header or query string) with its id as context; denies any other', async () => {
    const allowed = await authorizer(event({ 'X-Client-Id': 'partner' }), context);
    expect(allowed.policyDocument.Statement[0]).toEqual(
      expect.objectContaining({ Effect: 'Allow', Resource: 'arn:aws:execute-api:us-east-1:1:api/v1/POST/quotes' }),
    );
    expect(allowed.context).toEqual({ clientId: 'partner' });
    expect((await authorizer(event({}, { clientId: 'quotes-demo' }), context)).policyDocument.Statement[0]).toEqual(
      expect.objectContaining({ Effect: 'Allow' }),
    );
    for (const denied of [event({ 'x-client-id': 'intruder' }), event({}), event({ 'x-client-id': 'quotes-demo,partner' })]) {
      const result = await authorizer(denied, context);
      expect([result.principalId, result.policyDocument.Statement[0]]).toEqual(['denied', expect.objectContaining({ Effect: 'Deny' })]);
    }
  });
});

describe('WebSocket handlers', () => {
  const ws = (routeKey: string, body?: string, connectionId = 'c1') =>
    ({ body, requestContext: { routeKey, connectionId, authorizer: { clientId: 'quotes-demo' } } }) as never;

  test('$connect records the connection with its client and a 2-hour TTL; $disconnect forgets it', async () => {
    dynamo.on(PutItemCommand).resolves({});
    dynamo.on(DeleteItemCommand).resolves({});
    const before = Math.floor(Date.now() / 1000);
    expect((await connect(ws('$connect'), context)).statusCode).toBe(200);
    const item = dynamo.commandCalls(PutItemCommand)[0].args[0].input.Item;
    expect(item?.clientId).toEqual({ S: 'quotes-demo' });
    expect(Number(item?.expiresAt?.N) - before).toBeGreaterThanOrEqual(7200);
    expect((await disconnect(ws('$disconnect'), context)).statusCode).toBe(200);
    expect(dynamo.commandCalls(DeleteItemCommand)[0].args[0].input.Key).toEqual({ connectionId: { S: 'c1' } });
  });

  test('sendMessage broadcasts to every connection, page by page, and deletes the ones that are gone (410)', async () => {
    dynamo
      .on(ScanCommand)
      .resolvesOnce({
        Items: [{ connectionId: { S: 'c1' } }, { connectionId: { S: 'c2' } }],
        LastEvaluatedKey: { connectionId: { S: 'c2' } },
      })
      .resolves({ Items: [{ connectionId: { S: 'gone' } }] });
    dynamo.on(DeleteItemCommand).resolves({});
    management.on(PostToConnectionCommand).resolves({});
    management
      .on(PostToConnectionCommand, { ConnectionId: 'gone' })
      .rejects(new GoneException({ message: 'gone', $metadata: { httpStatusCode: 410 } }));
    const result = await message(ws('sendMessage', JSON.stringify({ action: 'sendMessage', message: 'hi' })), context);
    expect(JSON.parse(String(result.body))).toEqual({ delivered: 2, gone: 1, failed: 0 });
    const frame = JSON.parse(
      new TextDecoder().decode(management.commandCalls(PostToConnectionCommand)[0].args[0].input.Data as Uint8Array),
    );
    expect(frame).toEqual(expect.objectContaining({ type: 'message', from: 'c1', message: 'hi' }));
    expect(dynamo.commandCalls(DeleteItemCommand).map((c) => c.args[0].input.Key)).toEqual([{ connectionId: { S: 'gone' } }]);
  });

  test('a bad frame is answered to its sender only, naming the field', async () => {
    management.on(PostToConnectionCommand).resolves({});
    const result = await message(ws('sendMessage', JSON.stringify({ action: 'sendMessage' })), context);
    expect(result.statusCode).toBe(400);
    expect(management.commandCalls(PostToConnectionCommand).map((c) => c.args[0].input.ConnectionId)).toEqual(['c1']);
    expect(String(result.body)).toContain('message');
  });

  test('a send that fails (not 410) is logged and counted, and every other connection still receives the frame', async () => {
    dynamo.on(ScanCommand).resolves({
      Items: ['c1', 'c2', 'broken', 'c3', 'c4'].map((id) => ({ connectionId: { S: id } })),
    });
    management.on(PostToConnectionCommand).resolves({});
    management
      .on(PostToConnectionCommand, { ConnectionId: 'broken' })
      .rejects(Object.assign(new Error('throttled'), { name: 'LimitExceededException', $metadata: { httpStatusCode: 429 } }));
    const result = await message(ws('sendMessage', JSON.stringify({ action: 'sendMessage', message: 'x' })), context);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(String(result.body))).toEqual({ delivered: 4, gone: 0, failed: 1 });
    expect(management.commandCalls(PostToConnectionCommand).map((c) => c.args[0].input.ConnectionId)).toEqual([
      'c1',
      'c2',
      'broken',
      'c3',
      'c4',
    ]);
    // A failed send is not a stale connection: it stays in the table.
    expect(dynamo.commandCalls(DeleteItemCommand)).toHaveLength(0);
    expect(logged).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'ERROR', message: 'send failed', connectionId: 'broken', status: 429 }),
        // The stack's metric filter reads `failed` from this line.
        expect.objectContaining({ level: 'INFO', message: 'broadcast', connectionId: 'c1', delivered: 4, gone: 0, failed: 1 }),
      ]),
    );
  });

  test('a stale connection whose removal fails is logged and the broadcast goes on', async () => {
    dynamo.on(ScanCommand).resolves({ Items: ['gone', 'c2'].map((id) => ({ connectionId: { S: id } })) });
    dynamo.on(DeleteItemCommand).rejects(new Error('ProvisionedThroughputExceeded'));
    management.on(PostToConnectionCommand).resolves({});
    management
      .on(PostToConnectionCommand, { ConnectionId: 'gone' })
      .rejects(new GoneException({ message: 'gone', $metadata: { httpStatusCode: 410 } }));
    const result = await message(ws('sendMessage', JSON.stringify({ action: 'sendMessage', message: 'x' })), context);
    expect(JSON.parse(String(result.body))).toEqual({ delivered: 1, gone: 1, failed: 0 });
    expect(management.commandCalls(PostToConnectionCommand).map((c) => c.args[0].input.ConnectionId)).toEqual(['gone', 'c2']);
    expect(logged).toEqual(
      expect.arrayContaining([expect.objectContaining({ level: 'ERROR', message: 'stale connection not removed', connectionId: 'gone' })]),
    );
  });
});

describe('CloudWatch role custom resource', () => {
  const roleArn = 'arn:aws:iam::111111111111:role/stack-CloudWatchRole';
  const fetchMock = jest.fn(async () => ({ ok: true, status: 200 }));
  beforeAll(() => {
    global.fetch = fetchMock as never;
    cloudwatchRole.timing.delayMs = 1;
  });
  beforeEach(() => fetchMock.mockClear());
  const event = (RequestType: string, props: Record<string, unknown> = { RoleArn: roleArn }) =>
    ({
      RequestType,
      ResponseURL: 'https://cfn-response.example/put',
      StackId: 's',
      RequestId: 'r',
      LogicalResourceId: 'l',
      ResourceProperties: props,
    }) as never;
  const responded = () => JSON.parse(String((fetchMock.mock.calls[0] as unknown as [string, { body: string }])[1].body));

  test('a working role in the account setting is kept: no UpdateAccount', async () => {
    apigateway.on(GetAccountCommand).resolves({ cloudwatchRoleArn: 'arn:aws:iam::111111111111:role/other' });
    iam.on(GetRoleCommand).resolves({});
    await cloudwatchRole.handler(event('Create'), context);
    expect(apigateway.commandCalls(UpdateAccountCommand)).toHaveLength(0);
    expect(responded()).toEqual(
      expect.objectContaining({
        Status: 'SUCCESS',
        PhysicalResourceId: cloudwatchRole.PHYSICAL_ID,
        Data: { Action: 'kept', RoleArn: 'arn:aws:iam::111111111111:role/other' },
      }),
    );
  });

  test('an unset or dangling setting is set to the stack role, retrying while IAM propagates', async () => {
    apigateway.on(GetAccountCommand).resolves({ cloudwatchRoleArn: 'arn:aws:iam::111111111111:role/deleted' });
    iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'no', $metadata: {} }));
    apigateway
      .on(UpdateAccountCommand)
      .rejectsOnce(
        new BadRequestException({ message: 'The role ARN does not have required permissions set to API Gateway', $metadata: {} }),
      )
      .resolves({});
    await cloudwatchRole.handler(event('Update'), context);
    expect(apigateway.commandCalls(UpdateAccountCommand)).toHaveLength(2);
    expect(apigateway.commandCalls(UpdateAccountCommand)[1].args[0].input.patchOperations).toEqual([
      { op: 'replace', path: '/cloudwatchRoleArn', value: roleArn },
    ]);
    expect(responded().Data).toEqual({ Action: 'set', RoleArn: roleArn });
  });

  test('delete leaves the setting alone; failures and bad input are reported to CloudFormation as FAILED', async () => {
    await cloudwatchRole.handler(event('Delete'), context);
    expect(apigateway.calls()).toHaveLength(0);
    expect(responded().Status).toBe('SUCCESS');
    fetchMock.mockClear();
    await cloudwatchRole.handler(event('Create', { RoleArn: 'not-an-arn' }), context);
    expect(responded()).toEqual(expect.objectContaining({ Status: 'FAILED', Reason: expect.stringContaining('is not an IAM role ARN') }));
    fetchMock.mockClear();
    apigateway.on(GetAccountCommand).rejects(new Error('AccessDenied'));
    await cloudwatchRole.handler(event('Create'), context);
    expect(responded()).toEqual(expect.objectContaining({ Status: 'FAILED', Reason: 'Error: AccessDenied' }));
  });
});
