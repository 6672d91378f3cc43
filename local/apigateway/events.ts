// The Lambda proxy events API Gateway sends: REST (payload format 1.0), HTTP API (2.0) and WebSocket.
import { randomUUID } from 'node:crypto';

/** A request as the local gateway read it. */
export interface IncomingRequest {
  readonly method: string;
  /** The path after the stage (`/quotes/abc`). */
  readonly path: string;
  /** The path as sent (`/v1/quotes/abc`). */
  readonly rawPath: string;
  readonly rawQuery: string;
  /** Header names in lower case; repeated headers in `multiHeaders`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly multiHeaders: Readonly<Record<string, string[]>>;
  readonly query: Readonly<Record<string, string>>;
  readonly multiQuery: Readonly<Record<string, string[]>>;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly host: string;
}

const TEXT = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript)|.*\+json$|.*\+xml$)/i;

/** The body as an event carries it: text as is, anything else base64. */
export function eventBody(request: IncomingRequest): { body: string | null; isBase64Encoded: boolean } {
  if (request.body.length === 0) return { body: null, isBase64Encoded: false };
  const type = request.headers['content-type'] ?? 'application/json';
  return TEXT.test(type)
    ? { body: request.body.toString('utf8'), isBase64Encoded: false }
    : { body: request.body.toString('base64'), isBase64Encoded: true };
}

function requestTime(now: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(now.getUTCDate())}/${months[now.getUTCMonth()]}/${now.getUTCFullYear()}:${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())} +0000`;
}

const orNull = <T extends object>(value: T): T | null => (Object.keys(value).length ? value : null);

/** The REST API event (payload format 1.0) of a Lambda proxy integration. */
export function restEvent(input: {
  request: IncomingRequest;
  apiId: string;
  accountId: string;
  stage: string;
  resourceId: string;
  resourcePath: string;
  pathParameters: Record<string, string>;
  stageVariables: Readonly<Record<string, string>>;
  authorizer?: Record<string, unknown>;
  apiKey?: { id: string; value: string };
  requestId: string;
}): Record<string, unknown> {
  const { request } = input;
  const now = new Date();
  return {
    resource: input.resourcePath,
    path: request.path,
    httpMethod: request.method,
    headers: orNull(request.headers),
    multiValueHeaders: orNull(request.multiHeaders),
    queryStringParameters: orNull(request.query),
    multiValueQueryStringParameters: orNull(request.multiQuery),
    pathParameters: orNull(input.pathParameters),
    stageVariables: orNull(input.stageVariables),
    requestContext: {
      accountId: input.accountId,
      apiId: input.apiId,
      authorizer: input.authorizer ?? null,
      domainName: request.host,
      domainPrefix: input.apiId,
      extendedRequestId: input.requestId,
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: input.apiKey?.value ?? null,
        apiKeyId: input.apiKey?.id ?? null,
        caller: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent: request.headers['user-agent'] ?? null,
        userArn: null,
      },
      path: request.rawPath,
      protocol: 'HTTP/1.1',
      requestId: input.requestId,
      requestTime: requestTime(now),
      requestTimeEpoch: now.getTime(),
      resourceId: input.resourceId,
      resourcePath: input.resourcePath,
      stage: input.stage,
    },
    ...eventBody(request),
  };
}

/** The HTTP API event (payload format 2.0). */
export function httpEvent(input: {
  request: IncomingRequest;
  apiId: string;
  accountId: string;
  stage: string;
  routeKey: string;
  pathParameters: Record<string, string>;
  stageVariables: Readonly<Record<string, string>>;
  authorizer?: Record<string, unknown>;
  requestId: string;
}): Record<string, unknown> {
  const { request } = input;
  const now = new Date();
  const headers = Object.fromEntries(Object.entries(request.multiHeaders).map(([k, v]) => [k, v.join(',')]));
  const cookies = request.headers.cookie?.split(';').map((c) => c.trim());
  return {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQuery,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(Object.keys(request.query).length
      ? { queryStringParameters: Object.fromEntries(Object.entries(request.multiQuery).map(([k, v]) => [k, v.join(',')])) }
      : {}),
    ...(Object.keys(input.pathParameters).length ? { pathParameters: input.pathParameters } : {}),
    ...(Object.keys(input.stageVariables).length ? { stageVariables: input.stageVariables } : {}),
    requestContext: {
      accountId: input.accountId,
      apiId: input.apiId,
      ...(input.authorizer ? { authorizer: input.authorizer } : {}),
      domainName: request.host,
      domainPrefix: input.apiId,
      http: {
        method: request.method,
        path: request.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: request.headers['user-agent'] ?? '',
      },
      requestId: input.requestId,
      routeKey: input.routeKey,
      stage: input.stage,
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    ...eventBody(request),
  };
}

/** A WebSocket route event (`$connect`, `$disconnect` or a message route). */
export function webSocketEvent(input: {
  eventType: 'CONNECT' | 'DISCONNECT' | 'MESSAGE';
  routeKey: string;
  apiId: string;
  stage: string;
  connectionId: string;
  connectedAt: number;
  domainName: string;
  sourceIp: string;
  authorizer?: Record<string, unknown>;
  headers?: Readonly<Record<string, string>>;
  query?: Readonly<Record<string, string>>;
  body?: string;
}): Record<string, unknown> {
  const now = Date.now();
  const requestId = randomUUID();
  return {
    ...(input.headers
      ? { headers: input.headers, multiValueHeaders: Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k, [v]])) }
      : {}),
    ...(input.query && Object.keys(input.query).length ? { queryStringParameters: input.query } : {}),
    requestContext: {
      routeKey: input.routeKey,
      eventType: input.eventType,
      ...(input.eventType === 'MESSAGE' ? { messageId: randomUUID() } : {}),
      extendedRequestId: requestId,
      requestTime: requestTime(new Date(now)),
      messageDirection: 'IN',
      stage: input.stage,
      connectedAt: input.connectedAt,
      requestTimeEpoch: now,
      identity: { sourceIp: input.sourceIp, userAgent: input.headers?.['user-agent'] },
      requestId,
      domainName: input.domainName,
      connectionId: input.connectionId,
      apiId: input.apiId,
      ...(input.authorizer ? { authorizer: input.authorizer } : {}),
    },
    ...(input.body !== undefined ? { body: input.body } : {}),
    isBase64Encoded: false,
  };
}

/** A request id like API Gateway's. */
export function requestId(): string {
  return randomUUID();
}
