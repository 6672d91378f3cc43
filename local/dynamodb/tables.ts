/**
 * Tables of the local DynamoDB emulator: the table model (key attributes, item keys, item sizes,
 * scan order) and the table operations CreateTable, DescribeTable, DescribeTimeToLive and ListTables.
 */
import { randomUUID } from 'node:crypto';
import {
  type AttributeMap,
  type AttributeValue,
  canonicalJson,
  compareScalars,
  type ScalarType,
  toAttributeMap,
  typeOf,
} from './expressions';
import {
  DYNAMODB,
  type Input,
  isRecord,
  notFound,
  type Output,
  optionalInteger,
  optionalString,
  rejectUnsupported,
  required,
  requiredArray,
  requiredString,
  ServiceError,
  validation,
} from './requests';

/** A table of the emulator: its key attributes and, optionally, its TTL attribute. */
export interface TableDefinition {
  readonly tableName: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  /**
   * The TTL attribute (epoch seconds), reported by DescribeTimeToLive. Expired items are not
   * deleted: see `startDynamoDb`.
   */
  readonly ttlAttribute?: string;
  /** The partition key's type; when left out, S, N and B are all accepted (DescribeTable reports S). */
  readonly partitionKeyType?: ScalarType;
  /** The sort key's type; when left out, S, N and B are all accepted (DescribeTable reports S). */
  readonly sortKeyType?: ScalarType;
}

export interface KeyAttribute {
  readonly name: string;
  readonly type?: ScalarType;
}

export interface Table {
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

export interface State {
  readonly tables: Map<string, Table>;
  readonly region: string;
}

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

export function getTable(state: State, input: Input): Table {
  const name = requiredString(input, 'TableName');
  checkTableName(name);
  const table = state.tables.get(name);
  if (!table) throw notFound();
  return table;
}

export function addTable(state: State, definition: TableDefinition): Table {
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

export function keyAttributes(table: Table): KeyAttribute[] {
  return table.sortKey ? [table.partitionKey, table.sortKey] : [table.partitionKey];
}

export function checkKeyValue(attribute: KeyAttribute, value: AttributeValue): void {
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
export function extractKey(table: Table, source: AttributeMap, where: 'Key' | 'Item' | 'ExclusiveStartKey'): AttributeMap {
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

export function readKey(table: Table, input: Input, field: 'Key' | 'ExclusiveStartKey'): AttributeMap {
  return extractKey(table, toAttributeMap(required(input, field), field), field);
}

/** Keys are compared by the canonical JSON of their attribute values. */
export function keyId(key: AttributeMap): string {
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

export function checkItemSize(item: AttributeMap): void {
  if (itemSize(item) > MAX_ITEM_BYTES) throw validation('Item size has exceeded the maximum allowed size');
}

/** Scan order: by partition key (canonical JSON), then by sort key value. */
export function compareItems(table: Table, a: AttributeMap, b: AttributeMap): number {
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
export function sortedItems(table: Table): AttributeMap[] {
  return [...table.items.values()].sort((a, b) => compareItems(table, a, b));
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

export function describeTable(state: State, input: Input): Output {
  const name = requiredString(input, 'TableName');
  const table = state.tables.get(name);
  if (!table) throw notFound(`Requested resource not found: Table: ${name} not found`);
  return { Table: describe(table) };
}

export function describeTimeToLive(state: State, input: Input): Output {
  const table = getTable(state, input);
  const description = table.ttlAttribute
    ? { TimeToLiveStatus: 'ENABLED', AttributeName: table.ttlAttribute }
    : { TimeToLiveStatus: 'DISABLED' };
  return { TimeToLiveDescription: description };
}

export function listTables(state: State, input: Input): Output {
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

export function createTable(state: State, input: Input): Output {
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
