import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One operation of a REST-JSON endpoint: the request body in, the response body out. */
export type RestOperation = (input: Record<string, unknown>) => Promise<unknown> | unknown;

/** An error the endpoint returns in the shape the SDK's REST-JSON protocol reads: the status, `x-amzn-errortype` and `{ message }`. */
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

/** A running endpoint. */
export interface RestEndpoint {
  readonly port: number;
  stop(): Promise<void>;
}

/** A REST-JSON endpoint: its operations by path, and the service's error codes. */
export interface RestEndpointOptions {
  /** The service, as errors name it. */
  readonly service: string;
  /** The operations by request path (`/start-flow`, `/v1/submitjob`). */
  readonly routes: Readonly<Record<string, RestOperation>>;
  /** The only method the operations answer. @default - any method */
  readonly method?: string;
  /** The service's error codes (HTTP 400) for a request it does not serve and for a body that is not JSON. */
  readonly unsupported: string;
  readonly invalidBody: string;
  /** The service's error code (HTTP 500) for any error that is not a {@link RestError}. */
  readonly internal: string;
}

/**
 * A small AWS REST-JSON endpoint on 127.0.0.1 and a free port (the protocol of AppFlow and AWS Batch):
 * the operation is the request path, the input the JSON body; errors carry `x-amzn-errortype`.
 * Requests are not signature-checked.
 */
export function startRestEndpoint(options: RestEndpointOptions): Promise<RestEndpoint> {
  const server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '/').split('?')[0];
    try {
      const operation = options.method === undefined || req.method === options.method ? options.routes[path] : undefined;
      if (!operation) {
        throw new RestError(options.unsupported, 400, `The local ${options.service} endpoint does not support ${req.method} ${path}`);
      }
      let input: Record<string, unknown> = {};
      if (chunks.length) {
        try {
          input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          throw new RestError(options.invalidBody, 400, 'the request body is not JSON');
        }
      }
      reply(res, 200, (await operation(input)) ?? {});
    } catch (error) {
      const e = error instanceof RestError ? error : new RestError(options.internal, 500, (error as Error).message);
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
