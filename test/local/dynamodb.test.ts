import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  type ScanCommandInput,
  type AttributeValue as SdkAttributeValue,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import {
  type AttributeMap,
  type AttributeValue,
  applyUpdate,
  conditionHolds,
  ExpressionError,
  parseCondition,
  parseProjection,
  parseUpdate,
  projectItem,
  toAttributeMap,
  toAttributeValue,
  updateItem,
  ValidationError,
} from '../../local/dynamodb/expressions';
import { type LocalDynamoDb, startDynamoDb } from '../../local/dynamodb/server';
import { fakeClock } from '../fake-clock';

// ---------------------------------------------------------------------------------------------
// Expressions, without the server.
// ---------------------------------------------------------------------------------------------

/** Wire values, normalized as the server normalizes them. */
function values(raw: Record<string, unknown>): Record<string, AttributeValue> {
  return toAttributeMap(raw, 'test');
}

const ITEM: AttributeMap = values({
  id: { S: 'order-1' },
  qty: { N: '10' },
  price: { N: '9.5' },
  label: { S: 'Widget' },
  tags: { SS: ['red', 'blue'] },
  sizes: { NS: ['1', '2'] },
  payload: { B: 'AQID' }, // bytes 1 2 3
  flag: { BOOL: true },
  nada: { NULL: true },
  entries: { L: [{ S: 'first' }, { N: '2' }, { M: { deep: { S: 'yes' } } }] },
  address: { M: { city: { S: 'Lyon' }, zip: { S: '69001' } } },
  'a.b': { S: 'dotted' },
  bmp: { S: '\uffff' },
});

const VALUES = values({
  ':nine': { N: '9' },
  ':ten': { N: '10.0' },
  ':eleven': { N: '11' },
  ':twelve': { N: '12' },
  ':two': { N: '2' },
  ':three': { N: '3' },
  ':six': { N: '6' },
  ':widget': { S: 'Widget' },
  ':other': { S: 'Other' },
  ':wid': { S: 'Wid' },
  ':dge': { S: 'dge' },
  ':red': { S: 'red' },
  ':green': { S: 'green' },
  ':first': { S: 'first' },
  ':yes': { S: 'yes' },
  ':lyon': { S: 'Lyon' },
  ':dotted': { S: 'dotted' },
  ':astral': { S: '\u{10000}' },
  ':false': { BOOL: false },
  ':bytes': { B: 'AQIE' }, // bytes 1 2 4
  ':prefix': { B: 'AQI=' }, // bytes 1 2
  ':typeN': { S: 'N' },
  ':typeSS': { S: 'SS' },
  ':typeM': { S: 'M' },
  ':bogusType': { S: 'STRING' },
  ':tagSet': { SS: ['blue', 'red'] },
});

const NAMES = { '#dotted': 'a.b', '#status': 'status' };

function holds(expression: string): boolean {
  return conditionHolds(expression, ITEM, { names: NAMES, values: VALUES });
}

function parseError(parse: () => unknown): ExpressionError {
  try {
    parse();
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
  throw new Error('expected an ExpressionError, none was thrown');
}

describe('condition expressions', () => {
  test.each([
    ['qty = :ten', true], // 10 = 10.0: numbers compare by value
    ['qty <> :ten', false],
    ['qty < :ten', false],
    ['qty <= :ten', true],
    ['qty > :nine', true], // numerically, not as text ("10" < "9")
    ['qty >= :eleven', false],
    ['label = :widget', true],
    ['label > :other', true],
    ['payload < :bytes', true], // binaries by unsigned bytes
    ['bmp < :astral', true], // strings by UTF-8 bytes (EF BF BF < F0 90 80 80), not UTF-16 units
    ['tags = :tagSet', true], // sets regardless of order
    ['label < :ten', false], // mixed types never order
    ['label <> :ten', true],
    ['absent = :ten', false], // a missing operand is false for every comparator but <>
    ['absent <> :ten', true],
    ['absent < :ten', false],
    ['absent >= :ten', false],
  ])('%s is %s', (expression, expected) => {
    expect(holds(expression)).toBe(expected);
  });

  test.each([
    ['qty BETWEEN :nine AND :ten', true],
    ['qty BETWEEN :eleven AND :twelve', false],
    ['absent BETWEEN :nine AND :ten', false],
    ['label IN (:other, :widget)', true],
    ['qty IN (:nine, :eleven)', false],
    ['qty IN (:ten)', true],
  ])('%s is %s', (expression, expected) => {
    expect(holds(expression)).toBe(expected);
  });

  test.each([
    ['attribute_exists(qty)', true],
    ['attribute_exists(absent)', false],
    ['attribute_exists(nada)', true], // a NULL value exists
    ['attribute_not_exists(absent)', true],
    ['attribute_not_exists(qty)', false],
    ['attribute_exists(address.city)', true],
    ['attribute_exists(entries[5])', false],
    ['attribute_type(qty, :typeN)', true],
    ['attribute_type(tags, :typeSS)', true],
    ['attribute_type(qty, :typeM)', false],
    ['begins_with(label, :wid)', true],
    ['begins_with(label, :dge)', false],
    ['begins_with(payload, :prefix)', true],
    ['contains(label, :dge)', true],
    ['contains(tags, :red)', true],
    ['contains(tags, :green)', false],
    ['contains(sizes, :two)', true],
    ['contains(entries, :first)', true],
    ['contains(qty, :ten)', false],
    ['size(label) = :six', true],
    ['size(tags) = :two', true],
    ['size(entries) = :three', true],
    ['size(address) = :two', true],
    ['size(payload) = :three', true],
    ['size(label) > :nine', false],
    ['size(qty) = :two', false], // numbers have no size
    ['size(absent) <> :two', true],
  ])('%s is %s', (expression, expected) => {
    expect(holds(expression)).toBe(expected);
  });

  test.each([
    ['entries[2].deep = :yes', true],
    ['entries[0] = :first', true],
    ['address.city = :lyon', true],
    ['#dotted = :dotted', true], // a placeholder names one attribute, dots included
    ['a.b = :dotted', false], // a bare path is nested: attribute a, key b
  ])('path %s is %s', (expression, expected) => {
    expect(holds(expression)).toBe(expected);
  });

  test.each([
    // A OR (B AND C) with A true and C false: true; left to right ((A OR B) AND C) would be false.
    ['qty = :ten OR label = :widget AND flag = :false', true],
    // (NOT A) AND B with A true: false; NOT (A AND B) with B false would be true.
    ['NOT qty = :ten AND label = :other', false],
    ['NOT (qty = :ten AND label = :other)', true],
    ['(qty = :ten OR label = :widget) AND flag = :false', false],
    ['NOT NOT qty = :ten', true],
    ['qty = :ten and label = :widget', true], // keywords are case-insensitive
    ['qty BETWEEN :nine AND :ten AND label = :other', false], // BETWEEN takes the first AND
  ])('precedence: %s is %s', (expression, expected) => {
    expect(holds(expression)).toBe(expected);
  });

  test.each([
    ['qty = ', 'Invalid ConditionExpression: Syntax error; token: "<EOF>" at position 6 in "qty = "'],
    ['qty == :ten', 'Invalid ConditionExpression: Syntax error; token: "=" at position 5 in "qty == :ten"'],
    ['(qty = :ten', 'Invalid ConditionExpression: Syntax error; token: "<EOF>" at position 11 in "(qty = :ten"'],
    ['qty = :ten AND', 'Invalid ConditionExpression: Syntax error; token: "<EOF>" at position 14 in "qty = :ten AND"'],
    ['qty = :ten !', 'Invalid ConditionExpression: Invalid character "!" at position 11 in "qty = :ten !"'],
    ['', 'Invalid ConditionExpression: The expression can not be empty at position 0 in ""'],
    ['foo(qty)', 'Invalid ConditionExpression: Invalid function name; function: foo at position 0 in "foo(qty)"'],
    [
      'ATTRIBUTE_EXISTS(qty)',
      'Invalid ConditionExpression: Invalid function name; function: ATTRIBUTE_EXISTS at position 0 in "ATTRIBUTE_EXISTS(qty)"',
    ],
    [
      'if_not_exists(qty, :ten) = :ten',
      'Invalid ConditionExpression: The function is not allowed as an operand of a condition; function: if_not_exists at position 0 in "if_not_exists(qty, :ten) = :ten"',
    ],
    ['size(qty)', 'Invalid ConditionExpression: Syntax error; token: "<EOF>" at position 9 in "size(qty)"'],
    [
      'qty = :nope',
      'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope at position 6 in "qty = :nope"',
    ],
    [
      '#nope = :ten',
      'Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #nope at position 0 in "#nope = :ten"',
    ],
    [
      'status = :ten',
      'Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status at position 0 in "status = :ten"',
    ],
    [
      'qty BETWEEN :ten AND :nine',
      'Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound at position 12 in "qty BETWEEN :ten AND :nine"',
    ],
    [
      'attribute_type(qty, :bogusType)',
      'Invalid ConditionExpression: Invalid attribute type name found in type argument; type: STRING at position 20 in "attribute_type(qty, :bogusType)"',
    ],
    ['entries[x] = :ten', 'Invalid ConditionExpression: Syntax error; token: "x" at position 8 in "entries[x] = :ten"'],
  ])('rejects %j', (expression, message) => {
    const error = parseError(() => parseCondition(expression, { names: NAMES, values: VALUES }));
    expect(error.message).toBe(message);
    expect(error).toBeInstanceOf(ValidationError);
  });

  test('a reserved word is fine behind a placeholder, and the parser records the placeholders it used', () => {
    const used = new Set<string>();
    const item = values({ status: { S: 'ok' } });
    expect(conditionHolds('#status = :widget OR qty = :ten', item, { names: NAMES, values: VALUES, used })).toBe(false);
    expect([...used].sort()).toEqual(['#status', ':ten', ':widget']);
  });

  test('names the kind of expression in the message', () => {
    expect(parseError(() => parseCondition('qty', {}, 'FilterExpression')).message).toBe(
      'Invalid FilterExpression: Syntax error; token: "<EOF>" at position 3 in "qty"',
    );
  });
});

describe('update expressions', () => {
  const UPDATE_VALUES = values({
    ':one': { N: '1' },
    ':zero': { N: '0' },
    ':half': { N: '0.5' },
    ':tenth': { N: '0.1' },
    ':more': { L: [{ S: 'more' }] },
    ':paris': { S: 'Paris' },
    ':x': { S: 'x' },
    ':y': { S: 'y' },
    ':red': { SS: ['red'] },
    ':redBlue': { SS: ['red', 'blue'] },
    ':green': { SS: ['green', 'red'] },
    ':widget': { S: 'Widget' },
    ':two': { NS: ['2'] },
  });

  function update(expression: string, item: AttributeMap = ITEM): AttributeMap {
    return updateItem(expression, item, { names: NAMES, values: UPDATE_VALUES });
  }

  function updateError(expression: string): string {
    try {
      update(expression);
    } catch (error) {
      if (error instanceof ValidationError) return error.message;
      throw error;
    }
    throw new Error('expected a ValidationError, none was thrown');
  }

  test('SET with + and -, exact decimals', () => {
    const updated = update('SET qty = qty + :one, price = price - :half');
    expect(updated.qty).toEqual({ N: '11' });
    expect(updated.price).toEqual({ N: '9' });
    expect(update('SET price = price + :tenth', values({ price: { N: '0.2' } })).price).toEqual({ N: '0.3' });
  });

  test('SET with if_not_exists counts from a default', () => {
    const once = update('SET visits = if_not_exists(visits, :zero) + :one');
    expect(once.visits).toEqual({ N: '1' });
    expect(update('SET visits = if_not_exists(visits, :zero) + :one', once).visits).toEqual({ N: '2' });
    expect(update('SET label = if_not_exists(label, :x)').label).toEqual({ S: 'Widget' });
  });

  test('SET with list_append appends or prepends', () => {
    expect(update('SET entries = list_append(entries, :more)').entries).toEqual({ L: [...valuesOf('entries'), { S: 'more' }] });
    expect(update('SET entries = list_append(:more, entries)').entries).toEqual({ L: [{ S: 'more' }, ...valuesOf('entries')] });
  });

  function valuesOf(name: string): AttributeValue[] {
    const value = ITEM[name];
    return 'L' in value ? value.L : [];
  }

  test('SET nested paths and list indexes; an index past the end appends', () => {
    const updated = update('SET address.city = :paris, entries[1] = :x, entries[10] = :y');
    expect(updated.address).toEqual({ M: { city: { S: 'Paris' }, zip: { S: '69001' } } });
    expect(updated.entries).toEqual({ L: [{ S: 'first' }, { S: 'x' }, { M: { deep: { S: 'yes' } } }, { S: 'y' }] });
  });

  test('SET reads operands from the item as it was: a swap works', () => {
    const updated = update('SET label = id, id = label');
    expect([updated.label, updated.id]).toEqual([{ S: 'order-1' }, { S: 'Widget' }]);
  });

  test('REMOVE attributes, map keys and list elements by their original indexes', () => {
    const updated = update('REMOVE address.zip, entries[0], entries[2], flag, absent');
    expect(updated.address).toEqual({ M: { city: { S: 'Lyon' } } });
    expect(updated.entries).toEqual({ L: [{ N: '2' }] });
    expect(updated.flag).toBeUndefined();
  });

  test('ADD adds to numbers and sets, or creates them', () => {
    const updated = update('ADD qty :one, tags :green, fresh :one, sizes :two');
    expect(updated.qty).toEqual({ N: '11' });
    expect(updated.tags).toEqual({ SS: ['red', 'blue', 'green'] });
    expect(updated.fresh).toEqual({ N: '1' });
    expect(updated.sizes).toEqual({ NS: ['1', '2'] });
  });

  test('DELETE removes set elements and the attribute with the last one', () => {
    expect(update('DELETE tags :red').tags).toEqual({ SS: ['blue'] });
    expect(update('DELETE tags :redBlue').tags).toBeUndefined();
    expect(update('DELETE absent :red').absent).toBeUndefined();
  });

  test('all four clauses in one expression, in any order; the input item is left alone', () => {
    const before = structuredClone(ITEM);
    const updated = update('DELETE tags :red ADD qty :one REMOVE flag SET label = :x');
    expect([updated.tags, updated.qty, updated.flag, updated.label]).toEqual([{ SS: ['blue'] }, { N: '11' }, undefined, { S: 'x' }]);
    expect(ITEM).toEqual(before);
  });

  test.each([
    [
      'SET qty = qty + :one, qty = :one',
      'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [qty], path two: [qty] at position 22 in "SET qty = qty + :one, qty = :one"',
    ],
    [
      'SET address = :x REMOVE address.city',
      'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [address], path two: [address.city] at position 24 in "SET address = :x REMOVE address.city"',
    ],
    [
      'SET qty = :one SET label = :x',
      'Invalid UpdateExpression: The "SET" section can only be used once in an update expression at position 15 in "SET qty = :one SET label = :x"',
    ],
    ['SET qty :one', 'Invalid UpdateExpression: Syntax error; token: ":one" at position 8 in "SET qty :one"'],
    ['UPDATE qty = :one', 'Invalid UpdateExpression: Syntax error; token: "UPDATE" at position 0 in "UPDATE qty = :one"'],
    ['SET qty = :one + :one + :one', 'Invalid UpdateExpression: Syntax error; token: "+" at position 22 in "SET qty = :one + :one + :one"'],
    [
      'ADD label :widget',
      'Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: S at position 10 in "ADD label :widget"',
    ],
    [
      'SET qty = size(label)',
      'Invalid UpdateExpression: The function is not allowed as an operand of an update; function: size at position 10 in "SET qty = size(label)"',
    ],
    ['SET label = label + :one', 'An operand in the update expression has an incorrect data type'],
    ['SET amount = absent + :one', 'The provided expression refers to an attribute that does not exist in the item'],
    ['SET nested.deep.deeper = :one', 'The document path provided in the update expression is invalid for update'],
    ['ADD tags :one', 'An operand in the update expression has an incorrect data type'],
  ])('rejects %j', (expression, message) => {
    expect(updateError(expression)).toBe(message);
  });

  test('applyUpdate takes parsed actions', () => {
    const actions = parseUpdate('SET #status = :x', { names: NAMES, values: UPDATE_VALUES });
    expect(actions).toEqual([{ action: 'SET', path: ['status'], value: { kind: 'value', value: { S: 'x' } } }]);
    expect(applyUpdate(actions, {})).toEqual({ status: { S: 'x' } });
  });
});

describe('projections and values', () => {
  test('projects attributes, map keys and list elements', () => {
    const paths = parseProjection('label, address.city, entries[2].deep, entries[0], absent');
    expect(projectItem(ITEM, paths)).toEqual({
      label: { S: 'Widget' },
      address: { M: { city: { S: 'Lyon' } } },
      entries: { L: [{ S: 'first' }, { M: { deep: { S: 'yes' } } }] },
    });
  });

  test.each([
    ['01.50', '1.5'],
    ['1e3', '1000'],
    ['-0.000', '0'],
    ['1.5E-3', '0.0015'],
    ['-12.340e1', '-123.4'],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678'],
  ])('normalizes the number %s to %s', (raw, normalized) => {
    expect(toAttributeValue({ N: raw }, 'n')).toEqual({ N: normalized });
  });

  test.each([
    [{ N: 'abc' }, 'A value provided cannot be converted into a number'],
    [{ N: '123456789012345678901234567890123456789' }, 'Attempting to store more than 38 significant digits in a Number'],
    [{ N: '1e126' }, 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
    [{ NS: ['1', '1.0'] }, 'One or more parameter values were invalid: Input collection [1, 1] contains duplicates (v)'],
    [{ SS: [] }, 'One or more parameter values were invalid: An SS set may not be empty (v)'],
    [
      { S: 'a', N: '1' },
      'One or more parameter values were invalid: Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes (v)',
    ],
    [{ NULL: false }, 'One or more parameter values were invalid: Null attribute value types must have the value of true (v)'],
  ])('rejects %j', (raw, message) => {
    expect(() => toAttributeValue(raw, 'v')).toThrow(message);
  });
});

// ---------------------------------------------------------------------------------------------
// The server, through the AWS SDK.
// ---------------------------------------------------------------------------------------------

let db: LocalDynamoDb;
let client: DynamoDBClient;

beforeAll(async () => {
  db = await startDynamoDb({
    tables: [
      { tableName: 'idempotency', partitionKey: 'id', ttlAttribute: 'expiration' },
      { tableName: 'receipts', partitionKey: 'orderId', sortKey: 'receiptId' },
    ],
  });
  client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: db.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await db.stop();
});

/** What a promise rejects with, as the SDK's service exception. */
async function failure(promise: Promise<unknown>): Promise<DynamoDBServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DynamoDBServiceException) return error;
    throw error;
  }
  throw new Error('expected the request to fail, it succeeded');
}

function receiptKey(orderId: string, receiptId: string): Record<string, SdkAttributeValue> {
  return { orderId: { S: orderId }, receiptId: { S: receiptId } };
}

describe('item operations', () => {
  test('the endpoint is loopback on a free port', () => {
    expect(db.endpoint).toBe(`http://127.0.0.1:${db.port}`);
    expect(db.port).toBeGreaterThan(0);
  });

  test('PutItem and GetItem round-trip every attribute type; numbers come back canonical', async () => {
    const item: Record<string, SdkAttributeValue> = {
      ...receiptKey('o-1', 'r-1'),
      amount: { N: '0012.50' },
      payload: { B: new Uint8Array([1, 2, 3]) },
      tags: { SS: ['a', 'b'] },
      nums: { NS: ['1', '2.0'] },
      bins: { BS: [new Uint8Array([9])] },
      nested: { M: { ok: { BOOL: true }, none: { NULL: true } } },
      list: { L: [{ S: '' }, { N: '-1' }] },
    };
    await client.send(new PutItemCommand({ TableName: 'receipts', Item: item }));
    const { Item } = await client.send(new GetItemCommand({ TableName: 'receipts', Key: receiptKey('o-1', 'r-1'), ConsistentRead: true }));
    expect(Item).toEqual({ ...item, amount: { N: '12.5' }, nums: { NS: ['1', '2'] } });
  });

  test('GetItem of a missing item has no Item; ProjectionExpression selects attributes', async () => {
    const missing = await client.send(new GetItemCommand({ TableName: 'receipts', Key: receiptKey('o-1', 'nope') }));
    expect(missing.Item).toBeUndefined();
    const projected = await client.send(
      new GetItemCommand({
        TableName: 'receipts',
        Key: receiptKey('o-1', 'r-1'),
        ProjectionExpression: 'amount, nested.ok, #l[1]',
        ExpressionAttributeNames: { '#l': 'list' },
      }),
    );
    expect(projected.Item).toEqual({ amount: { N: '12.5' }, nested: { M: { ok: { BOOL: true } } }, list: { L: [{ N: '-1' }] } });
  });

  test('PutItem returns the replaced item with ReturnValues ALL_OLD', async () => {
    const first = await client.send(
      new PutItemCommand({ TableName: 'receipts', Item: { ...receiptKey('o-2', 'r'), v: { N: '1' } }, ReturnValues: 'ALL_OLD' }),
    );
    expect(first.Attributes).toBeUndefined();
    const second = await client.send(
      new PutItemCommand({ TableName: 'receipts', Item: { ...receiptKey('o-2', 'r'), v: { N: '2' } }, ReturnValues: 'ALL_OLD' }),
    );
    expect(second.Attributes).toEqual({ ...receiptKey('o-2', 'r'), v: { N: '1' } });
  });

  test('a failed condition is a ConditionalCheckFailedException, with the old item only under ALL_OLD', async () => {
    const existing = { ...receiptKey('o-3', 'r'), v: { N: '1' } };
    await client.send(new PutItemCommand({ TableName: 'receipts', Item: existing, ConditionExpression: 'attribute_not_exists(orderId)' }));
    const put = (onFailure?: 'ALL_OLD') =>
      client.send(
        new PutItemCommand({
          TableName: 'receipts',
          Item: { ...receiptKey('o-3', 'r'), v: { N: '2' } },
          ConditionExpression: 'attribute_not_exists(orderId)',
          ReturnValuesOnConditionCheckFailure: onFailure,
        }),
      );
    const withItem = await failure(put('ALL_OLD'));
    expect(withItem).toBeInstanceOf(ConditionalCheckFailedException);
    expect(withItem.message).toBe('The conditional request failed');
    expect(withItem.$metadata.httpStatusCode).toBe(400);
    expect((withItem as ConditionalCheckFailedException).Item).toEqual(existing);
    const withoutItem = await failure(put());
    expect(withoutItem).toBeInstanceOf(ConditionalCheckFailedException);
    expect((withoutItem as ConditionalCheckFailedException).Item).toBeUndefined();
    expect(db.items('receipts').find((item) => item.orderId === 'o-3')).toEqual({ orderId: 'o-3', receiptId: 'r', v: 1 });
  });

  test('errors have the DynamoDB JSON shape on the wire', async () => {
    const post = (target: string, body: unknown) =>
      fetch(db.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': target },
        body: JSON.stringify(body),
      });
    const conditional = await post('DynamoDB_20120810.PutItem', {
      TableName: 'receipts',
      Item: { ...receiptKey('o-3', 'r'), v: { N: '3' } },
      ConditionExpression: 'v = :two',
      ExpressionAttributeValues: { ':two': { N: '2' } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(conditional.status).toBe(400);
    expect(conditional.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await conditional.json()).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
      message: 'The conditional request failed',
      Item: { orderId: { S: 'o-3' }, receiptId: { S: 'r' }, v: { N: '1' } },
    });
    const unknown = await post('DynamoDB_20120810.TransactWriteItems', {});
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ __type: 'com.amazon.coral.service#UnknownOperationException' });
    const notFound = await post('DynamoDB_20120810.GetItem', { TableName: 'nope', Key: { id: { S: 'x' } } });
    expect(await notFound.json()).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
      message: 'Requested resource not found',
    });
    const invalid = await post('DynamoDB_20120810.GetItem', { Key: { id: { S: 'x' } } });
    expect(await invalid.json()).toEqual({
      __type: 'com.amazon.coral.validate#ValidationException',
      message: "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null",
    });
  });

  test('UpdateItem creates the item, applies every clause and returns what ReturnValues asks for', async () => {
    const Key = receiptKey('o-4', 'r');
    const send = (
      UpdateExpression: string,
      ReturnValues: 'ALL_NEW' | 'UPDATED_OLD' | 'UPDATED_NEW' | 'ALL_OLD',
      valueMap?: Record<string, SdkAttributeValue>,
    ) =>
      client.send(
        new UpdateItemCommand({
          TableName: 'receipts',
          Key,
          UpdateExpression,
          ExpressionAttributeNames: { '#n': 'count' },
          ExpressionAttributeValues: valueMap,
          ReturnValues,
        }),
      );
    const created = await send('SET #n = if_not_exists(#n, :zero) + :one, tags = :tags', 'ALL_NEW', {
      ':zero': { N: '0' },
      ':one': { N: '1' },
      ':tags': { SS: ['a'] },
    });
    expect(created.Attributes).toEqual({ ...Key, count: { N: '1' }, tags: { SS: ['a'] } });
    const added = await send('ADD #n :one, tags :b REMOVE note', 'UPDATED_OLD', { ':one': { N: '1' }, ':b': { SS: ['b'] } });
    expect(added.Attributes).toEqual({ count: { N: '1' }, tags: { SS: ['a'] } });
    const deleted = await send('SET note = :text, #n = #n - :one DELETE tags :a', 'UPDATED_NEW', {
      ':text': { S: 'hi' },
      ':one': { N: '1' },
      ':a': { SS: ['a'] },
    });
    expect(deleted.Attributes).toEqual({ note: { S: 'hi' }, count: { N: '1' }, tags: { SS: ['b'] } });
    const old = await send('REMOVE note, #n', 'ALL_OLD'); // no values: an empty map would be a ValidationException
    expect(old.Attributes).toEqual({ ...Key, count: { N: '1' }, tags: { SS: ['b'] }, note: { S: 'hi' } });
    const { Item } = await client.send(new GetItemCommand({ TableName: 'receipts', Key }));
    expect(Item).toEqual({ ...Key, tags: { SS: ['b'] } });
  });

  test('UpdateItem checks its condition and refuses to change a key attribute', async () => {
    const Key = receiptKey('o-5', 'r');
    await client.send(new PutItemCommand({ TableName: 'receipts', Item: { ...Key, v: { N: '5' } } }));
    const conditional = await failure(
      client.send(
        new UpdateItemCommand({
          TableName: 'receipts',
          Key,
          UpdateExpression: 'SET v = :ten',
          ConditionExpression: 'v > :ten',
          ExpressionAttributeValues: { ':ten': { N: '10' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    expect((conditional as ConditionalCheckFailedException).Item).toEqual({ ...Key, v: { N: '5' } });
    const keyUpdate = await failure(
      client.send(
        new UpdateItemCommand({
          TableName: 'receipts',
          Key,
          UpdateExpression: 'SET orderId = :x',
          ExpressionAttributeValues: { ':x': { S: 'x' } },
        }),
      ),
    );
    expect([keyUpdate.name, keyUpdate.message]).toEqual([
      'ValidationException',
      'One or more parameter values were invalid: Cannot update attribute orderId. This attribute is part of the key',
    ]);
  });

  test('DeleteItem honours its condition and returns the deleted item', async () => {
    const Key = receiptKey('o-6', 'r');
    await client.send(new PutItemCommand({ TableName: 'receipts', Item: { ...Key, state: { S: 'open' } } }));
    const refused = await failure(
      client.send(
        new DeleteItemCommand({
          TableName: 'receipts',
          Key,
          ConditionExpression: '#s = :closed',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':closed': { S: 'closed' } },
        }),
      ),
    );
    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    const deleted = await client.send(new DeleteItemCommand({ TableName: 'receipts', Key, ReturnValues: 'ALL_OLD' }));
    expect(deleted.Attributes).toEqual({ ...Key, state: { S: 'open' } });
    const again = await client.send(new DeleteItemCommand({ TableName: 'receipts', Key, ReturnValues: 'ALL_OLD' }));
    expect(again.Attributes).toBeUndefined();
    expect((await client.send(new GetItemCommand({ TableName: 'receipts', Key }))).Item).toBeUndefined();
  });

  test('an item past its TTL is still returned: TTL deletion is asynchronous on the service', async () => {
    const expired = Math.floor(Date.now() / 1000) - 3600;
    await client.send(new PutItemCommand({ TableName: 'idempotency', Item: { id: { S: 'ttl-1' }, expiration: { N: String(expired) } } }));
    const { Item } = await client.send(new GetItemCommand({ TableName: 'idempotency', Key: { id: { S: 'ttl-1' } } }));
    expect(Item).toEqual({ id: { S: 'ttl-1' }, expiration: { N: String(expired) } });
    expect(db.items('idempotency')).toContainEqual({ id: 'ttl-1', expiration: expired });
  });
});

describe('validation and other errors', () => {
  test.each<[string, () => Promise<unknown>, string, string]>([
    [
      'unknown table',
      () => client.send(new GetItemCommand({ TableName: 'nope', Key: { id: { S: 'x' } } })),
      'ResourceNotFoundException',
      'Requested resource not found',
    ],
    [
      'malformed expression',
      () =>
        client.send(
          new PutItemCommand({ TableName: 'receipts', Item: receiptKey('e', 'r'), ConditionExpression: 'attribute_not_exists(orderId' }),
        ),
      'ValidationException',
      'Invalid ConditionExpression: Syntax error; token: "<EOF>" at position 28 in "attribute_not_exists(orderId"',
    ],
    [
      'unused placeholder',
      () =>
        client.send(
          new PutItemCommand({
            TableName: 'receipts',
            Item: receiptKey('e', 'r'),
            ConditionExpression: 'attribute_not_exists(orderId)',
            ExpressionAttributeValues: { ':unused': { S: 'x' } },
          }),
        ),
      'ValidationException',
      'Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}',
    ],
    [
      'reserved word',
      () =>
        client.send(
          new UpdateItemCommand({
            TableName: 'receipts',
            Key: receiptKey('e', 'r'),
            UpdateExpression: 'SET status = :s',
            ExpressionAttributeValues: { ':s': { S: 'x' } },
          }),
        ),
      'ValidationException',
      'Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status at position 4 in "SET status = :s"',
    ],
    [
      'missing key attribute',
      () => client.send(new PutItemCommand({ TableName: 'receipts', Item: { orderId: { S: 'e' } } })),
      'ValidationException',
      'One or more parameter values were invalid: Missing the key receiptId in the item',
    ],
    [
      'extra key attribute',
      () => client.send(new GetItemCommand({ TableName: 'receipts', Key: { ...receiptKey('e', 'r'), other: { S: 'x' } } })),
      'ValidationException',
      'The provided key element does not match the schema',
    ],
    [
      'empty string key',
      () => client.send(new PutItemCommand({ TableName: 'idempotency', Item: { id: { S: '' } } })),
      'ValidationException',
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id',
    ],
    [
      'unsupported return values',
      () => client.send(new PutItemCommand({ TableName: 'idempotency', Item: { id: { S: 'x' } }, ReturnValues: 'ALL_NEW' })),
      'ValidationException',
      "1 validation error detected: Value 'ALL_NEW' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [NONE, ALL_OLD]",
    ],
    [
      'legacy parameter',
      () => client.send(new GetItemCommand({ TableName: 'idempotency', Key: { id: { S: 'x' } }, AttributesToGet: ['id'] })),
      'ValidationException',
      'AttributesToGet is not supported by the local DynamoDB emulator',
    ],
    [
      'unknown operation',
      () => client.send(new BatchWriteItemCommand({ RequestItems: { idempotency: [{ PutRequest: { Item: { id: { S: 'x' } } } }] } })),
      'UnknownOperationException',
      'The local DynamoDB emulator does not support DynamoDB_20120810.BatchWriteItem',
    ],
  ])('%s', async (_case, request, name, message) => {
    const error = await failure(request());
    expect([error.name, error.message, error.$metadata.httpStatusCode]).toEqual([name, message, 400]);
  });

  test('ResourceNotFoundException is the modelled SDK class', async () => {
    const error = await failure(client.send(new DescribeTableCommand({ TableName: 'nope' })));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.message).toBe('Requested resource not found: Table: nope not found');
  });
});

describe('Query and Scan', () => {
  beforeAll(async () => {
    for (const receiptId of ['r05', 'r01', 'r03', 'r02', 'r04', 's01']) {
      await client.send(
        new PutItemCommand({ TableName: 'receipts', Item: { ...receiptKey('q', receiptId), cents: { N: receiptId.slice(1) } } }),
      );
    }
    await client.send(new PutItemCommand({ TableName: 'receipts', Item: { ...receiptKey('q-other', 'r01'), cents: { N: '1' } } }));
  });

  async function receiptIds(input: Omit<QueryCommandInput, 'TableName'>): Promise<string[]> {
    const { Items = [] } = await client.send(new QueryCommand({ TableName: 'receipts', ...input }));
    return Items.map((item) => item.receiptId?.S ?? '?');
  }

  const PARTITION = {
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': 'orderId' },
    ExpressionAttributeValues: { ':pk': { S: 'q' } },
  };

  test('on the partition key alone, in sort key order either way', async () => {
    expect(await receiptIds(PARTITION)).toEqual(['r01', 'r02', 'r03', 'r04', 'r05', 's01']);
    expect(await receiptIds({ ...PARTITION, ScanIndexForward: false })).toEqual(['s01', 'r05', 'r04', 'r03', 'r02', 'r01']);
  });

  test.each<[string, Record<string, SdkAttributeValue>, string[]]>([
    ['begins_with(receiptId, :v)', { ':v': { S: 'r' } }, ['r01', 'r02', 'r03', 'r04', 'r05']],
    ['receiptId BETWEEN :v AND :w', { ':v': { S: 'r02' }, ':w': { S: 'r04' } }, ['r02', 'r03', 'r04']],
    ['receiptId > :v', { ':v': { S: 'r04' } }, ['r05', 's01']],
    ['receiptId <= :v', { ':v': { S: 'r02' } }, ['r01', 'r02']],
    ['receiptId = :v', { ':v': { S: 'r03' } }, ['r03']],
  ])('with the sort key condition %s', async (sortCondition, sortValues, expected) => {
    const KeyConditionExpression = `${sortCondition} AND orderId = :pk`;
    expect(await receiptIds({ KeyConditionExpression, ExpressionAttributeValues: { ':pk': { S: 'q' }, ...sortValues } })).toEqual(expected);
  });

  test('Limit pages with LastEvaluatedKey and ExclusiveStartKey, backwards too', async () => {
    const pages: string[][] = [];
    let ExclusiveStartKey: Record<string, SdkAttributeValue> | undefined;
    do {
      const result = await client.send(
        new QueryCommand({ TableName: 'receipts', ...PARTITION, Limit: 4, ScanIndexForward: false, ExclusiveStartKey }),
      );
      pages.push((result.Items ?? []).map((item) => item.receiptId?.S ?? '?'));
      ExclusiveStartKey = result.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    expect(pages).toEqual([
      ['s01', 'r05', 'r04', 'r03'],
      ['r02', 'r01'],
    ]);
  });

  test('FilterExpression applies after Limit; Select COUNT counts', async () => {
    const filtered = await client.send(
      new QueryCommand({
        TableName: 'receipts',
        ...PARTITION,
        FilterExpression: 'cents >= :three',
        ExpressionAttributeValues: { ...PARTITION.ExpressionAttributeValues, ':three': { N: '3' } },
        Limit: 3,
      }),
    );
    expect([filtered.Count, filtered.ScannedCount, filtered.Items?.map((item) => item.receiptId?.S)]).toEqual([1, 3, ['r03']]);
    expect(filtered.LastEvaluatedKey).toEqual(receiptKey('q', 'r03'));
    const counted = await client.send(new QueryCommand({ TableName: 'receipts', ...PARTITION, Select: 'COUNT' }));
    expect([counted.Count, counted.Items]).toEqual([6, undefined]);
  });

  test.each([
    ['receiptId = :v', { ':v': { S: 'r01' } }, 'Query condition missed key schema element: orderId'],
    ['orderId = :v OR receiptId = :v', { ':v': { S: 'q' } }, 'Invalid operator used in KeyConditionExpression: OR'],
    ['orderId = :v AND cents = :v', { ':v': { S: 'q' } }, 'Query key condition not supported'],
  ])('rejects the key condition %s', async (KeyConditionExpression, ExpressionAttributeValues, message) => {
    const error = await failure(
      client.send(new QueryCommand({ TableName: 'receipts', KeyConditionExpression, ExpressionAttributeValues })),
    );
    expect([error.name, error.message]).toEqual(['ValidationException', message]);
  });

  test('Scan filters and pages through a table with Limit and ExclusiveStartKey', async () => {
    db.createTable({ tableName: 'scanned', partitionKey: 'pk' });
    for (let n = 1; n <= 7; n += 1) {
      await client.send(new PutItemCommand({ TableName: 'scanned', Item: { pk: { S: `k${n}` }, n: { N: String(n) } } }));
    }
    const input: ScanCommandInput = {
      TableName: 'scanned',
      FilterExpression: 'n > :two',
      ExpressionAttributeValues: { ':two': { N: '2' } },
      Limit: 3,
    };
    const pages: Array<{ count?: number; scanned?: number; keys: string[] }> = [];
    let ExclusiveStartKey: Record<string, SdkAttributeValue> | undefined;
    do {
      const result = await client.send(new ScanCommand({ ...input, ExclusiveStartKey }));
      pages.push({ count: result.Count, scanned: result.ScannedCount, keys: (result.Items ?? []).map((item) => item.pk?.S ?? '?') });
      ExclusiveStartKey = result.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    expect(pages).toEqual([
      { count: 1, scanned: 3, keys: ['k3'] },
      { count: 3, scanned: 3, keys: ['k4', 'k5', 'k6'] },
      { count: 1, scanned: 1, keys: ['k7'] },
    ]);
    const all = await client.send(new ScanCommand({ TableName: 'scanned', ProjectionExpression: 'n' }));
    expect(all.Items?.map((item) => item.n?.N)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
  });
});

describe('table operations', () => {
  test('CreateTable with a number sort key: Query orders by number, types are enforced', async () => {
    const created = await client.send(
      new CreateTableCommand({
        TableName: 'events',
        KeySchema: [
          { AttributeName: 'topic', KeyType: 'HASH' },
          { AttributeName: 'seq', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'topic', AttributeType: 'S' },
          { AttributeName: 'seq', AttributeType: 'N' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    expect(created.TableDescription).toMatchObject({ TableName: 'events', TableStatus: 'ACTIVE', ItemCount: 0 });
    for (const seq of ['10', '2', '1']) {
      await client.send(new PutItemCommand({ TableName: 'events', Item: { topic: { S: 's' }, seq: { N: seq } } }));
    }
    const { Items = [] } = await client.send(
      new QueryCommand({ TableName: 'events', KeyConditionExpression: 'topic = :s', ExpressionAttributeValues: { ':s': { S: 's' } } }),
    );
    expect(Items.map((item) => item.seq?.N)).toEqual(['1', '2', '10']);
    const mismatch = await failure(client.send(new PutItemCommand({ TableName: 'events', Item: { topic: { S: 's' }, seq: { S: '1' } } })));
    expect(mismatch.message).toBe('One or more parameter values were invalid: Type mismatch for key seq expected: N actual: S');
    const again = await failure(
      client.send(
        new CreateTableCommand({
          TableName: 'events',
          KeySchema: [{ AttributeName: 'topic', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'topic', AttributeType: 'S' }],
        }),
      ),
    );
    expect(again).toBeInstanceOf(ResourceInUseException);
    expect(again.message).toBe('Table already exists: events');
  });

  test('DescribeTable describes keys, types and item count', async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'events' }));
    expect(Table).toMatchObject({
      TableName: 'events',
      TableStatus: 'ACTIVE',
      TableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/events',
      KeySchema: [
        { AttributeName: 'topic', KeyType: 'HASH' },
        { AttributeName: 'seq', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'topic', AttributeType: 'S' },
        { AttributeName: 'seq', AttributeType: 'N' },
      ],
      ItemCount: 3,
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    });
    expect(Table?.CreationDateTime).toBeInstanceOf(Date);
  });

  test('ListTables lists table names in order, in pages', async () => {
    const all = await client.send(new ListTablesCommand({}));
    expect(all.TableNames).toEqual(['events', 'idempotency', 'receipts', 'scanned']);
    const first = await client.send(new ListTablesCommand({ Limit: 3 }));
    expect([first.TableNames, first.LastEvaluatedTableName]).toEqual([['events', 'idempotency', 'receipts'], 'receipts']);
    const rest = await client.send(new ListTablesCommand({ Limit: 3, ExclusiveStartTableName: first.LastEvaluatedTableName }));
    expect([rest.TableNames, rest.LastEvaluatedTableName]).toEqual([['scanned'], undefined]);
  });

  test('DescribeTimeToLive reports the TTL attribute', async () => {
    const withTtl = await client.send(new DescribeTimeToLiveCommand({ TableName: 'idempotency' }));
    expect(withTtl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiration' });
    const without = await client.send(new DescribeTimeToLiveCommand({ TableName: 'events' }));
    expect(without.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'DISABLED' });
  });

  test('createTable refuses a duplicate; items() refuses an unknown table', () => {
    expect(() => db.createTable({ tableName: 'events', partitionKey: 'x' })).toThrow('Table already exists: events');
    expect(() => db.items('nope')).toThrow('The local DynamoDB emulator has no table named nope');
  });
});

// ---------------------------------------------------------------------------------------------
// End to end: Powertools idempotency on the emulator.
// ---------------------------------------------------------------------------------------------

interface OrderEvent {
  readonly orderId: string;
  readonly amount: number;
}

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

function lambdaContext(remainingMillis = 30_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'orders',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:orders',
    memoryLimitInMB: '128',
    awsRequestId: 'request-1',
    logGroupName: '/aws/lambda/orders',
    logStreamName: 'topic',
    getRemainingTimeInMillis: () => remainingMillis,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** An idempotent handler on the emulator; `gate` holds the first run until released. */
function idempotentOrders(options: { expiresAfterSeconds?: number; gate?: Promise<void>; started?: Deferred } = {}) {
  const runs: OrderEvent[] = [];
  const handler = makeIdempotent(
    async (event: OrderEvent, _context: Context) => {
      runs.push(event);
      const run = runs.length;
      options.started?.resolve();
      if (run === 1 && options.gate) await options.gate;
      return { orderId: event.orderId, charged: event.amount, run };
    },
    {
      persistenceStore: new DynamoDBPersistenceLayer({ tableName: 'idempotency', awsSdkV3Client: client }),
      config: new IdempotencyConfig({
        eventKeyJmesPath: 'orderId',
        payloadValidationJmesPath: 'amount',
        expiresAfterSeconds: options.expiresAfterSeconds ?? 3600,
      }),
    },
  );
  return { handler, runs };
}

/** The completed idempotency record whose stored result is for `orderId` (record keys are hashes). */
function storedRecord(orderId: string): Record<string, unknown> | undefined {
  return db.items('idempotency').find((item) => {
    const data: unknown = item.data;
    return typeof data === 'object' && data !== null && 'orderId' in data && data.orderId === orderId;
  });
}

describe('Powertools idempotency on the emulator', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  test('the first call runs the function; a second returns the stored result from the failed put alone', async () => {
    const { handler, runs } = idempotentOrders();
    const event = { orderId: 'e2e-1', amount: 100 };
    const first = await handler(event, lambdaContext());
    expect(first).toEqual({ orderId: 'e2e-1', charged: 100, run: 1 });
    expect(storedRecord('e2e-1')).toMatchObject({ status: 'COMPLETED', data: { orderId: 'e2e-1', charged: 100, run: 1 } });
    const send = jest.spyOn(client, 'send');
    const second = await handler(event, lambdaContext());
    expect(second).toEqual(first);
    expect(runs).toHaveLength(1);
    // ReturnValuesOnConditionCheckFailure=ALL_OLD handed the record over: no GetItem was needed.
    expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual(['PutItemCommand']);
  });

  test('a concurrent call while the first is in progress gets IdempotencyAlreadyInProgressError', async () => {
    const release = deferred();
    const started = deferred();
    const { handler, runs } = idempotentOrders({ gate: release.promise, started });
    const event = { orderId: 'e2e-2', amount: 5 };
    const first = handler(event, lambdaContext());
    await started.promise;
    expect(db.items('idempotency').filter((item) => item.status === 'INPROGRESS')).toHaveLength(1);
    await expect(handler(event, lambdaContext())).rejects.toBeInstanceOf(IdempotencyAlreadyInProgressError);
    release.resolve();
    await expect(first).resolves.toEqual({ orderId: 'e2e-2', charged: 5, run: 1 });
    await expect(handler(event, lambdaContext())).resolves.toEqual({ orderId: 'e2e-2', charged: 5, run: 1 });
    expect(runs).toHaveLength(1);
  });

  test('another payload for the same key raises IdempotencyValidationError', async () => {
    const { handler, runs } = idempotentOrders();
    await handler({ orderId: 'e2e-3', amount: 10 }, lambdaContext());
    await expect(handler({ orderId: 'e2e-3', amount: 20 }, lambdaContext())).rejects.toBeInstanceOf(IdempotencyValidationError);
    expect(runs).toEqual([{ orderId: 'e2e-3', amount: 10 }]);
  });

  test('an expired record lets the function run again', async () => {
    fakeClock();
    const { handler, runs } = idempotentOrders({ expiresAfterSeconds: 1 });
    const event = { orderId: 'e2e-4', amount: 7 };
    await expect(handler(event, lambdaContext())).resolves.toEqual({ orderId: 'e2e-4', charged: 7, run: 1 });
    await expect(handler(event, lambdaContext())).resolves.toEqual({ orderId: 'e2e-4', charged: 7, run: 1 });
    const firstExpiry = Number(storedRecord('e2e-4')?.expiration);
    jest.setSystemTime(Date.now() + 2_000);
    await expect(handler(event, lambdaContext())).resolves.toEqual({ orderId: 'e2e-4', charged: 7, run: 2 });
    expect(runs).toHaveLength(2);
    expect(Number(storedRecord('e2e-4')?.expiration)).toBeGreaterThan(firstExpiry);
  });

  test('an in-progress record whose Lambda timed out can be taken over', async () => {
    fakeClock();
    const release = deferred();
    const started = deferred();
    const { handler, runs } = idempotentOrders({ gate: release.promise, started });
    const event = { orderId: 'e2e-5', amount: 3 };
    const first = handler(event, lambdaContext(1_000));
    await started.promise;
    jest.setSystemTime(Date.now() + 1_500); // past the in-progress expiry (remaining time), within the record's
    await expect(handler(event, lambdaContext())).resolves.toEqual({ orderId: 'e2e-5', charged: 3, run: 2 });
    release.resolve();
    await expect(first).resolves.toEqual({ orderId: 'e2e-5', charged: 3, run: 1 });
    expect(runs).toHaveLength(2);
  });
});
