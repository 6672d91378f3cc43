import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An error the endpoint returns in the shape the SDK's REST-JSON protocol reads. */
export class RestError extends Error {
  public constructor(
    public readonly code: string,
    public readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** One operation: the JSON body in, the JSON body out. */
export type RestOperation = (input: Record<string, unknown>) => Promise<unknown> | unknown;

/** A running endpoint. */
export interface RestEndpoint {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * A small AWS REST-JSON endpoint on 127.0.0.1 and a free port (AppFlow's protocol): the operation is
 * the request path (`POST /start-flow`), the input the JSON body; errors carry `x-amzn-errortype`.
 * Requests are not signature-checked.
 */
export function startRestEndpoint(service: string, routes: Readonly<Record<string, RestOperation>>): Promise<RestEndpoint> {
  const server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '/').split('?')[0];
    try {
      const operation = routes[path];
      if (!operation)
        throw new RestError('UnsupportedOperationException', 400, `The local ${service} endpoint does not support ${req.method} ${path}`);
      let input: Record<string, unknown> = {};
      if (chunks.length) {
        try {
          input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          throw new RestError('ValidationException', 400, 'the request body is not JSON');
        }
      }
      reply(res, 200, (await operation(input)) ?? {});
    } catch (error) {
      const e = error instanceof RestError ? error : new RestError('InternalServerException', 500, (error as Error).message);
      reply(res, e.status, { message: e.message }, e.code);
    }
  }

  function reply(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
    res.writeHead(status, { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
    res.end(JSON.stringify(body));
  }

  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        stop: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
