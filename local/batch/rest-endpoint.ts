import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One operation of a REST-JSON endpoint: the request body in, the response body out. */
export type RestOperation = (input: Record<string, unknown>) => Promise<unknown> | unknown;

/** An error the endpoint returns as AWS Batch does: HTTP 400 (or 500), `x-amzn-ErrorType` and `{ message }`. */
export class RestError extends Error {
  public constructor(
    public readonly code: 'ClientException' | 'ServerException',
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

/**
 * A small AWS REST-JSON endpoint (the protocol of AWS Batch) on 127.0.0.1 and a free port: every
 * operation is `POST /v1/<operation in lower case>` with a JSON body. Requests are not
 * signature-checked.
 */
export function startRestJsonEndpoint(operations: Readonly<Record<string, RestOperation>>): Promise<RestEndpoint> {
  const byPath = new Map(Object.entries(operations).map(([name, op]) => [`/v1/${name.toLowerCase()}`, op]));
  const server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '').split('?')[0];
    try {
      const operation = req.method === 'POST' ? byPath.get(path) : undefined;
      if (!operation) throw new RestError('ClientException', `The local Batch endpoint does not support ${req.method} ${path}`);
      let input: Record<string, unknown>;
      try {
        input = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        throw new RestError('ClientException', 'the request body is not JSON');
      }
      reply(res, 200, (await operation(input)) ?? {});
    } catch (error) {
      const code = error instanceof RestError ? error.code : 'ServerException';
      reply(res, code === 'ClientException' ? 400 : 500, { message: (error as Error).message }, code);
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
