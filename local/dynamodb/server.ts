/**
 * The local DynamoDB emulator's entry point: startDynamoDb, its HTTP server for the DynamoDB JSON 1.0
 * protocol and the dispatch of each request to its operation. The operations live in items.ts
 * (PutItem, GetItem, UpdateItem, DeleteItem), query.ts (Query, Scan) and tables.ts (the table model
 * and the table operations); requests.ts reads and validates their parameters.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AttributeMap, type AttributeValue, ValidationError } from './expressions';
import { deleteItem, getItem, putItem, updateItem } from './items';
import { query, scan } from './query';
import { DYNAMODB, type Input, isRecord, type Output, ServiceError, UNKNOWN_OPERATION, VALIDATION, validation } from './requests';
import {
  addTable,
  createTable,
  describeTable,
  describeTimeToLive,
  listTables,
  type State,
  sortedItems,
  type TableDefinition,
} from './tables';

export type { TableDefinition };

/** Options of {@link startDynamoDb}. */
export interface DynamoDbOptions {
  /** Tables to create before the first request. */
  readonly tables?: readonly TableDefinition[];
  /** The region in table ARNs. @default 'us-east-1' */
  readonly region?: string;
}

/** A running emulator. */
export interface LocalDynamoDb {
  /** `http://127.0.0.1:PORT`, for the SDK's `endpoint` or AWS_ENDPOINT_URL_DYNAMODB. */
  readonly endpoint: string;
  readonly port: number;
  /** Creates a table; throws when one of that name exists or the definition is invalid. */
  createTable(definition: TableDefinition): void;
  /**
   * The items of a table in scan order, unmarshalled to plain values: numbers as `number`, binaries
   * as `Buffer`, sets as `Set`, NULL as `null`. Throws for an unknown table.
   */
  items(tableName: string): Record<string, unknown>[];
  /** Closes the server and its connections; safe to call twice. */
  stop(): Promise<void>;
}

type Operation = (state: State, input: Input) => Output;

// ---------------------------------------------------------------------------------------------
// HTTP: the DynamoDB JSON 1.0 protocol.
// ---------------------------------------------------------------------------------------------

const OPERATIONS: Readonly<Record<string, Operation>> = {
  PutItem: putItem,
  GetItem: getItem,
  UpdateItem: updateItem,
  DeleteItem: deleteItem,
  Query: query,
  Scan: scan,
  CreateTable: createTable,
  DescribeTable: describeTable,
  DescribeTimeToLive: describeTimeToLive,
  ListTables: listTables,
};

const TARGET_PREFIX = 'DynamoDB_20120810.';

function operationFor(target: string | string[] | undefined): Operation {
  const name = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
  const operation = name !== undefined && Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
  if (!operation)
    throw new ServiceError(
      UNKNOWN_OPERATION,
      `The local DynamoDB emulator does not support ${String(target ?? 'a request without X-Amz-Target')}`,
    );
  return operation;
}

function parseBody(body: string): Input {
  let parsed: unknown;
  try {
    parsed = body === '' ? {} : JSON.parse(body);
  } catch {
    throw validation('The request body is not valid JSON');
  }
  if (!isRecord(parsed)) throw validation('The request body must be a JSON object');
  return parsed;
}

interface Reply {
  readonly status: number;
  readonly payload: Output;
}

function errorReply(error: unknown): Reply {
  if (error instanceof ServiceError)
    return { status: error.status, payload: { __type: error.type, message: error.message, ...error.extra } };
  if (error instanceof ValidationError) return { status: 400, payload: { __type: VALIDATION, message: error.message } };
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, payload: { __type: `${DYNAMODB}InternalServerError`, message } };
}

/** Runs one request synchronously, so conditional writes are atomic without locks. */
function dispatch(state: State, target: string | string[] | undefined, body: string): Reply {
  try {
    const operation = operationFor(target);
    return { status: 200, payload: operation(state, parseBody(body)) };
  } catch (error) {
    return errorReply(error);
  }
}

function handleRequest(state: State, request: http.IncomingMessage, response: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('error', () => response.destroy());
  request.on('end', () => {
    const reply = dispatch(state, request.headers['x-amz-target'], Buffer.concat(chunks).toString('utf8'));
    const body = JSON.stringify(reply.payload);
    response.writeHead(reply.status, {
      'Content-Type': 'application/x-amz-json-1.0',
      'Content-Length': Buffer.byteLength(body),
      'x-amzn-RequestId': randomUUID(),
    });
    response.end(body);
  });
}

function toPlain(value: AttributeValue): unknown {
  if ('S' in value) return value.S;
  if ('N' in value) return Number(value.N);
  if ('B' in value) return Buffer.from(value.B, 'base64');
  if ('SS' in value) return new Set(value.SS);
  if ('NS' in value) return new Set(value.NS.map(Number));
  if ('BS' in value) return new Set(value.BS.map((element) => Buffer.from(element, 'base64')));
  if ('M' in value) return toPlainItem(value.M);
  if ('L' in value) return value.L.map(toPlain);
  if ('NULL' in value) return null;
  return value.BOOL;
}

function toPlainItem(item: AttributeMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, toPlain(value)]));
}

function stopper(server: http.Server): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  return () => {
    stopped ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
    return stopped;
  };
}

/**
 * Starts an in-process DynamoDB emulator: a `node:http` server on 127.0.0.1 (a free port) that
 * speaks the DynamoDB JSON 1.0 protocol (`X-Amz-Target: DynamoDB_20120810.<Operation>`) without
 * checking signatures. Operations: PutItem, GetItem, UpdateItem, DeleteItem, Query (on the table's
 * keys), Scan, CreateTable, DescribeTable, DescribeTimeToLive and ListTables; anything else is an
 * UnknownOperationException. Items live in memory; expired TTL items are kept and returned, as
 * on the service, where TTL deletion is asynchronous.
 */
export function startDynamoDb(options: DynamoDbOptions = {}): Promise<LocalDynamoDb> {
  const state: State = { tables: new Map(), region: options.region ?? 'us-east-1' };
  for (const definition of options.tables ?? []) addTable(state, definition);
  const server = http.createServer((request, response) => handleRequest(state, request, response));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        port,
        createTable: (definition) => {
          addTable(state, definition);
        },
        items: (tableName) => {
          const table = state.tables.get(tableName);
          if (!table) throw new Error(`The local DynamoDB emulator has no table named ${tableName}`);
          return sortedItems(table).map(toPlainItem);
        },
        stop: stopper(server),
      });
    });
  });
}
