/**
 * Query and Scan of the local DynamoDB emulator: key conditions on the table's keys, Select, filter
 * and projection expressions, and paging with Limit, ExclusiveStartKey and LastEvaluatedKey.
 */
import {
  type AttributeMap,
  type AttributeValue,
  attributeEquals,
  type Condition,
  evaluateCondition,
  type Path,
  parseCondition,
  projectItem,
} from './expressions';
import {
  assertAllUsed,
  type Input,
  LEGACY,
  type Output,
  optionalBoolean,
  optionalCondition,
  optionalEnum,
  optionalInteger,
  optionalProjection,
  readExpressionAttributes,
  rejectUnsupported,
  requiredString,
  validation,
} from './requests';
import { checkKeyValue, compareItems, extractKey, getTable, readKey, type State, sortedItems, type Table } from './tables';

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

export function query(state: State, input: Input): Output {
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

export function scan(state: State, input: Input): Output {
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
