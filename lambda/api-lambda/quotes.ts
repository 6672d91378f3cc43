import { createHash, randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { parse } from '@aws-lambda-powertools/parser';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { en } from 'zod/locales';
// zod/mini: the same validation as zod's classic API at a fraction of the bundle size.
import * as z from 'zod/mini';
import { validateJson } from '../shared/validate';

// zod/mini ships without messages; load the English ones so field errors say what is wrong.
z.config(en());

/** The body of POST /quotes and PUT /quotes/{id}; the REST API's request model says the same in JSON Schema. */
export const QuoteInputSchema = z.strictObject({
  text: z.string().check(z.minLength(1), z.maxLength(500)),
  author: z.string().check(z.minLength(1), z.maxLength(100)),
  tags: z.optional(
    z.array(z.string().check(z.regex(/^[a-z0-9-]{1,32}$/, 'lowercase letters, digits or -, at most 32'))).check(z.maxLength(5)),
  ),
});
export type QuoteInput = z.infer<typeof QuoteInputSchema>;

/** A quote id: what POST returns and GET /quotes/{id} takes. */
export const QuoteIdSchema = z.string().check(z.regex(/^[A-Za-z0-9-]{1,64}$/, 'letters, digits or -, at most 64'));
/** The `limit` query string parameter of GET /quotes. */
export const LimitSchema = z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)));

/** A stored quote. */
export interface Quote extends QuoteInput {
  readonly id: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

/** What a quotes request is, whatever API and event shape it came through. */
export interface QuotesRequest {
  /** `GET /quotes`, `POST /quotes`, `GET /quotes/{id}`, `PUT /quotes/{id}` or `DELETE /quotes/{id}`. */
  readonly route: string;
  readonly id?: string;
  readonly limit?: string;
  readonly body?: string | null;
  /** The client's idempotency key (header `Idempotency-Key`), for POST. */
  readonly idempotencyKey?: string;
  /** Who is calling, as the authorizer or API key says. */
  readonly caller: string;
}

/** A response in the shape both Lambda proxy formats share. */
export interface QuotesResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A field that is wrong, for 400 responses. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export const logger = new Logger();

function json(statusCode: number, body: unknown): QuotesResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** A 400 naming each field that is wrong. */
export function badRequest(errors: readonly FieldError[]): QuotesResponse {
  return json(400, { message: `invalid request: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors });
}

function fieldErrors(reason: string, prefix: string): FieldError[] {
  // validateJson's reason: `<label>: <path>: <message>; <path>: <message>`.
  return reason
    .replace(/^[^:]+: /, '')
    .split('; ')
    .map((part) => {
      const colon = part.indexOf(': ');
      const path = colon < 0 ? prefix : part.slice(0, colon);
      return { field: path === prefix ? prefix : `${prefix}.${path}`, message: colon < 0 ? part : part.slice(colon + 2) };
    });
}

function check<T extends z.ZodMiniType>(
  schema: T,
  value: unknown,
  field: string,
): { ok: true; data: z.infer<T> } | { ok: false; errors: FieldError[] } {
  const result = parse(value, undefined, schema, true);
  if (result.success) return { ok: true, data: result.data as z.infer<T> };
  const issues = (result.error.cause ?? []) as Array<{ message: string }>;
  return {
    ok: false,
    errors: (Array.isArray(issues) ? issues : [{ message: result.error.message }]).map((i) => ({ field, message: i.message })),
  };
}

function toQuote(item: Record<string, { S?: string; SS?: string[] }>): Quote {
  return {
    id: String(item.id?.S),
    text: String(item.text?.S),
    author: String(item.author?.S),
    ...(item.tags?.SS ? { tags: [...item.tags.SS].sort() } : {}),
    createdAt: String(item.createdAt?.S),
    createdBy: String(item.createdBy?.S),
  };
}

/** The id of a quote created with an idempotency key: the same key always names the same quote. */
export function idFor(idempotencyKey: string | undefined): string {
  if (!idempotencyKey) return randomUUID();
  const hex = createHash('sha256').update(idempotencyKey, 'utf8').digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The quotes service: list, get, create (idempotent on the Idempotency-Key header), update and
 * delete, on one DynamoDB table. Bad input is a 400 naming the fields, an unknown id a 404, a
 * conflicting replay a 409; nothing the caller sends leads to a 500.
 */
export class QuotesService {
  public constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  public async handle(request: QuotesRequest): Promise<QuotesResponse> {
    switch (request.route) {
      case 'GET /quotes':
        return this.list(request);
      case 'POST /quotes':
        return this.create(request);
      case 'GET /quotes/{id}':
        return this.withId(request, (id) => this.get(id));
      case 'PUT /quotes/{id}':
        return this.withId(request, (id) => this.update(id, request));
      case 'DELETE /quotes/{id}':
        return this.withId(request, (id) => this.remove(id));
      default:
        return json(404, { message: `no route ${request.route}` });
    }
  }

  private async withId(request: QuotesRequest, fn: (id: string) => Promise<QuotesResponse>): Promise<QuotesResponse> {
    const id = check(QuoteIdSchema, request.id, 'path.id');
    return id.ok ? fn(id.data) : badRequest(id.errors);
  }

  private body(request: QuotesRequest): { ok: true; data: QuoteInput } | { ok: false; response: QuotesResponse } {
    const result = validateJson(request.body ?? '', QuoteInputSchema, 'invalid quote', 'body');
    return result.ok ? { ok: true, data: result.data } : { ok: false, response: badRequest(fieldErrors(result.reason, 'body')) };
  }

  private async list(request: QuotesRequest): Promise<QuotesResponse> {
    const limit = check(LimitSchema, request.limit, 'query.limit');
    if (!limit.ok) return badRequest(limit.errors);
    const result = await this.dynamodb.send(new ScanCommand({ TableName: this.tableName, Limit: limit.data ?? 50 }));
    const quotes = (result.Items ?? []).map((item) => toQuote(item as Record<string, { S?: string }>));
    return json(200, { quotes, more: result.LastEvaluatedKey !== undefined });
  }

  private async get(id: string): Promise<QuotesResponse> {
    const result = await this.dynamodb.send(new GetItemCommand({ TableName: this.tableName, Key: { id: { S: id } } }));
    return result.Item ? json(200, toQuote(result.Item as Record<string, { S?: string }>)) : json(404, { message: `no quote ${id}` });
  }

  private async create(request: QuotesRequest): Promise<QuotesResponse> {
    const input = this.body(request);
    if (!input.ok) return input.response;
    const quote: Quote = {
      id: idFor(request.idempotencyKey),
      ...input.data,
      createdAt: new Date().toISOString(),
      createdBy: request.caller,
    };
    try {
      await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            id: { S: quote.id },
            text: { S: quote.text },
            author: { S: quote.author },
            ...(quote.tags?.length ? { tags: { SS: [...new Set(quote.tags)] } } : {}),
            createdAt: { S: quote.createdAt },
            createdBy: { S: quote.createdBy },
          },
          ConditionExpression: 'attribute_not_exists(id)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      logger.info('quote created', { quoteId: quote.id, caller: request.caller });
      return { ...json(201, quote), headers: { 'content-type': 'application/json', location: `/quotes/${quote.id}` } };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || !error.Item) throw error;
      // A replay of the same Idempotency-Key: the same content gets the stored quote, other content a 409.
      const stored = toQuote(error.Item as Record<string, { S?: string }>);
      const same =
        stored.text === quote.text &&
        stored.author === quote.author &&
        (stored.tags ?? []).join() === [...new Set(quote.tags ?? [])].sort().join();
      return same ? json(200, stored) : json(409, { message: `Idempotency-Key already used for quote ${stored.id} with other content` });
    }
  }

  private async update(id: string, request: QuotesRequest): Promise<QuotesResponse> {
    const input = this.body(request);
    if (!input.ok) return input.response;
    try {
      const result = await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { id: { S: id } },
          UpdateExpression: input.data.tags?.length
            ? 'SET #text = :text, author = :author, tags = :tags'
            : 'SET #text = :text, author = :author REMOVE tags',
          ConditionExpression: 'attribute_exists(id)',
          ExpressionAttributeNames: { '#text': 'text' },
          ExpressionAttributeValues: {
            ':text': { S: input.data.text },
            ':author': { S: input.data.author },
            ...(input.data.tags?.length ? { ':tags': { SS: [...new Set(input.data.tags)] } } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return json(200, toQuote(result.Attributes as Record<string, { S?: string }>));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return json(404, { message: `no quote ${id}` });
      throw error;
    }
  }

  private async remove(id: string): Promise<QuotesResponse> {
    const result = await this.dynamodb.send(
      new DeleteItemCommand({ TableName: this.tableName, Key: { id: { S: id } }, ReturnValues: 'ALL_OLD' }),
    );
    return result.Attributes ? { statusCode: 204, headers: {}, body: '' } : json(404, { message: `no quote ${id}` });
  }
}

/** Runs a request; an unexpected failure is logged as one line and answered 500 without internals. */
export async function serve(service: QuotesService, request: QuotesRequest): Promise<QuotesResponse> {
  try {
    const response = await service.handle(request);
    if (response.statusCode >= 400)
      logger.warn('request refused', { route: request.route, statusCode: response.statusCode, body: response.body });
    return response;
  } catch (error) {
    logger.error('request failed', {
      route: request.route,
      errorType: error instanceof Error ? error.name : typeof error,
      reason: error instanceof Error ? error.message : String(error),
    });
    return json(500, { message: 'internal error' });
  }
}
