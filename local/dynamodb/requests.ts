/**
 * Requests of the local DynamoDB emulator: errors in the DynamoDB JSON error shape (ServiceError),
 * readers that validate request parameters as the service does, and the readers of expression
 * attributes and of condition, filter and projection expressions.
 */
import {
  type AttributeMap,
  type AttributeValue,
  type Condition,
  type ExpressionAttributes,
  evaluateCondition,
  type Path,
  parseCondition,
  parseProjection,
  toAttributeValue,
} from './expressions';

export type Input = Readonly<Record<string, unknown>>;
export type Output = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Errors, in the DynamoDB JSON error shape.
// ---------------------------------------------------------------------------------------------

export const DYNAMODB = 'com.amazonaws.dynamodb.v20120810#';
export const VALIDATION = 'com.amazon.coral.validate#ValidationException';
export const UNKNOWN_OPERATION = 'com.amazon.coral.service#UnknownOperationException';

/** An error answered as `{"__type": type, "message": message, ...extra}` with the given status. */
export class ServiceError extends Error {
  public constructor(
    public readonly type: string,
    message: string,
    public readonly extra: Output = {},
    public readonly status = 400,
  ) {
    super(message);
    this.name = type.slice(type.indexOf('#') + 1);
  }
}

export function validation(message: string): ServiceError {
  return new ServiceError(VALIDATION, message);
}

export function notFound(message = 'Requested resource not found'): ServiceError {
  return new ServiceError(`${DYNAMODB}ResourceNotFoundException`, message);
}

function conditionFailed(existing: AttributeMap | undefined): ServiceError {
  // Exactly as the service: `Item` only when ReturnValuesOnConditionCheckFailure=ALL_OLD and an item exists.
  return new ServiceError(
    `${DYNAMODB}ConditionalCheckFailedException`,
    'The conditional request failed',
    existing ? { Item: existing } : {},
  );
}

// ---------------------------------------------------------------------------------------------
// Reading request parameters.
// ---------------------------------------------------------------------------------------------

export function isRecord(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw);
}

function memberName(field: string): string {
  return field.charAt(0).toLowerCase() + field.slice(1);
}

export function required(input: Input, field: string): unknown {
  const value = input[field];
  if (value === undefined || value === null) {
    throw validation(
      `1 validation error detected: Value null at '${memberName(field)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

export function optionalString(input: Input, field: string): string | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw validation(`${field} must be a string`);
  return value;
}

export function requiredString(input: Input, field: string): string {
  required(input, field);
  return optionalString(input, field) as string;
}

export function optionalBoolean(input: Input, field: string): boolean | undefined {
  const value = input[field];
  if (value !== undefined && typeof value !== 'boolean') throw validation(`${field} must be a boolean`);
  return value;
}

export function optionalInteger(input: Input, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw validation(`${field} must be an integer`);
  if (value < min || value > max) {
    const bound = value < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`;
    throw validation(
      `1 validation error detected: Value '${value}' at '${memberName(field)}' failed to satisfy constraint: Member must have value ${bound}`,
    );
  }
  return value;
}

export function optionalEnum<T extends string>(input: Input, field: string, allowed: readonly T[], fallback: T): T {
  const value = input[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const set = `[${allowed.join(', ')}]`;
    throw validation(
      `1 validation error detected: Value '${String(value)}' at '${memberName(field)}' failed to satisfy constraint: Member must satisfy enum value set: ${set}`,
    );
  }
  return value as T;
}

export function requiredArray(input: Input, field: string): unknown[] {
  const value = required(input, field);
  if (!Array.isArray(value) || value.length === 0) throw validation(`${field} must be a non-empty list`);
  return value;
}

/** Legacy parameters and features the emulator does not have: rejected rather than silently ignored. */
export function rejectUnsupported(input: Input, fields: readonly string[]): void {
  for (const field of fields) {
    const value = input[field];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
      throw validation(`${field} is not supported by the local DynamoDB emulator`);
    }
  }
}

export const LEGACY = [
  'AttributesToGet',
  'AttributeUpdates',
  'ConditionalOperator',
  'Expected',
  'KeyConditions',
  'QueryFilter',
  'ScanFilter',
];

export function readOnFailure(input: Input): 'NONE' | 'ALL_OLD' {
  return optionalEnum(input, 'ReturnValuesOnConditionCheckFailure', ['NONE', 'ALL_OLD'], 'NONE');
}

// ---------------------------------------------------------------------------------------------
// Expression attributes and expressions.
// ---------------------------------------------------------------------------------------------

export interface RequestAttributes extends ExpressionAttributes {
  readonly used: Set<string>;
}

function readPlaceholders(input: Input, field: string, pattern: RegExp): Array<[string, unknown]> | undefined {
  const raw = input[field];
  if (raw === undefined) return undefined;
  if (!isRecord(raw)) throw validation(`${field} must be a map`);
  const entries = Object.entries(raw);
  if (entries.length === 0) throw validation(`${field} must not be empty`);
  for (const [key] of entries) {
    if (!pattern.test(key)) throw validation(`${field} contains invalid key: Syntax error; key: "${key}"`);
  }
  return entries;
}

function readNames(input: Input): Record<string, string> | undefined {
  const entries = readPlaceholders(input, 'ExpressionAttributeNames', /^#[A-Za-z0-9_]+$/);
  if (!entries) return undefined;
  for (const [key, name] of entries) {
    if (typeof name !== 'string' || name === '')
      throw validation(`ExpressionAttributeNames contains invalid value: Empty attribute name; for key: "${key}"`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function readValues(input: Input): Record<string, AttributeValue> | undefined {
  const entries = readPlaceholders(input, 'ExpressionAttributeValues', /^:[A-Za-z0-9_]+$/);
  if (!entries) return undefined;
  return Object.fromEntries(entries.map(([key, value]) => [key, toAttributeValue(value, `ExpressionAttributeValues[${key}]`)]));
}

export function readExpressionAttributes(input: Input): RequestAttributes {
  return { names: readNames(input), values: readValues(input), used: new Set() };
}

/** The service rejects placeholders that no expression of the request uses. */
export function assertAllUsed(attributes: RequestAttributes): void {
  for (const [field, map] of [
    ['ExpressionAttributeNames', attributes.names],
    ['ExpressionAttributeValues', attributes.values],
  ] as const) {
    const unused = Object.keys(map ?? {}).filter((key) => !attributes.used.has(key));
    if (unused.length > 0) throw validation(`Value provided in ${field} unused in expressions: keys: {${unused.join(', ')}}`);
  }
}

export function optionalCondition(
  input: Input,
  field: 'ConditionExpression' | 'FilterExpression',
  attributes: RequestAttributes,
): Condition | undefined {
  const text = optionalString(input, field);
  return text === undefined ? undefined : parseCondition(text, attributes, field);
}

export function optionalProjection(input: Input, attributes: RequestAttributes): Path[] | undefined {
  const text = optionalString(input, 'ProjectionExpression');
  return text === undefined ? undefined : parseProjection(text, attributes);
}

export function checkCondition(condition: Condition | undefined, existing: AttributeMap | undefined, onFailure: 'NONE' | 'ALL_OLD'): void {
  if (!condition || evaluateCondition(condition, existing ?? {})) return;
  throw conditionFailed(onFailure === 'ALL_OLD' ? existing : undefined);
}
