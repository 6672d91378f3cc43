import { type RestEndpoint, RestError, type RestOperation, startRestEndpoint } from '../rest-endpoint';

/** An error the endpoint returns as AWS Batch does: HTTP 400 (or 500), `x-amzn-ErrorType` and `{ message }`. */
export class BatchError extends RestError {
  public constructor(code: 'ClientException' | 'ServerException', message: string) {
    super(code, code === 'ClientException' ? 400 : 500, message);
  }
}

/**
 * The REST-JSON endpoint of AWS Batch on 127.0.0.1 and a free port: every operation is
 * `POST /v1/<operation in lower case>` with a JSON body.
 */
export function startRestJsonEndpoint(operations: Readonly<Record<string, RestOperation>>): Promise<RestEndpoint> {
  return startRestEndpoint({
    service: 'Batch',
    routes: Object.fromEntries(Object.entries(operations).map(([name, op]) => [`/v1/${name.toLowerCase()}`, op])),
    method: 'POST',
    unsupported: 'ClientException',
    invalidBody: 'ClientException',
    internal: 'ServerException',
  });
}
