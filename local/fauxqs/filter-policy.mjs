// SNS subscription filter policies, evaluated as the Amazon SNS Developer Guide describes them ("Amazon
// SNS message filtering" and its pages on AND/OR logic, key matching, string, numeric and IP address
// matching). What a policy may say, and the checks SNS makes when a subscription sets one, are in
// filter-policy-syntax.mjs.
//
// This module replaces fauxqs's sns/filter.js (the launcher redirects that import here, see
// resolve-hooks.mjs), so it exports the same three functions fauxqs's publish code calls. fauxqs got these
// wrong: String.Array attributes compared as one string; numeric conditions matching String attributes and
// string conditions matching Number and Binary ones; arrays in message bodies ignored; "exists": false
// matching a message without attributes; equals-ignore-case and cidr not implemented; $or nested under a
// body key losing its path; an invalid policy delivering every message.
//
// The model: a message becomes, for each key path, the list of its leaf values with their JSON types
// (string, number, boolean, null). A policy is an AND over its keys, a key an OR over its conditions, a
// condition an OR over the key's values, and "$or" an OR over sub-policies at the same level.

import { cidrContains, isOr } from './filter-policy-syntax.mjs';

/** Leaf values of a message attribute, typed as SNS compares them; undefined when SNS ignores it. */
function attributeValues(attribute) {
  const type = attribute?.DataType ?? attribute?.Type;
  const value = attribute?.StringValue ?? attribute?.Value;
  if (typeof type !== 'string' || value === undefined) return undefined; // Binary: SNS ignores it
  if (type === 'String.Array' || type === 'Number.Array') {
    let parsed;
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
    if (!Array.isArray(parsed)) return undefined;
    const leaves = [];
    collectLeaves(parsed, leaves);
    return leaves;
  }
  if (type === 'Number' || type.startsWith('Number.')) {
    const number = Number(value);
    return Number.isFinite(number) ? [number] : undefined;
  }
  if (type === 'String' || type.startsWith('String.')) return [value];
  return undefined;
}

function collectLeaves(value, into) {
  if (Array.isArray(value)) {
    for (const item of value) collectLeaves(item, into);
  } else if (value === null || typeof value !== 'object') {
    into.push(value);
  }
  // objects inside a String.Array are not compared (attribute scope has no nesting)
}

/** path -> leaf values of a JSON body; arrays contribute every element, objects in arrays keep their path. */
function bodyValues(body) {
  const values = new Map();
  const walk = (value, path) => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item, path);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) walk(child, path === '' ? key : `${path}.${key}`);
    } else if (path !== '') {
      const list = values.get(path);
      if (list) list.push(value);
      else values.set(path, [value]);
    }
  };
  walk(body, '');
  return values;
}

/** A key is present when it has a value that is not null and not empty (SNS Developer Guide, "Key matching"). */
function present(values) {
  return values !== undefined && values.some((v) => v !== null && v !== '');
}

/** Numbers compare with five digits after the decimal point ("Filter policy constraints in Amazon SNS"). */
const fixed = (n) => Math.round(n * 1e5);

function numericMatch(value, expression) {
  const v = fixed(value);
  for (let i = 0; i < expression.length; i += 2) {
    const operand = fixed(expression[i + 1]);
    switch (expression[i]) {
      case '=':
        if (v !== operand) return false;
        break;
      case '<':
        if (!(v < operand)) return false;
        break;
      case '<=':
        if (!(v <= operand)) return false;
        break;
      case '>':
        if (!(v > operand)) return false;
        break;
      case '>=':
        if (!(v >= operand)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Does one leaf value satisfy one (non-exists) condition? Types are respected: no string/number coercion. */
function leafMatches(condition, value) {
  if (condition === null || typeof condition !== 'object') {
    if (typeof condition === 'number') return typeof value === 'number' && fixed(value) === fixed(condition);
    return value === condition;
  }
  const [operator, operand] = Object.entries(condition)[0] ?? [];
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && value.startsWith(operand);
    case 'suffix':
      return typeof value === 'string' && value.endsWith(operand);
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === operand.toLowerCase();
    case 'numeric':
      return typeof value === 'number' && numericMatch(value, operand);
    case 'cidr':
      return typeof value === 'string' && cidrContains(operand, value);
    case 'anything-but': {
      const excluded = Array.isArray(operand) ? operand : [operand];
      return !excluded.some((e) => leafMatches(e, value));
    }
    default:
      return false;
  }
}

function keyMatches(conditions, values, anyValue) {
  for (const condition of conditions) {
    if (condition !== null && typeof condition === 'object' && 'exists' in condition) {
      // "exists": false matches only when the message has at least one attribute (or body property)
      if (condition.exists ? present(values) : !present(values) && anyValue) return true;
    } else if (values !== undefined) {
      for (const value of values) if (leafMatches(condition, value)) return true;
    }
  }
  return false;
}

function policyMatches(policy, lookup, anyValue, path) {
  for (const [key, rule] of Object.entries(policy)) {
    if (key === '$or' && isOr(rule)) {
      if (!rule.some((branch) => policyMatches(branch, lookup, anyValue, path))) return false;
      continue;
    }
    const keyPath = path === '' ? key : `${path}.${key}`;
    if (Array.isArray(rule)) {
      if (!keyMatches(rule, lookup(keyPath), anyValue)) return false;
    } else if (rule !== null && typeof rule === 'object') {
      if (!policyMatches(rule, lookup, anyValue, keyPath)) return false;
    } else if (!keyMatches([rule], lookup(keyPath), anyValue)) {
      return false;
    }
  }
  return true;
}

/** Typed values of a message's attributes, computed once per message (fauxqs passes the same object to every subscription). */
const attributeValueCache = new WeakMap();

function valuesOfAttributes(attributes) {
  let values = attributeValueCache.get(attributes);
  if (values === undefined) {
    values = new Map();
    for (const [name, attribute] of Object.entries(attributes)) {
      const leaves = attributeValues(attribute);
      if (leaves !== undefined) values.set(name, leaves);
    }
    attributeValueCache.set(attributes, values);
  }
  return values;
}

/** FilterPolicyScope MessageAttributes: `attributes` maps names to {DataType, StringValue|BinaryValue}. */
export function matchesFilterPolicy(policy, attributes) {
  const values = valuesOfAttributes(attributes ?? {});
  return policyMatches(policy, (name) => values.get(name), values.size > 0, '');
}

/** FilterPolicyScope MessageBody: the body must be a JSON object ("Amazon SNS message filtering"). */
export function matchesFilterPolicyOnBody(policy, messageBody) {
  const body = parseBody(messageBody);
  if (body === undefined) return false;
  const values = bodyValues(body);
  return policyMatches(policy, (path) => values.get(path), Object.keys(body).length > 0, '');
}

function parseBody(messageBody) {
  try {
    const body = JSON.parse(messageBody);
    return body !== null && typeof body === 'object' && !Array.isArray(body) ? body : undefined;
  } catch {
    return undefined;
  }
}

/** Kept for fauxqs's module shape: the body's leaf values keyed by dotted path. */
export function parseBodyAsAttributes(messageBody) {
  const body = parseBody(messageBody);
  return body === undefined ? undefined : Object.fromEntries(bodyValues(body));
}
