// Reading an API request on the local gateway: its body, up to API Gateway's size limit, and its
// method, path, headers and query strings as the Lambda proxy events carry them.
import type { IncomingMessage } from 'node:http';
import type { IncomingRequest } from './events';

/** Largest REST or HTTP API request body: 10 MB. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The request body; undefined when it is larger than API Gateway accepts. */
export async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A request as the integrations and authorizers see it: headers and query strings single and multi-value. */
export function parseRequest(req: IncomingMessage, url: URL, body: Buffer, host: string): IncomingRequest {
  const headers: Record<string, string> = {};
  const multiHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    const value = req.rawHeaders[i + 1];
    headers[name] = value;
    multiHeaders[name] = [...(multiHeaders[name] ?? []), value];
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    multiQuery[name] = [...(multiQuery[name] ?? []), value];
  }
  return {
    method: String(req.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    rawPath: url.pathname,
    rawQuery: url.search.replace(/^\?/, ''),
    headers,
    multiHeaders,
    query,
    multiQuery,
    body,
    sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
    host,
  };
}
