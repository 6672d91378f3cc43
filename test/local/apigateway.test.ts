import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { WebSocket } from 'ws';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import type { Template } from '../../local/template';

// The local API Gateway service on a small hand-written template (no synthesis): a REST API with an
// API key and a usage plan quota, a Lambda REQUEST authorizer (cached 300 s), IAM and Cognito
// methods; an HTTP API with a JWT route; a WebSocket API whose $connect uses the same authorizer.

/** The functions: an authorizer whose decision depends on the client id (and that logs each call), and an echo backend. */
const FUNCTIONS = `
let calls = 0;
exports.authorizer = async (event) => {
  calls++;
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const id = headers['x-client-id'] ?? (event.queryStringParameters ?? {}).clientId;
  console.log('authorize ' + id);
  if (id === 'broken') throw new Error('Unauthorized');
  const statement =
    id === 'elsewhere'
      ? { Effect: 'Allow', Resource: event.methodArn.replace(/\\/[^/]+\\/[^/]+\\/.*$/, '/other/GET/*') }
      : { Effect: id.startsWith('allowed') ? 'Allow' : 'Deny', Resource: event.methodArn };
  return {
    principalId: id,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', ...statement }] },
    context: { calls },
  };
};
exports.backend = async (event) => ({
  statusCode: 200,
  body: JSON.stringify({ authorizer: event.requestContext.authorizer ?? null }),
});
`;

const ASSET = 'fixture';
const POOL_ID = 'us-east-1_Fixture';
const AUDIENCE = 'fixture-client';
const KEY = 'fixture-key-0123456789abcdefghijklmnopqr';
const QUOTA = 3;

const ref = (id: string) => ({ Ref: id });
const invocationUri = (fn: string) => ({
  'Fn::Join': [
    '',
    ['arn:aws:apigateway:', ref('AWS::Region'), ':lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': [fn, 'Arn'] }, '/invocations'],
  ],
});
const fn = (handler: string) => ({
  Type: 'AWS::Lambda::Function',
  Properties: {
    Runtime: 'nodejs24.x',
    Handler: `index.${handler}`,
    Code: { S3Bucket: 'assets', S3Key: `${ASSET}.zip` },
    Role: 'arn:aws:iam::000000000000:role/fixture',
  },
});
const integration = { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', Uri: invocationUri('Backend') };
const method = (verb: string, props: Record<string, unknown>) => ({
  Type: 'AWS::ApiGateway::Method',
  Properties: {
    RestApiId: ref('Rest'),
    ResourceId: ref('Items'),
    HttpMethod: verb,
    AuthorizationType: 'NONE',
    Integration: integration,
    ...props,
  },
});
const url = (api: string, stage: string, scheme = 'https') => ({
  'Fn::Join': ['', [`${scheme}://`, ref(api), '.execute-api.', ref('AWS::Region'), `.amazonaws.com${stage}`]],
});

function template(region: string): Template {
  return {
    Resources: {
      Authorizer: fn('authorizer'),
      Backend: fn('backend'),
      Rest: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'fixture' } },
      Items: {
        Type: 'AWS::ApiGateway::Resource',
        Properties: { RestApiId: ref('Rest'), ParentId: { 'Fn::GetAtt': ['Rest', 'RootResourceId'] }, PathPart: 'items' },
      },
      ClientAuthorizer: {
        Type: 'AWS::ApiGateway::Authorizer',
        Properties: {
          RestApiId: ref('Rest'),
          Name: 'clients',
          Type: 'REQUEST',
          IdentitySource: 'method.request.header.x-client-id',
          AuthorizerResultTtlInSeconds: 300,
          AuthorizerUri: invocationUri('Authorizer'),
        },
      },
      PoolAuthorizer: {
        Type: 'AWS::ApiGateway::Authorizer',
        Properties: {
          RestApiId: ref('Rest'),
          Name: 'pool',
          Type: 'COGNITO_USER_POOLS',
          IdentitySource: 'method.request.header.Authorization',
          ProviderARNs: [`arn:aws:cognito-idp:${region}:000000000000:userpool/${POOL_ID}`],
        },
      },
      ListItems: method('GET', { ApiKeyRequired: true }),
      CreateItem: method('POST', { AuthorizationType: 'CUSTOM', AuthorizerId: ref('ClientAuthorizer') }),
      UpdateItem: method('PUT', { AuthorizationType: 'COGNITO_USER_POOLS', AuthorizerId: ref('PoolAuthorizer') }),
      DeleteItem: method('DELETE', { AuthorizationType: 'AWS_IAM' }),
      Deployment: {
        Type: 'AWS::ApiGateway::Deployment',
        Properties: { RestApiId: ref('Rest') },
        DependsOn: ['ListItems', 'CreateItem', 'UpdateItem', 'DeleteItem'],
      },
      Stage: { Type: 'AWS::ApiGateway::Stage', Properties: { RestApiId: ref('Rest'), DeploymentId: ref('Deployment'), StageName: 'v1' } },
      Key: { Type: 'AWS::ApiGateway::ApiKey', Properties: { Enabled: true, Value: KEY } },
      Plan: {
        Type: 'AWS::ApiGateway::UsagePlan',
        Properties: { ApiStages: [{ ApiId: ref('Rest'), Stage: ref('Stage') }], Quota: { Limit: QUOTA, Period: 'DAY' } },
      },
      PlanKey: { Type: 'AWS::ApiGateway::UsagePlanKey', Properties: { KeyId: ref('Key'), KeyType: 'API_KEY', UsagePlanId: ref('Plan') } },
      Http: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'fixture-http', ProtocolType: 'HTTP' } },
      HttpIntegration: {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: {
          ApiId: ref('Http'),
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: { 'Fn::GetAtt': ['Backend', 'Arn'] },
          PayloadFormatVersion: '2.0',
        },
      },
      Jwt: {
        Type: 'AWS::ApiGatewayV2::Authorizer',
        Properties: {
          ApiId: ref('Http'),
          Name: 'jwt',
          AuthorizerType: 'JWT',
          IdentitySource: ['$request.header.Authorization'],
          JwtConfiguration: { Issuer: `https://cognito-idp.${region}.amazonaws.com/${POOL_ID}`, Audience: [AUDIENCE] },
        },
      },
      HttpCreate: {
        Type: 'AWS::ApiGatewayV2::Route',
        Properties: {
          ApiId: ref('Http'),
          RouteKey: 'POST /items',
          AuthorizationType: 'JWT',
          AuthorizerId: ref('Jwt'),
          Target: { 'Fn::Join': ['', ['integrations/', ref('HttpIntegration')]] },
        },
      },
      HttpStage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: ref('Http'), StageName: '$default', AutoDeploy: true } },
      Ws: {
        Type: 'AWS::ApiGatewayV2::Api',
        Properties: { Name: 'fixture-ws', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' },
      },
      WsAuthorizer: {
        Type: 'AWS::ApiGatewayV2::Authorizer',
        Properties: {
          ApiId: ref('Ws'),
          Name: 'ws',
          AuthorizerType: 'REQUEST',
          IdentitySource: ['route.request.querystring.clientId'],
          AuthorizerUri: invocationUri('Authorizer'),
        },
      },
      WsIntegration: {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: { ApiId: ref('Ws'), IntegrationType: 'AWS_PROXY', IntegrationUri: invocationUri('Backend') },
      },
      WsConnect: {
        Type: 'AWS::ApiGatewayV2::Route',
        Properties: {
          ApiId: ref('Ws'),
          RouteKey: '$connect',
          AuthorizationType: 'CUSTOM',
          AuthorizerId: ref('WsAuthorizer'),
          Target: { 'Fn::Join': ['', ['integrations/', ref('WsIntegration')]] },
        },
      },
      WsStage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: ref('Ws'), StageName: 'v1', AutoDeploy: true } },
    },
    Outputs: {
      RestUrl: { Value: url('Rest', '/v1/') },
      HttpUrl: { Value: url('Http', '/') },
      WebSocketUrl: { Value: url('Ws', '/v1', 'wss') },
      CallbackUrl: { Value: url('Ws', '/v1') },
    },
  } as unknown as Template;
}

let dir: string;
let runtime: LocalRuntime;
let outputs: Record<string, string>;
const authorizerLog: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'apigateway-test-'));
  mkdirSync(path.join(dir, `asset.${ASSET}`));
  writeFileSync(path.join(dir, `asset.${ASSET}`, 'index.js'), FUNCTIONS);
  const region = 'us-east-1';
  runtime = await startLocalRuntime({
    stacks: [{ stackName: 'ApiFixture', template: template(region), assemblyDir: dir }],
    onLog: (_fn, line) => {
      const match = /authorize (\S+)/.exec(line);
      if (match) authorizerLog.push(match[1]);
    },
  });
  expect(runtime.endpoints.region).toBe(region);
  outputs = (await runtime.outputs('ApiFixture')) as Record<string, string>;
}, 30_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A request to the REST API's `/items`: its status, body and error type. */
async function rest(verb: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${outputs.RestUrl}items`, { method: verb, headers });
  const body = (await response.json()) as { authorizer: { calls: number; claims?: unknown } } & Record<string, unknown>;
  return { status: response.status, body, errorType: response.headers.get('x-amzn-errortype') };
}

/** An unsigned JWT (the local runtime cannot verify signatures, and does not). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'k' })}.${part(claims)}.not-a-signature`;
}

describe('usage plan quota', () => {
  test('a key is counted against its plan: the request beyond the quota is 429 Limit Exceeded; no key or a wrong one is 403', async () => {
    expect(await rest('GET')).toEqual({ status: 403, body: { message: 'Forbidden' }, errorType: 'ForbiddenException' });
    expect((await rest('GET', { 'x-api-key': 'not-the-key' })).status).toBe(403);
    for (let i = 0; i < QUOTA; i++) expect((await rest('GET', { 'x-api-key': KEY })).status).toBe(200);
    expect(await rest('GET', { 'x-api-key': KEY })).toEqual({
      status: 429,
      body: { message: 'Limit Exceeded' },
      errorType: 'LimitExceededException',
    });
  });
});

describe('Lambda REQUEST authorizer', () => {
  beforeEach(() => {
    authorizerLog.length = 0;
  });

  test("an Allow for the method admits the request with the authorizer's context; the decision is cached per identity", async () => {
    const first = await rest('POST', { 'x-client-id': 'allowed' });
    expect(first.status).toBe(200);
    expect(first.body.authorizer).toEqual(expect.objectContaining({ principalId: 'allowed' }));
    const calls = first.body.authorizer.calls;
    // Cached: the same identity is not authorized again within the TTL (the context is the cached one).
    expect((await rest('POST', { 'x-client-id': 'allowed' })).body.authorizer.calls).toBe(calls);
    expect(authorizerLog).toEqual(['allowed']);
    // Another identity is a cache miss.
    expect((await rest('POST', { 'x-client-id': 'allowed-too' })).body.authorizer.calls).toBeGreaterThan(calls);
    expect(authorizerLog).toEqual(['allowed', 'allowed-too']);
  });

  test('an explicit Deny is 403 (cached too); an Allow for another resource only is 403; a missing identity is 401 without a call', async () => {
    const explicit = { Message: 'User is not authorized to access this resource with an explicit deny' };
    expect(await rest('POST', { 'x-client-id': 'denied' })).toEqual({ status: 403, body: explicit, errorType: 'AccessDeniedException' });
    expect((await rest('POST', { 'x-client-id': 'denied' })).body).toEqual(explicit);
    expect((await rest('POST', { 'x-client-id': 'elsewhere' })).body).toEqual({
      Message: 'User is not authorized to access this resource',
    });
    expect(await rest('POST')).toEqual({ status: 401, body: { message: 'Unauthorized' }, errorType: 'UnauthorizedException' });
    expect((await rest('POST', { 'x-client-id': 'broken' })).status).toBe(401);
    expect(authorizerLog).toEqual(['denied', 'elsewhere', 'broken']);
  });
});

describe('IAM, Cognito and JWT authorization: listed, and checked only for what needs no AWS', () => {
  test('each is listed as not verified locally', () => {
    const listed = runtime.notEmulated.map((n) => `${n.logicalId}: ${n.reason}`);
    expect(listed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^DeleteItem: IAM authorization: a SigV4 Authorization header is required; the signature and IAM policies are not verified locally$/,
        ),
        expect.stringMatching(/^PoolAuthorizer: Cognito user pool authorizer: .*its signature is not verified locally$/),
        expect.stringMatching(
          /^Jwt: JWT authorizer: a bearer token from the right issuer and audience, not expired, .*not verified locally$/,
        ),
      ]),
    );
  });

  test('IAM: no SigV4 header is 403 Missing Authentication Token; any SigV4-shaped header passes (the signature is not verified)', async () => {
    expect((await rest('DELETE')).body).toEqual({ message: 'Missing Authentication Token' });
    const unsigned = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=0';
    expect((await rest('DELETE', { authorization: unsigned })).status).toBe(200);
  });

  test("Cognito: a JWT of the pool's issuer, not expired, passes unsigned; another issuer, an expired token or no JWT is 401", async () => {
    const iss = `https://cognito-idp.${runtime.endpoints.region}.amazonaws.com/${POOL_ID}`;
    const exp = Math.floor(Date.now() / 1000) + 600;
    const put = (token: string) => rest('PUT', { authorization: token });
    const ok = await put(jwt({ iss, exp, sub: 'user-1' }));
    expect(ok.status).toBe(200);
    expect(ok.body.authorizer.claims).toEqual(expect.objectContaining({ sub: 'user-1' }));
    for (const token of [jwt({ iss: 'https://elsewhere.example', exp }), jwt({ iss, exp: exp - 1200 }), 'not-a-jwt', '']) {
      expect([token, (await put(token)).status]).toEqual([token, 401]);
    }
  });

  test('HTTP API JWT: the right issuer and audience pass unsigned; another audience or no token is 401', async () => {
    const iss = `https://cognito-idp.${runtime.endpoints.region}.amazonaws.com/${POOL_ID}`;
    const post = async (headers: Record<string, string>) => (await fetch(`${outputs.HttpUrl}items`, { method: 'POST', headers })).status;
    expect(await post({ authorization: `Bearer ${jwt({ iss, aud: AUDIENCE, sub: 'u' })}` })).toBe(200);
    expect(await post({ authorization: `Bearer ${jwt({ iss, aud: 'another-client' })}` })).toBe(401);
    expect(await post({})).toBe(401);
  });
});

/** Resolves once `done` holds (polled every 10 ms), failing after 5 s. */
async function waitFor(done: () => boolean): Promise<void> {
  for (const start = Date.now(); !done(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() - start > 5000) throw new Error('timed out');
  }
}

describe('WebSocket @connections endpoint', () => {
  /** Opens a connection; resolves with the socket once open, or rejects with the handshake's status. */
  const connect = (clientId: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`${outputs.WebSocketUrl}?clientId=${clientId}`);
      socket.once('open', () => resolve(socket));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`handshake ${res.statusCode}`)));
      socket.once('error', reject);
    });
  const management = () =>
    new ApiGatewayManagementApiClient({
      endpoint: outputs.CallbackUrl,
      region: runtime.endpoints.region,
      credentials: runtime.endpoints.credentials,
    });

  test('$connect runs the Lambda authorizer: a denied client is refused with 403', async () => {
    await expect(connect('denied')).rejects.toThrow('handshake 403');
  });

  test('PostToConnection reaches the client; DeleteConnection closes it; afterwards, and for an unknown id, 410 Gone', async () => {
    const client = management();
    const socket = await connect('allowed');
    try {
      const frames: string[] = [];
      socket.on('message', (data) => frames.push(String(data)));
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      // The API has no route for this frame (and no $default): API Gateway's Forbidden frame names the connection.
      socket.send('{"action":"nothing"}');
      await waitFor(() => frames.length > 0);
      const forbidden = JSON.parse(frames.shift() as string);
      expect(forbidden).toEqual({ message: 'Forbidden', connectionId: expect.any(String), requestId: expect.any(String) });
      const id = forbidden.connectionId as string;
      await client.send(new PostToConnectionCommand({ ConnectionId: id, Data: new TextEncoder().encode('{"hello":1}') }));
      await waitFor(() => frames.includes('{"hello":1}'));
      const described = await client.send(new GetConnectionCommand({ ConnectionId: id }));
      expect(described).toEqual(
        expect.objectContaining({
          ConnectedAt: expect.any(Date),
          LastActiveAt: expect.any(Date),
          Identity: expect.objectContaining({ SourceIp: '127.0.0.1' }),
        }),
      );
      await client.send(new DeleteConnectionCommand({ ConnectionId: id }));
      expect(await closed).toBe(1000);
      await expect(client.send(new PostToConnectionCommand({ ConnectionId: id, Data: new Uint8Array([1]) }))).rejects.toBeInstanceOf(
        GoneException,
      );
      await expect(client.send(new DeleteConnectionCommand({ ConnectionId: id }))).rejects.toBeInstanceOf(GoneException);
      await expect(
        client.send(new PostToConnectionCommand({ ConnectionId: 'bm90LWEtY29ubmVjdGlvbg=', Data: new Uint8Array([1]) })),
      ).rejects.toMatchObject({ name: 'GoneException', $metadata: { httpStatusCode: 410 } });
    } finally {
      socket.terminate();
      client.destroy();
    }
  });
});
