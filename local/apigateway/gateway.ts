// The local API Gateway's HTTP side: one server on 127.0.0.1 that serves every API by host name
// (`<api-id>.execute-api.localhost:<port>`, what `localUrl` turns the template's invoke URLs into),
// REST APIs and HTTP APIs, the WebSocket APIs' upgrades and @connections endpoints (websocket.ts),
// and the control-plane call scenarios need (GetApiKey with its value).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InvocationResult } from '../lambda/local-function';
import type { SyncInvoke } from '../services/service';
import { checkSigV4, checkToken, type Decision, LambdaAuthorizers } from './authorizers';
import { httpEvent, type IncomingRequest, requestId, restEvent } from './events';
import type { KeyStore } from './keys';
import type { LambdaProxy, LocalApi, RestApi, RestMethod, V2Api } from './model';
import { parseRequest, readBody } from './request';
import { bestMatch, matchRouteKey } from './routing';
import { bodyErrors, missingParameters, validationErrorString } from './validation';
import { WebSocketGateway } from './websocket';

export { MAX_BODY_BYTES } from './request';

const HOST = /^([a-z0-9]{10})\.execute-api\.localhost(?::\d+)?$/;

/** What the gateway needs from the runtime. */
export interface GatewayOptions {
  readonly region: string;
  readonly accountId: string;
  readonly keys: KeyStore;
  /** The synchronous invoker of a function named by ARN or name; undefined when it is not local. */
  invoker(functionRef: string): SyncInvoke | undefined;
  onError(error: Error): void;
}

/** A response the gateway sends. */
interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string | string[]>;
  readonly body: string | Buffer;
}

const json = (status: number, body: unknown, errorType?: string): Reply => ({
  status,
  headers: { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) },
  body: JSON.stringify(body),
});

/** The `x-amzn-errortype` API Gateway sends with each gateway response type. */
const ERROR_TYPES: Readonly<Record<string, string>> = {
  MISSING_AUTHENTICATION_TOKEN: 'MissingAuthenticationTokenException',
  UNAUTHORIZED: 'UnauthorizedException',
  ACCESS_DENIED: 'AccessDeniedException',
  INVALID_API_KEY: 'ForbiddenException',
  QUOTA_EXCEEDED: 'LimitExceededException',
  BAD_REQUEST_BODY: 'BadRequestException',
  BAD_REQUEST_PARAMETERS: 'BadRequestException',
  AUTHORIZER_CONFIGURATION_ERROR: 'AuthorizerConfigurationException',
  DEFAULT_4XX: 'ForbiddenException',
};

/** Gateway response types by the status of a refusal, for the REST API's customised responses. */
const RESPONSE_TYPES: Readonly<Record<string, string>> = {
  'Missing Authentication Token': 'MISSING_AUTHENTICATION_TOKEN',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'INVALID_API_KEY',
  'Limit Exceeded': 'QUOTA_EXCEEDED',
};

export class LocalGateway {
  public readonly apis = new Map<string, LocalApi>();
  public readonly authorizers: LambdaAuthorizers;
  public readonly webSockets: WebSocketGateway;
  private readonly server: Server;
  private readonly inFlight = new Set<Promise<void>>();
  private port = 0;

  public constructor(private readonly options: GatewayOptions) {
    this.authorizers = new LambdaAuthorizers((ref) => options.invoker(ref));
    this.webSockets = new WebSocketGateway({ ...options, authorizers: this.authorizers });
    this.server = createServer((req, res) => {
      const work = this.handle(req, res).catch((error: Error) => {
        options.onError(error);
        if (!res.headersSent) this.send(res, json(500, { message: 'Internal server error' }));
      });
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    });
    this.server.on('upgrade', (req, socket, head) => {
      const api = this.apiOf(req);
      if (api?.protocol !== 'WEBSOCKET') {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      this.webSockets.upgrade(api, req, socket, head);
    });
  }

  /** Listens on 127.0.0.1 and a free port. */
  public start(): Promise<number> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve(this.port);
      }),
    );
  }

  /** The local base URL of an API: `http://<id>.execute-api.localhost:<port>` (`ws://` for WebSocket APIs). */
  public baseUrl(apiId: string, scheme: 'http' | 'ws' = 'http'): string {
    return `${scheme}://${apiId}.execute-api.localhost:${this.port}`;
  }

  /** The control-plane endpoint (`http://127.0.0.1:<port>`). */
  public get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Closes every WebSocket connection ($disconnect runs) and waits for the requests in flight. */
  public async drain(): Promise<void> {
    await this.webSockets.drain();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  public stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private apiOf(req: IncomingMessage): LocalApi | undefined {
    const id = HOST.exec(String(req.headers.host ?? ''))?.[1];
    return id ? this.apis.get(id) : undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = String(req.headers.host ?? '');
    if (!HOST.test(host)) {
      this.send(res, this.controlPlane(req));
      return;
    }
    const api = this.apiOf(req);
    if (!api) {
      this.send(res, json(404, { message: 'Not Found' }));
      return;
    }
    const body = await readBody(req);
    if (!body) {
      this.send(res, json(413, { message: 'Request Entity Too Large' }));
      return;
    }
    const url = new URL(req.url ?? '/', `http://${host}`);
    const request = parseRequest(req, url, body, host);
    if (api.protocol === 'REST') this.send(res, await this.rest(api, request));
    else if (api.protocol === 'HTTP') this.send(res, await this.http(api, request));
    else this.send(res, this.webSockets.manage(api, request));
  }

  /** GET /apikeys/{id}?includeValue=true, as the API Gateway control plane answers it. */
  private controlPlane(req: IncomingMessage): Reply {
    const url = new URL(req.url ?? '/', 'http://control');
    const match = /^\/apikeys\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'GET' || !match)
      return json(
        404,
        { message: `the local API Gateway control plane serves GetApiKey only, not ${req.method} ${url.pathname}` },
        'NotFoundException',
      );
    const key = this.options.keys.keys.get(decodeURIComponent(match[1]));
    if (!key) return json(404, { message: 'Invalid API Key identifier specified' }, 'NotFoundException');
    const includeValue = url.searchParams.get('includeValue') === 'true';
    return json(200, { id: key.id, name: key.name, enabled: key.enabled, ...(includeValue ? { value: key.value } : {}) });
  }

  private send(res: ServerResponse, reply: Reply): void {
    res.writeHead(reply.status, { 'x-amzn-requestid': requestId(), ...reply.headers });
    res.end(reply.body);
  }

  // --- REST APIs

  private async rest(api: RestApi, request: IncomingRequest): Promise<Reply> {
    const [stageName = '', ...rest] = request.rawPath.split('/').slice(1);
    const stage = api.stages.get(stageName);
    if (!stage) return this.gatewayResponse(api, 'DEFAULT_4XX', 403, 'Forbidden');
    const path = `/${rest.join('/')}`;
    const match = bestMatch(api.resources, path);
    const method = match?.item.methods.get(request.method) ?? match?.item.methods.get('ANY');
    if (!match || !method) return this.gatewayResponse(api, 'MISSING_AUTHENTICATION_TOKEN', 403, 'Missing Authentication Token');
    const resource = match.item;
    const scoped: IncomingRequest = { ...request, path };
    const id = requestId();
    const methodArn = `arn:aws:execute-api:${this.options.region}:${this.options.accountId}:${api.id}/${stage.name}/${request.method}${path}`;
    const base = {
      request: scoped,
      apiId: api.id,
      accountId: this.options.accountId,
      stage: stage.name,
      resourceId: resource.id,
      resourcePath: resource.path,
      pathParameters: match.params,
      stageVariables: stage.variables,
      requestId: id,
    };

    const decision = await this.authorizeRest(method, scoped, stage.variables, methodArn, base);
    if (!decision.ok) return this.refusal(api, decision);
    let apiKey: { id: string; value: string } | undefined;
    if (method.apiKeyRequired) {
      const verdict = this.options.keys.check(request.headers['x-api-key'], api.id, stage.name);
      if (!verdict.ok) return this.gatewayResponse(api, RESPONSE_TYPES[verdict.message], verdict.status, verdict.message);
      apiKey = { id: verdict.key.id, value: verdict.key.value };
    }
    if (method.validator?.parameters) {
      const missing = missingParameters(method.parameters, { headers: request.headers, query: request.query, path: match.params });
      if (missing.length)
        return this.gatewayResponse(api, 'BAD_REQUEST_PARAMETERS', 400, `Missing required request parameters: [${missing.join(', ')}]`);
    }
    if (method.validator?.body) {
      const contentType = (request.headers['content-type'] ?? 'application/json').split(';')[0].trim();
      const schema = method.models[contentType] ?? method.models.$default;
      if (schema !== undefined) {
        const errors = bodyErrors(schema, request.body.toString('utf8'));
        if (errors.length) return this.gatewayResponse(api, 'BAD_REQUEST_BODY', 400, 'Invalid request body', validationErrorString(errors));
      }
    }
    if (!method.integration) return json(500, { message: method.unsupported ?? 'Internal server error' });
    const event = restEvent({ ...base, authorizer: decision.context, apiKey });
    return this.invokeProxy(method.integration, event, 'REST');
  }

  private async authorizeRest(
    method: RestMethod,
    request: IncomingRequest,
    stageVariables: Readonly<Record<string, string>>,
    methodArn: string,
    base: Parameters<typeof restEvent>[0],
  ): Promise<Decision> {
    const { authorizer } = method;
    switch (method.authorization) {
      case 'AWS_IAM':
        return checkSigV4(request.headers);
      case 'COGNITO_USER_POOLS':
        return authorizer && authorizer.kind !== 'lambda'
          ? checkToken(authorizer, request.headers)
          : { ok: false, status: 500, body: { message: null } };
      case 'CUSTOM': {
        if (authorizer?.kind !== 'lambda') return { ok: false, status: 500, body: { message: null } };
        const { body: _body, isBase64Encoded: _encoded, ...event } = restEvent(base);
        const decision = await this.authorizers.authorize(
          authorizer,
          { headers: request.headers, query: request.query, stageVariables, methodArn },
          event,
        );
        return decision;
      }
      default:
        return { ok: true, context: {} };
    }
  }

  private refusal(api: RestApi, decision: Extract<Decision, { ok: false }>): Reply {
    const message = String(decision.body.message ?? decision.body.Message ?? '');
    if (decision.status === 403 && decision.body.Message !== undefined)
      return this.gatewayResponse(api, 'ACCESS_DENIED', 403, message, undefined, decision.body);
    if (decision.status === 500) return this.gatewayResponse(api, 'AUTHORIZER_CONFIGURATION_ERROR', 500, message, undefined, decision.body);
    return this.gatewayResponse(api, RESPONSE_TYPES[message] ?? 'DEFAULT_4XX', decision.status, message);
  }

  /** A gateway response: the template's customisation for the type (or DEFAULT_4XX/5XX), else API Gateway's default body. */
  private gatewayResponse(
    api: RestApi,
    type: string,
    status: number,
    message: string,
    validationError?: string,
    defaultBody?: unknown,
  ): Reply {
    const custom = api.gatewayResponses.get(type) ?? api.gatewayResponses.get(status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX');
    const template = custom?.templates['application/json'];
    const errorType = ERROR_TYPES[type] ?? 'BadRequestException';
    if (!custom || template === undefined) return json(status, defaultBody ?? { message }, errorType);
    const values: Record<string, string> = {
      '$context.error.validationErrorString': validationError ?? '',
      '$context.error.message': message,
      '$context.error.messageString': JSON.stringify(message),
      '$context.error.responseType': type,
    };
    const escapeJs = (text: string) => text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    const body = template
      .replace(/\$util\.escapeJavaScript\((\$context\.[A-Za-z.]+)\)/g, (_m, name: string) => escapeJs(values[name] ?? ''))
      .replace(/\$context\.[A-Za-z.]+/g, (name) => values[name] ?? '');
    return {
      status: custom.statusCode ?? status,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': errorType, ...custom.headers },
      body,
    };
  }

  // --- HTTP APIs

  private async http(api: V2Api, request: IncomingRequest): Promise<Reply> {
    let stageName = '$default';
    let path = request.rawPath;
    if (!api.stages.has('$default')) {
      const [first = '', ...rest] = request.rawPath.split('/').slice(1);
      stageName = first;
      path = `/${rest.join('/')}`;
    }
    const stage = api.stages.get(stageName);
    if (!stage) return json(404, { message: 'Not Found' });
    const matched = matchRouteKey([...api.routes.keys()], request.method, path);
    const route = matched ? api.routes.get(matched.routeKey) : undefined;
    if (!matched || !route) return json(404, { message: 'Not Found' });
    let authorizer: Record<string, unknown> | undefined;
    if (route.authorization === 'JWT') {
      if (route.authorizer?.kind !== 'jwt') return json(500, { message: 'Internal Server Error' });
      const decision = checkToken(route.authorizer, request.headers);
      if (!decision.ok) return json(decision.status, decision.body);
      authorizer = decision.context;
    } else if (route.authorization === 'AWS_IAM') {
      const decision = checkSigV4(request.headers);
      if (!decision.ok) return json(403, { message: 'Forbidden' });
    } else if (route.authorization !== 'NONE') {
      return json(500, { message: `${route.authorization} authorizers of HTTP APIs are not emulated locally` });
    }
    if (!route.integration) return json(500, { message: route.unsupported ?? 'Internal Server Error' });
    const base = {
      request: { ...request, path },
      apiId: api.id,
      accountId: this.options.accountId,
      stage: stage.name,
      stageVariables: stage.variables,
      requestId: requestId(),
      authorizer,
    };
    const event =
      route.integration.payloadFormat === '2.0'
        ? httpEvent({ ...base, routeKey: matched.routeKey, pathParameters: matched.params })
        : restEvent({ ...base, resourceId: route.logicalId, resourcePath: path, pathParameters: matched.params });
    return this.invokeProxy(route.integration, event, 'HTTP');
  }

  // --- Lambda proxy integrations

  private async invokeProxy(integration: LambdaProxy, event: Record<string, unknown>, kind: 'REST' | 'HTTP'): Promise<Reply> {
    const failed = kind === 'REST' ? json(502, { message: 'Internal server error' }) : json(500, { message: 'Internal Server Error' });
    const invoke = this.options.invoker(integration.functionRef);
    if (!invoke) return kind === 'REST' ? json(500, { message: 'Internal server error' }) : failed;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), integration.timeoutMs);
    });
    const outcome: InvocationResult | 'timeout' = await Promise.race([invoke(event), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout')
      return kind === 'REST' ? json(504, { message: 'Endpoint request timed out' }) : json(503, { message: 'Service Unavailable' });
    if (!outcome.ok) return failed;
    return proxyResponse(outcome.result, integration.payloadFormat) ?? failed;
  }
}

/** A Lambda proxy result as an HTTP response; undefined when it is malformed (API Gateway answers 502/500). */
export function proxyResponse(result: unknown, format: '1.0' | '2.0'): Reply | undefined {
  const value = result as {
    statusCode?: unknown;
    headers?: unknown;
    multiValueHeaders?: unknown;
    body?: unknown;
    isBase64Encoded?: unknown;
    cookies?: unknown;
  } | null;
  if (format === '2.0' && (value === null || typeof value !== 'object' || value.statusCode === undefined)) {
    // Format 2.0 infers a response from anything that is not one: 200, JSON.
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: typeof result === 'string' ? result : JSON.stringify(result),
    };
  }
  if (value === null || typeof value !== 'object' || !Number.isInteger(value.statusCode)) return undefined;
  if (value.body !== undefined && value.body !== null && typeof value.body !== 'string') return undefined;
  const headers: Record<string, string | string[]> = {};
  for (const [name, v] of Object.entries((value.headers ?? {}) as Record<string, unknown>)) headers[name.toLowerCase()] = String(v);
  for (const [name, v] of Object.entries((value.multiValueHeaders ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(v)) headers[name.toLowerCase()] = v.map(String);
  }
  if (Array.isArray(value.cookies)) headers['set-cookie'] = value.cookies.map(String);
  const text = (value.body as string | undefined) ?? '';
  return { status: value.statusCode as number, headers, body: value.isBase64Encoded === true ? Buffer.from(text, 'base64') : text };
}
