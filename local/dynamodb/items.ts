/**
 * Item operations of the local DynamoDB emulator: PutItem, GetItem, UpdateItem and DeleteItem, with
 * their condition expressions and return values.
 */
import { type AttributeMap, applyUpdate, parseUpdate, projectItem, toAttributeMap, type UpdateAction } from './expressions';
import {
  assertAllUsed,
  checkCondition,
  type Input,
  LEGACY,
  type Output,
  optionalBoolean,
  optionalCondition,
  optionalEnum,
  optionalProjection,
  optionalString,
  readExpressionAttributes,
  readOnFailure,
  rejectUnsupported,
  required,
  validation,
} from './requests';
import { checkItemSize, extractKey, getTable, keyAttributes, keyId, readKey, type State, type Table } from './tables';

export function putItem(state: State, input: Input): Output {
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

export function getItem(state: State, input: Input): Output {
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

export function updateItem(state: State, input: Input): Output {
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

export function deleteItem(state: State, input: Input): Output {
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
