import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One operation of an AWS JSON-protocol endpoint: the request body in, the response body out. */
export type Operation = (input: Record<string, unknown>) => Promise<unknown> | unknown;

/** An error the endpoint returns as `{"__type": code, "message": ...}` with HTTP 400. */
export class EndpointError extends Error {
  public constructor(
    public readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** A running endpoint. */
export interface JsonEndpoint {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * A small AWS JSON-protocol endpoint on 127.0.0.1 and a free port: the operation comes from the
 * `X-Amz-Target` header (`Service.Operation`), the input from the JSON body. Errors are returned in
 * the shape the SDK reads (`__type`, `message`); requests are not signature-checked.
 */
export function startJsonEndpoint(
  service: string,
  operations: Readonly<Record<string, Operation>>,
  contentType: string,
): Promise<JsonEndpoint> {
  const server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = operations[target.split('.')[1] ?? ''];
    try {
      if (!operation)
        throw new EndpointError('UnknownOperationException', `The local ${service} endpoint does not support ${target || 'this request'}`);
      let input: Record<string, unknown>;
      try {
        input = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        throw new EndpointError('SerializationException', 'the request body is not JSON');
      }
      reply(res, 200, (await operation(input)) ?? {});
    } catch (error) {
      const e = error as Error & { code?: string };
      reply(res, 400, { __type: e instanceof EndpointError ? e.code : (e.code ?? 'InvalidParameterException'), message: e.message });
    }
  }

  function reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': contentType });
    res.end(JSON.stringify(body));
  }

  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        stop: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
