import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InvocationResult } from './local-function';

/** A running Lambda Invoke endpoint. */
export interface InvokeEndpoint {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** How the endpoint reaches a function: a synchronous invoke, or an asynchronous one; undefined when unknown. */
export interface InvokeTargets {
  sync(nameOrArn: string): ((event: unknown) => Promise<InvocationResult>) | undefined;
  async(nameOrArn: string): ((event: unknown) => void) | undefined;
}

/**
 * The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`) on 127.0.0.1, so that a
 * scenario invokes a function with `@aws-sdk/client-lambda` on both targets. RequestResponse answers
 * with the result, or with `X-Amz-Function-Error: Unhandled` and the error; Event queues it (202);
 * DryRun checks that the function exists (204).
 */
export function startInvokeEndpoint(targets: InvokeTargets): Promise<InvokeEndpoint> {
  const server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations(?:\?.*)?$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match)
      return error(res, 404, 'UnknownOperationException', `The local Lambda endpoint does not support ${req.method} ${req.url}`);
    const name = decodeURIComponent(match[1]).replace(/:\$LATEST$/, '');
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    let event: unknown = {};
    if (chunks.length) {
      try {
        event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return error(res, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
      }
    }
    const sync = targets.sync(name);
    if (!sync) return error(res, 404, 'ResourceNotFoundException', `Function not found: ${name}`);
    if (type === 'DryRun') return reply(res, 204, undefined);
    if (type === 'Event') {
      targets.async(name)?.(event);
      return reply(res, 202, undefined);
    }
    const outcome = await sync(event).catch((e: Error) => ({
      ok: false as const,
      error: { errorType: 'ServiceException', errorMessage: e.message, trace: [] },
    }));
    if (outcome.ok) return reply(res, 200, outcome.result ?? null);
    return reply(res, 200, outcome.error, { 'x-amz-function-error': 'Unhandled' });
  }

  function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  function error(res: ServerResponse, status: number, type: string, message: string): void {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
    res.end(JSON.stringify({ Type: 'User', message }));
  }

  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        stop: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
