import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AttributeMap,
  type AttributeValue,
  applyUpdate,
  attributeEquals,
  type Condition,
  canonicalJson,
  compareScalars,
  evaluateCondition,
  type Path,
  parseCondition,
  parseUpdate,
  projectItem,
  type ScalarType,
  toAttributeMap,
  typeOf,
  type UpdateAction,
  ValidationError,
} from './expressions';
import {
  assertAllUsed,
  checkCondition,
  DYNAMODB,
  type Input,
  isRecord,
  LEGACY,
  notFound,
  type Output,
  optionalBoolean,
  optionalCondition,
  optionalEnum,
  optionalInteger,
  optionalProjection,
  optionalString,
  readExpressionAttributes,
  readOnFailure,
  rejectUnsupported,
  required,
  requiredArray,
  requiredString,
  ServiceError,
  UNKNOWN_OPERATION,
  VALIDATION,
  validation,
} from './requests';

/** A table of the emulator: its key attributes and, optionally, its TTL attribute. */
export interface TableDefinition {
  readonly tableName: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  /**
   * The TTL attribute (epoch seconds), reported by DescribeTimeToLive. Expired items are not
   * deleted: see {@link startDynamoDb}.
   */
  readonly ttlAttribute?: string;
  /** The partition key's type; when left out, S, N and B are all accepted (DescribeTable reports S). */
  readonly partitionKeyType?: ScalarType;
  /** The sort key's type; when left out, S, N and B are all accepted (DescribeTable reports S). */
  readonly sortKeyType?: ScalarType;
}

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

interface KeyAttribute {
  readonly name: string;
  readonly type?: ScalarType;
}

interface Table {
  readonly name: string;
  readonly id: string;
  readonly arn: string;
  readonly createdAt: number;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly ttlAttribute?: string;
  /** Items by the canonical JSON of their key. */
  readonly items: Map<string, AttributeMap>;
}

interface State {
  readonly tables: Map<string, Table>;
  readonly region: string;
}

type Operation = (state: State, input: Input) => Output;

const MAX_ITEM_BYTES = 400 * 1024;

// ---------------------------------------------------------------------------------------------
// Tables, keys and items.
// ---------------------------------------------------------------------------------------------

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

function checkTableName(name: string): void {
  if (!TABLE_NAME.test(name)) {
    throw validation(
      `1 validation error detected: Value '${name}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 3 and 255`,
    );
  }
}

function getTable(state: State, input: Input): Table {
  const name = requiredString(input, 'TableName');
  checkTableName(name);
  const table = state.tables.get(name);
  if (!table) throw notFound();
  return table;
}

function addTable(state: State, definition: TableDefinition): Table {
  checkTableName(definition.tableName);
  if (!definition.partitionKey) throw validation(`Table ${definition.tableName} needs a partition key`);
  if (definition.sortKey === definition.partitionKey) throw validation('The partition key and the sort key must differ');
  if (state.tables.has(definition.tableName))
    throw new ServiceError(`${DYNAMODB}ResourceInUseException`, `Table already exists: ${definition.tableName}`);
  const table: Table = {
    name: definition.tableName,
    id: randomUUID(),
    arn: `arn:aws:dynamodb:${state.region}:000000000000:table/${definition.tableName}`,
    createdAt: Date.now() / 1000,
    partitionKey: { name: definition.partitionKey, type: definition.partitionKeyType },
    sortKey: definition.sortKey ? { name: definition.sortKey, type: definition.sortKeyType } : undefined,
    ttlAttribute: definition.ttlAttribute,
    items: new Map(),
  };
  state.tables.set(table.name, table);
  return table;
}

function keyAttributes(table: Table): KeyAttribute[] {
  return table.sortKey ? [table.partitionKey, table.sortKey] : [table.partitionKey];
}

function checkKeyValue(attribute: KeyAttribute, value: AttributeValue): void {
  const type = typeOf(value);
  if (!['S', 'N', 'B'].includes(type) || (attribute.type !== undefined && type !== attribute.type)) {
    throw validation(
      `One or more parameter values were invalid: Type mismatch for key ${attribute.name} expected: ${attribute.type ?? 'S, N or B'} actual: ${type}`,
    );
  }
  if (('S' in value && value.S === '') || ('B' in value && value.B === '')) {
    const kind = 'S' in value ? 'string' : 'binary';
    throw validation(
      `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${kind} value. Key: ${attribute.name}`,
    );
  }
}

/** The key of an item or of a `Key` parameter; a `Key` must hold the key attributes and nothing else. */
function extractKey(table: Table, source: AttributeMap, where: 'Key' | 'Item' | 'ExclusiveStartKey'): AttributeMap {
  const attributes = keyAttributes(table);
  if (where !== 'Item' && Object.keys(source).length !== attributes.length)
    throw validation('The provided key element does not match the schema');
  const key: AttributeMap = {};
  for (const attribute of attributes) {
    if (!Object.hasOwn(source, attribute.name)) {
      throw validation(
        where === 'Item'
          ? `One or more parameter values were invalid: Missing the key ${attribute.name} in the item`
          : 'The provided key element does not match the schema',
      );
    }
    checkKeyValue(attribute, source[attribute.name]);
    key[attribute.name] = source[attribute.name];
  }
  return key;
}

function readKey(table: Table, input: Input, field: 'Key' | 'ExclusiveStartKey'): AttributeMap {
  return extractKey(table, toAttributeMap(required(input, field), field), field);
}

/** Keys are compared by the canonical JSON of their attribute values. */
function keyId(key: AttributeMap): string {
  return canonicalJson({ M: key });
}

function numberSize(text: string): number {
  const digits = text.replace(/[-.]/g, '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(digits.length / 2) + 1;
}

/** The size of a value, approximately as the service counts it toward the 400 KB item limit. */
function valueSize(value: AttributeValue): number {
  if ('S' in value) return Buffer.byteLength(value.S);
  if ('N' in value) return numberSize(value.N);
  if ('B' in value) return Buffer.from(value.B, 'base64').length;
  if ('SS' in value) return value.SS.reduce((sum, element) => sum + Buffer.byteLength(element), 0);
  if ('NS' in value) return value.NS.reduce((sum, element) => sum + numberSize(element), 0);
  if ('BS' in value) return value.BS.reduce((sum, element) => sum + Buffer.from(element, 'base64').length, 0);
  if ('M' in value) return 3 + itemSize(value.M) + Object.keys(value.M).length;
  if ('L' in value) return 3 + value.L.reduce((sum, element) => sum + valueSize(element) + 1, 0);
  return 1;
}

function itemSize(item: AttributeMap): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);
}

function checkItemSize(item: AttributeMap): void {
  if (itemSize(item) > MAX_ITEM_BYTES) throw validation('Item size has exceeded the maximum allowed size');
}

/** Scan order: by partition key (canonical JSON), then by sort key value. */
function compareItems(table: Table, a: AttributeMap, b: AttributeMap): number {
  const [pa, pb] = [canonicalJson(a[table.partitionKey.name]), canonicalJson(b[table.partitionKey.name])];
  if (pa !== pb) return pa < pb ? -1 : 1;
  if (!table.sortKey) return 0;
  const [sa, sb] = [a[table.sortKey.name], b[table.sortKey.name]];
  return compareScalars(sa, sb) ?? (canonicalJson(sa) < canonicalJson(sb) ? -1 : 1);
}

/**
 * The items of a table in scan order. Items whose TTL attribute (epoch seconds) lies in the past
 * are still here and still returned by every read: on the service TTL deletion is a background
 * process that can lag expiry by days, so readers must not rely on it (Powertools checks the
 * expiry itself). The emulator never deletes expired items.
 */
function sortedItems(table: Table): AttributeMap[] {
  return [...table.items.values()].sort((a, b) => compareItems(table, a, b));
}

// ---------------------------------------------------------------------------------------------
// Item operations.
// ---------------------------------------------------------------------------------------------

function putItem(state: State, input: Input): Output {
  rejectUnsupported(input, LEGACY);
  const table = getTable(state, input);
  const item = toAttributeMap(required(input, 'Item'), 'Item');
  const id = keyId(extractKey(table, item, 'Item'));
  checkItemSize(item);
  const attributes = readExpressionAttributes(input);
  const condition = optionalCondition(input, 'ConditionExpression', attributes);
  assertAllUsed(attributes);
  const returnValues = optionalEnum(input, 'ReturnValues', ['NONE', 'ALL_OLD'], 'NONE');
  const onFailure = readOnFailure(input);
  const existing = table.items.get(id);
  checkCondition(condition, existing, onFailure);
  table.items.set(id, item);
  return returnValues === 'ALL_OLD' && existing ? { Attributes: existing } : {};
}

function getItem(state: State, input: Input): Output {
  rejectUnsupported(input, LEGACY);
  const table = getTable(state, input);
  const key = readKey(table, input, 'Key');
  const attributes = readExpressionAttributes(input);
  const projection = optionalProjection(input, attributes);
  assertAllUsed(attributes);
  optionalBoolean(input, 'ConsistentRead'); // every read is strongly consistent here
  const item = table.items.get(keyId(key));
  if (!item) return {};
  return { Item: projection ? projectItem(item, projection) : item };
}

function checkKeyNotUpdated(table: Table, actions: readonly UpdateAction[]): void {
  for (const action of actions) {
    const attribute = keyAttributes(table).find((key) => key.name === action.path[0]);
    if (attribute)
      throw validation(
        `One or more parameter values were invalid: Cannot update attribute ${attribute.name}. This attribute is part of the key`,
      );
  }
}

type UpdateReturnValues = 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';

function updateResult(
  returnValues: UpdateReturnValues,
  actions: readonly UpdateAction[],
  before: AttributeMap | undefined,
  after: AttributeMap,
): Output {
  const paths = actions.map((action) => action.path);
  const updated = (item: AttributeMap | undefined): Output => {
    const projected = item && projectItem(item, paths);
    return projected && Object.keys(projected).length > 0 ? { Attributes: projected } : {};
  };
  if (returnValues === 'ALL_OLD') return before ? { Attributes: before } : {};
  if (returnValues === 'ALL_NEW') return { Attributes: after };
  if (returnValues === 'UPDATED_OLD') return updated(before);
  if (returnValues === 'UPDATED_NEW') return updated(after);
  return {};
}

function updateItem(state: State, input: Input): Output {
  rejectUnsupported(input, LEGACY);
  const table = getTable(state, input);
  const key = readKey(table, input, 'Key');
  const attributes = readExpressionAttributes(input);
  const updateText = optionalString(input, 'UpdateExpression');
  const actions = updateText === undefined ? [] : parseUpdate(updateText, attributes);
  checkKeyNotUpdated(table, actions);
  const condition = optionalCondition(input, 'ConditionExpression', attributes);
  assertAllUsed(attributes);
  const returnValues = optionalEnum<UpdateReturnValues>(
    input,
    'ReturnValues',
    ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'],
    'NONE',
  );
  const onFailure = readOnFailure(input);
  const id = keyId(key);
  const existing = table.items.get(id);
  checkCondition(condition, existing, onFailure);
  const updated = applyUpdate(actions, existing ?? key);
  checkItemSize(updated);
  table.items.set(id, updated);
  return updateResult(returnValues, actions, existing, updated);
}

function deleteItem(state: State, input: Input): Output {
  rejectUnsupported(input, LEGACY);
  const table = getTable(state, input);
  const key = readKey(table, input, 'Key');
  const attributes = readExpressionAttributes(input);
  const condition = optionalCondition(input, 'ConditionExpression', attributes);
  assertAllUsed(attributes);
  const returnValues = optionalEnum(input, 'ReturnValues', ['NONE', 'ALL_OLD'], 'NONE');
  const onFailure = readOnFailure(input);
  const id = keyId(key);
  const existing = table.items.get(id);
  checkCondition(condition, existing, onFailure);
  table.items.delete(id);
  return returnValues === 'ALL_OLD' && existing ? { Attributes: existing } : {};
}

// ---------------------------------------------------------------------------------------------
// Query and Scan.
// ---------------------------------------------------------------------------------------------

interface KeyCondition {
  readonly partition: AttributeValue;
  readonly sort?: Condition;
}

function isKeyPath(operand: { readonly kind: string; readonly path?: Path }, name: string): boolean {
  return operand.kind === 'path' && operand.path?.length === 1 && operand.path[0] === name;
}

function isPartitionCondition(table: Table, condition: Condition): condition is Extract<Condition, { kind: 'compare' }> {
  return (
    condition.kind === 'compare' &&
    condition.comparator === '=' &&
    isKeyPath(condition.left, table.partitionKey.name) &&
    condition.right.kind === 'value'
  );
}

function isSortCondition(name: string, condition: Condition): boolean {
  switch (condition.kind) {
    case 'compare':
      return condition.comparator !== '<>' && isKeyPath(condition.left, name) && condition.right.kind === 'value';
    case 'between':
      return isKeyPath(condition.subject, name) && condition.low.kind === 'value' && condition.high.kind === 'value';
    case 'function':
      return (
        condition.name === 'begins_with' &&
        condition.path.length === 1 &&
        condition.path[0] === name &&
        condition.argument?.kind === 'value'
      );
    default:
      return false;
  }
}

function keyConditionOperator(condition: Condition): string | undefined {
  if (condition.kind === 'or' || condition.kind === 'not' || condition.kind === 'in') return condition.kind.toUpperCase();
  if (condition.kind === 'compare' && condition.comparator === '<>') return '<>';
  if (condition.kind === 'function' && condition.name !== 'begins_with') return condition.name;
  if (condition.kind === 'and') return keyConditionOperator(condition.left) ?? keyConditionOperator(condition.right);
  return undefined;
}

/** Splits a KeyConditionExpression into `partitionKey = :value` and an optional sort key condition. */
function splitKeyCondition(table: Table, condition: Condition): KeyCondition {
  const operator = keyConditionOperator(condition);
  if (operator) throw validation(`Invalid operator used in KeyConditionExpression: ${operator}`);
  const parts = condition.kind === 'and' ? [condition.left, condition.right] : [condition];
  const partition = parts.find((part) => isPartitionCondition(table, part));
  if (partition?.kind !== 'compare' || partition.right.kind !== 'value') {
    throw validation(`Query condition missed key schema element: ${table.partitionKey.name}`);
  }
  const sort = parts.find((part) => part !== partition);
  if (sort && !(table.sortKey && isSortCondition(table.sortKey.name, sort))) throw validation('Query key condition not supported');
  checkKeyValue(table.partitionKey, partition.right.value);
  return { partition: partition.right.value, sort };
}

type Select = 'ALL_ATTRIBUTES' | 'COUNT' | 'SPECIFIC_ATTRIBUTES' | 'ALL_PROJECTED_ATTRIBUTES';

function readSelect(input: Input, projection: Path[] | undefined): Select {
  const fallback = projection ? 'SPECIFIC_ATTRIBUTES' : 'ALL_ATTRIBUTES';
  const select = optionalEnum<Select>(
    input,
    'Select',
    ['ALL_ATTRIBUTES', 'COUNT', 'SPECIFIC_ATTRIBUTES', 'ALL_PROJECTED_ATTRIBUTES'],
    fallback,
  );
  if (select === 'ALL_PROJECTED_ATTRIBUTES') throw validation('ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName');
  if (select === 'SPECIFIC_ATTRIBUTES' && !projection) throw validation('SPECIFIC_ATTRIBUTES requires a ProjectionExpression');
  if (select !== 'SPECIFIC_ATTRIBUTES' && projection)
    throw validation(`Cannot specify the ProjectionExpression when choosing to get ${select}`);
  return select;
}

interface PageRequest {
  readonly table: Table;
  readonly input: Input;
  /** The candidates in result order. */
  readonly candidates: AttributeMap[];
  /** The result order, for ExclusiveStartKey. */
  readonly order: (a: AttributeMap, b: AttributeMap) => number;
  readonly filter?: Condition;
  readonly projection?: Path[];
}

/**
 * One page of a Query or Scan: after ExclusiveStartKey, at most Limit items evaluated (before the
 * filter, as on the service), LastEvaluatedKey whenever Limit stopped the evaluation.
 */
function page(request: PageRequest): Output {
  const { table, input, filter, projection } = request;
  const limit = optionalInteger(input, 'Limit', 1);
  const select = readSelect(input, projection);
  const start = input.ExclusiveStartKey === undefined ? undefined : readKey(table, input, 'ExclusiveStartKey');
  const remaining = start ? request.candidates.filter((item) => request.order(item, start) > 0) : request.candidates;
  const evaluated = limit === undefined ? remaining : remaining.slice(0, limit);
  const matched = filter ? evaluated.filter((item) => evaluateCondition(filter, item)) : evaluated;
  const result: Output = { Count: matched.length, ScannedCount: evaluated.length };
  if (select !== 'COUNT') result.Items = matched.map((item) => (projection ? projectItem(item, projection) : item));
  const last = evaluated[evaluated.length - 1];
  if (limit !== undefined && evaluated.length === limit && last) result.LastEvaluatedKey = extractKey(table, last, 'Item');
  return result;
}

function query(state: State, input: Input): Output {
  rejectUnsupported(input, [...LEGACY, 'IndexName']);
  const table = getTable(state, input);
  const attributes = readExpressionAttributes(input);
  const keyCondition = splitKeyCondition(
    table,
    parseCondition(requiredString(input, 'KeyConditionExpression'), attributes, 'KeyConditionExpression'),
  );
  const filter = optionalCondition(input, 'FilterExpression', attributes);
  const projection = optionalProjection(input, attributes);
  assertAllUsed(attributes);
  optionalBoolean(input, 'ConsistentRead');
  const forward = optionalBoolean(input, 'ScanIndexForward') ?? true;
  const { partition, sort } = keyCondition;
  const candidates = sortedItems(table).filter(
    (item) => attributeEquals(item[table.partitionKey.name], partition) && (!sort || evaluateCondition(sort, item)),
  );
  if (!forward) candidates.reverse();
  const order = (a: AttributeMap, b: AttributeMap): number => (forward ? 1 : -1) * compareItems(table, a, b);
  return page({ table, input, candidates, order, filter, projection });
}

function scan(state: State, input: Input): Output {
  rejectUnsupported(input, [...LEGACY, 'IndexName', 'Segment', 'TotalSegments']);
  const table = getTable(state, input);
  const attributes = readExpressionAttributes(input);
  const filter = optionalCondition(input, 'FilterExpression', attributes);
  const projection = optionalProjection(input, attributes);
  assertAllUsed(attributes);
  optionalBoolean(input, 'ConsistentRead');
  const order = (a: AttributeMap, b: AttributeMap): number => compareItems(table, a, b);
  return page({ table, input, candidates: sortedItems(table), order, filter, projection });
}

// ---------------------------------------------------------------------------------------------
// Table operations.
// ---------------------------------------------------------------------------------------------

function describe(table: Table): Output {
  const keys = keyAttributes(table);
  const items = [...table.items.values()];
  return {
    TableName: table.name,
    TableId: table.id,
    TableArn: table.arn,
    TableStatus: 'ACTIVE',
    CreationDateTime: table.createdAt,
    KeySchema: keys.map((key, index) => ({ AttributeName: key.name, KeyType: index === 0 ? 'HASH' : 'RANGE' })),
    AttributeDefinitions: keys.map((key) => ({ AttributeName: key.name, AttributeType: key.type ?? 'S' })),
    ItemCount: items.length,
    TableSizeBytes: items.reduce((sum, item) => sum + itemSize(item), 0),
    BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST', LastUpdateToPayPerRequestDateTime: table.createdAt },
    ProvisionedThroughput: { NumberOfDecreasesToday: 0, ReadCapacityUnits: 0, WriteCapacityUnits: 0 },
    DeletionProtectionEnabled: false,
  };
}

function describeTable(state: State, input: Input): Output {
  const name = requiredString(input, 'TableName');
  const table = state.tables.get(name);
  if (!table) throw notFound(`Requested resource not found: Table: ${name} not found`);
  return { Table: describe(table) };
}

function describeTimeToLive(state: State, input: Input): Output {
  const table = getTable(state, input);
  const description = table.ttlAttribute
    ? { TimeToLiveStatus: 'ENABLED', AttributeName: table.ttlAttribute }
    : { TimeToLiveStatus: 'DISABLED' };
  return { TimeToLiveDescription: description };
}

function listTables(state: State, input: Input): Output {
  const start = optionalString(input, 'ExclusiveStartTableName');
  const limit = optionalInteger(input, 'Limit', 1, 100) ?? 100;
  const names = [...state.tables.keys()].sort().filter((name) => start === undefined || name > start);
  const selected = names.slice(0, limit);
  return names.length > limit ? { TableNames: selected, LastEvaluatedTableName: selected[selected.length - 1] } : { TableNames: selected };
}

function readKeySchema(input: Input): { hash: string; range?: string } {
  const schema = requiredArray(input, 'KeySchema').map((raw) => (isRecord(raw) ? raw : {}));
  const named = (type: string) => schema.filter((element) => element.KeyType === type).map((element) => element.AttributeName);
  const [hash, ...extraHash] = named('HASH');
  const [range, ...extraRange] = named('RANGE');
  const valid =
    typeof hash === 'string' && (range === undefined || typeof range === 'string') && extraHash.length + extraRange.length === 0;
  if (!valid || schema.length > 2 || schema.length !== (range === undefined ? 1 : 2)) {
    throw validation('Invalid KeySchema: it needs one HASH key and at most one RANGE key');
  }
  return { hash, range };
}

function readAttributeTypes(input: Input, keys: readonly string[]): Map<string, ScalarType> {
  const types = new Map<string, ScalarType>();
  for (const raw of requiredArray(input, 'AttributeDefinitions')) {
    const definition = isRecord(raw) ? raw : {};
    const { AttributeName: name, AttributeType: type } = definition;
    if (typeof name !== 'string' || (type !== 'S' && type !== 'N' && type !== 'B'))
      throw validation('Invalid AttributeDefinitions: each needs an AttributeName and an AttributeType of S, N or B');
    types.set(name, type);
  }
  if (types.size !== keys.length || keys.some((key) => !types.has(key))) {
    throw validation(
      'One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
    );
  }
  return types;
}

function createTable(state: State, input: Input): Output {
  rejectUnsupported(input, ['GlobalSecondaryIndexes', 'LocalSecondaryIndexes']);
  const tableName = requiredString(input, 'TableName');
  checkTableName(tableName);
  const { hash, range } = readKeySchema(input);
  const types = readAttributeTypes(input, range === undefined ? [hash] : [hash, range]);
  const table = addTable(state, {
    tableName,
    partitionKey: hash,
    sortKey: range,
    partitionKeyType: types.get(hash),
    sortKeyType: range === undefined ? undefined : types.get(range),
  });
  return { TableDescription: describe(table) };
}

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
