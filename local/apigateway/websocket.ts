// WebSocket APIs on the local gateway: the upgrade runs `$connect` (its Lambda authorizer, then its
// integration) before the handshake completes; each message is routed by the API's route selection
// expression (`$request.body.action`) to its route or `$default`; a close runs `$disconnect`. The
// stage's `@connections` endpoint (PostToConnection, GetConnection, DeleteConnection) answers 410
// Gone for connections that are closed or never existed, as AWS does.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { SyncInvoke } from '../services/service';
import type { LambdaAuthorizers } from './authorizers';
import { type IncomingRequest, requestId, webSocketEvent } from './events';
import type { V2Api, V2Route } from './model';

/** A WebSocket message: at most 128 KB (API Gateway closes the connection with 1009 beyond it). */
export const MAX_MESSAGE_BYTES = 128 * 1024;

interface Connection {
  readonly id: string;
  readonly api: V2Api;
  readonly stage: string;
  readonly socket: WebSocket;
  readonly connectedAt: number;
  lastActiveAt: number;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly domainName: string;
  readonly authorizer?: Record<string, unknown>;
}

interface Options {
  readonly region: string;
  readonly accountId: string;
  readonly authorizers: LambdaAuthorizers;
  invoker(functionRef: string): SyncInvoke | undefined;
  onError(error: Error): void;
}

type Reply = { readonly status: number; readonly headers?: Record<string, string>; readonly body: string };

const gone = (id: string): Reply => ({
  status: 410,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' },
  body: JSON.stringify({ message: `connection ${id} is gone` }),
});

/** The value a route selection expression such as `$request.body.action` selects from a message, or undefined. */
export function selectRoute(expression: string | undefined, data: string): string | undefined {
  const match = /^\$request\.body\.(.+)$/.exec(expression ?? '');
  if (!match) return undefined;
  try {
    let value: unknown = JSON.parse(data);
    for (const key of match[1].split('.')) value = (value as Record<string, unknown> | null)?.[key];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export class WebSocketGateway {
  public readonly connections = new Map<string, Connection>();
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly inFlight = new Set<Promise<unknown>>();

  public constructor(private readonly options: Options) {}

  /** Runs `$connect` and completes the handshake when it succeeds; refuses it with the authorizer's or integration's status otherwise. */
  public upgrade(api: V2Api, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const work = this.connect(api, req, socket, head).catch((error: Error) => {
      this.options.onError(error);
      refuse(socket, 500);
    });
    this.track(work);
  }

  private async connect(api: V2Api, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const stage = url.pathname.split('/')[1] ?? '';
    if (!api.stages.has(stage)) return refuse(socket, 403);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]));
    const query = Object.fromEntries(url.searchParams);
    const id = randomBytes(11).toString('base64');
    const connectedAt = Date.now();
    const base = {
      apiId: api.id,
      stage,
      connectionId: id,
      connectedAt,
      domainName: String(req.headers.host),
      sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
    };
    const route = api.routes.get('$connect');
    let authorizer: Record<string, unknown> | undefined;
    if (route?.authorization === 'CUSTOM') {
      if (route.authorizer?.kind !== 'lambda') return refuse(socket, 500);
      const methodArn = `arn:aws:execute-api:${this.options.region}:${this.options.accountId}:${api.id}/${stage}/$connect`;
      const { requestContext } = webSocketEvent({ ...base, eventType: 'CONNECT', routeKey: '$connect', headers, query });
      const decision = await this.options.authorizers.authorize(
        route.authorizer,
        { headers, query, stageVariables: api.stages.get(stage)?.variables ?? {}, methodArn },
        { headers, queryStringParameters: query, stageVariables: api.stages.get(stage)?.variables ?? {}, requestContext },
      );
      if (!decision.ok) return refuse(socket, decision.status);
      authorizer = decision.context;
    } else if (route && route.authorization !== 'NONE') {
      return refuse(socket, 500);
    }
    if (route) {
      const outcome = await this.run(
        route,
        webSocketEvent({ ...base, eventType: 'CONNECT', routeKey: '$connect', headers, query, authorizer }),
      );
      const status = outcome.ok ? Number((outcome.result as { statusCode?: number } | null)?.statusCode ?? 200) : 500;
      if (status < 200 || status > 299) return refuse(socket, status);
    }
    this.server.handleUpgrade(req, socket, head, (ws) => {
      const connection: Connection = {
        ...base,
        id,
        api,
        stage,
        socket: ws,
        lastActiveAt: connectedAt,
        userAgent: headers['user-agent'] ?? '',
        authorizer,
      };
      this.connections.set(id, connection);
      ws.on('message', (data, isBinary) => {
        connection.lastActiveAt = Date.now();
        this.track(this.message(connection, isBinary ? Buffer.from(data as Buffer).toString('base64') : String(data)));
      });
      ws.on('close', () => {
        this.connections.delete(id);
        const disconnect = api.routes.get('$disconnect');
        if (disconnect)
          this.track(
            this.run(disconnect, webSocketEvent({ ...base, eventType: 'DISCONNECT', routeKey: '$disconnect', authorizer, headers })),
          );
      });
      ws.on('error', (error) => this.options.onError(error));
    });
  }

  private async message(connection: Connection, data: string): Promise<void> {
    const { api } = connection;
    const selected = selectRoute(api.routeSelectionExpression, data);
    const route = (selected !== undefined ? api.routes.get(selected) : undefined) ?? api.routes.get('$default');
    const id = requestId();
    if (!route) {
      connection.socket.send(JSON.stringify({ message: 'Forbidden', connectionId: connection.id, requestId: id }));
      return;
    }
    const outcome = await this.run(
      route,
      webSocketEvent({
        eventType: 'MESSAGE',
        routeKey: route.routeKey,
        apiId: api.id,
        stage: connection.stage,
        connectionId: connection.id,
        connectedAt: connection.connectedAt,
        domainName: connection.domainName,
        sourceIp: connection.sourceIp,
        authorizer: connection.authorizer,
        body: data,
      }),
    );
    if (!outcome.ok && connection.socket.readyState === WebSocket.OPEN) {
      connection.socket.send(JSON.stringify({ message: 'Internal server error', connectionId: connection.id, requestId: id }));
    }
  }

  private async run(route: V2Route, event: Record<string, unknown>): Promise<{ ok: boolean; result?: unknown }> {
    const invoke = route.integration ? this.options.invoker(route.integration.functionRef) : undefined;
    if (!invoke) return { ok: false };
    return invoke(event);
  }

  /** The stage's `@connections/{id}` endpoint: POST sends a frame, GET describes, DELETE closes. */
  public manage(api: V2Api, request: IncomingRequest): Reply {
    const match = /^\/([^/]+)\/@connections\/([^/]+)$/.exec(request.rawPath);
    if (!match || !api.stages.has(match[1]))
      return { status: 403, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Forbidden' }) };
    const id = decodeURIComponent(match[2]);
    const connection = this.connections.get(id);
    if (!connection || connection.api !== api || connection.stage !== match[1] || connection.socket.readyState !== WebSocket.OPEN)
      return gone(id);
    switch (request.method) {
      case 'POST':
        if (request.body.length > MAX_MESSAGE_BYTES) {
          return {
            status: 413,
            headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'PayloadTooLargeException' },
            body: '{"message":"Payload too large"}',
          };
        }
        connection.socket.send(request.body.toString('utf8'));
        return { status: 200, body: '' };
      case 'GET':
        return {
          status: 200,
          headers: { 'content-type': 'application/json' },
          // The wire names of the GetConnection response (the SDK maps them to ConnectedAt, Identity...).
          body: JSON.stringify({
            connectedAt: new Date(connection.connectedAt).toISOString(),
            identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
            lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
          }),
        };
      case 'DELETE':
        connection.socket.close(1000);
        return { status: 204, body: '' };
      default:
        return { status: 403, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Forbidden' }) };
    }
  }

  /** Closes every connection (each runs `$disconnect`) and waits for the route invocations in flight. */
  public async drain(): Promise<void> {
    const closing = [...this.connections.values()].map(
      (c) =>
        new Promise<void>((resolve) => {
          c.socket.once('close', () => resolve());
          c.socket.close(1001);
          setTimeout(resolve, 2000).unref();
        }),
    );
    await Promise.all(closing);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.server.close();
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: Error) => this.options.onError(error));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}

function refuse(socket: Duplex, status: number): void {
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 500: 'Internal Server Error' }[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
