import type { FlowRecord } from './records';

/**
 * The tasks of an `AWS::AppFlow::Flow` applied to records, as the AppFlow API Reference defines each
 * task type and operator (Task, ConnectorOperator, OperatorPropertiesKeys). AppFlow does not apply
 * the Tasks array in array order but by kind, so the engine does too, each kind in array order:
 *
 * 1. projection (`Filter` with `PROJECTION`): only the listed source fields are read;
 * 2. filters (`Filter` with a comparison): a record that fails one is not transferred (filtered);
 * 3. validations (`Validate`): a record that fails one is dropped (`DropRecord`) or ends the run
 *    with an error and no output (`DropDataset`, the console's "Terminate flow");
 * 4. transforms (`Mask`, `Truncate`): a source field's value is changed in place;
 * 5. computed fields (`Merge`, `Arithmetic`): an intermediate field named by `DestinationField`;
 * 6. mappings (`Map`, `Map_all`, `Passthrough`): the destination record, converted to each
 *    `DESTINATION_DATA_TYPE`.
 *
 * Comparisons use the task's `DATA_TYPE`: numeric types compare numbers, `boolean` booleans,
 * `date`/`datetime`/`timestamp` instants (a `VALUE` is epoch milliseconds or an ISO date), anything
 * else strings. A missing or null value satisfies no comparison.
 */

/** A task as the template gives it (the resolved `Tasks` item). */
export interface FlowTask {
  readonly TaskType: string;
  readonly SourceFields?: readonly string[];
  readonly DestinationField?: string;
  readonly ConnectorOperator?: Readonly<Record<string, string>>;
  readonly TaskProperties?: ReadonlyArray<{ readonly Key: string; readonly Value: string }>;
}

/** A validation with the `DropDataset` action failed: the run ends with an error and writes nothing. */
export class TerminatedRunError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'TerminatedRunError';
  }
}

/** A task the engine cannot apply (an unknown type or operator, a missing property). */
export class TaskDefinitionError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'TaskDefinitionError';
  }
}

/** What the tasks did to a run's records. */
export interface TaskResult {
  /** The destination records. */
  readonly records: FlowRecord[];
  /** Records read from the source. */
  readonly read: number;
  /** Records a filter removed. */
  readonly filtered: number;
  /** Records a validation dropped (`DropRecord`). */
  readonly dropped: number;
}

const NUMERIC = new Set(['integer', 'int', 'long', 'short', 'byte', 'double', 'float', 'decimal', 'number', 'currency', 'percent']);
const INSTANT = new Set(['date', 'datetime', 'timestamp', 'time']);

function operatorOf(task: FlowTask): string {
  const values = Object.values(task.ConnectorOperator ?? {});
  if (values.length !== 1)
    throw new TaskDefinitionError(`a ${task.TaskType} task needs exactly one ConnectorOperator, it has ${values.length}`);
  return values[0];
}

function property(task: FlowTask, key: string): string | undefined {
  return task.TaskProperties?.find((p) => p.Key === key)?.Value;
}

function required(task: FlowTask, key: string): string {
  const value = property(task, key);
  if (value === undefined) throw new TaskDefinitionError(`a ${task.TaskType} task (${operatorOf(task)}) needs the task property ${key}`);
  return value;
}

function field(task: FlowTask, index = 0): string {
  const name = task.SourceFields?.[index];
  if (name === undefined) throw new TaskDefinitionError(`a ${task.TaskType} task (${operatorOf(task)}) needs source field ${index + 1}`);
  return name;
}

function isMissing(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/** A finite number from a record value or a property, or undefined. */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function toInstant(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (/^-?\d+$/.test(value.trim())) return Number(value);
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  return undefined;
}

type Comparable = number | string | boolean;

function comparable(value: unknown, dataType: string): Comparable | undefined {
  const type = dataType.toLowerCase();
  if (NUMERIC.has(type)) return toNumber(value);
  if (INSTANT.has(type)) return toInstant(value);
  if (type === 'boolean') return toBoolean(value);
  if (isMissing(value)) return undefined;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function compare(a: Comparable, b: Comparable): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Whether a record passes a comparison filter. */
function passes(task: FlowTask, record: FlowRecord): boolean {
  const op = operatorOf(task);
  const dataType = property(task, 'DATA_TYPE') ?? 'string';
  const value = comparable(record[field(task)], dataType);
  if (value === undefined) return false;
  const expected = (text: string): Comparable => {
    const c = comparable(text, dataType);
    if (c === undefined)
      throw new TaskDefinitionError(`the ${op} filter on ${field(task)} has a ${dataType} bound that is not one: ${JSON.stringify(text)}`);
    return c;
  };
  const listed = () => {
    const values = property(task, 'VALUES');
    return (values !== undefined ? values.split(',') : [required(task, 'VALUE')]).map(expected);
  };
  switch (op) {
    case 'EQUAL_TO':
      return listed().some((v) => compare(value, v) === 0);
    case 'NOT_EQUAL_TO':
      return listed().every((v) => compare(value, v) !== 0);
    case 'LESS_THAN':
      return compare(value, expected(required(task, 'VALUE'))) < 0;
    case 'LESS_THAN_OR_EQUAL_TO':
      return compare(value, expected(required(task, 'VALUE'))) <= 0;
    case 'GREATER_THAN':
      return compare(value, expected(required(task, 'VALUE'))) > 0;
    case 'GREATER_THAN_OR_EQUAL_TO':
      return compare(value, expected(required(task, 'VALUE'))) >= 0;
    case 'BETWEEN':
      return compare(value, expected(required(task, 'LOWER_BOUND'))) >= 0 && compare(value, expected(required(task, 'UPPER_BOUND'))) <= 0;
    case 'CONTAINS':
      return String(value).includes(String(expected(required(task, 'VALUE'))));
    default:
      throw new TaskDefinitionError(`a Filter task cannot use ${op}`);
  }
}

/** Why a record fails a validation, or undefined when it passes. */
function validationFailure(task: FlowTask, record: FlowRecord): string | undefined {
  const name = field(task);
  const value = record[name];
  const op = operatorOf(task);
  switch (op) {
    case 'VALIDATE_NON_NULL':
      return isMissing(value) ? `${name} is null` : undefined;
    case 'VALIDATE_NON_ZERO':
      return toNumber(value) === 0 ? `${name} is zero` : undefined;
    case 'VALIDATE_NON_NEGATIVE': {
      const n = toNumber(value);
      return n !== undefined && n < 0 ? `${name} is negative (${n})` : undefined;
    }
    case 'VALIDATE_NUMERIC':
      return toNumber(value) === undefined ? `${name} is not numeric (${JSON.stringify(value ?? null)})` : undefined;
    default:
      throw new TaskDefinitionError(`a Validate task cannot use ${op}`);
  }
}

function masked(task: FlowTask, value: unknown): unknown {
  if (isMissing(value)) return value;
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  const mask = required(task, 'MASK_VALUE');
  const chars = [...text];
  const op = operatorOf(task);
  if (op === 'MASK_ALL') return mask.repeat(chars.length);
  const n = Math.min(Number(required(task, 'MASK_LENGTH')), chars.length);
  if (!Number.isInteger(n) || n < 0)
    throw new TaskDefinitionError(`a Mask task needs a whole MASK_LENGTH, it has ${property(task, 'MASK_LENGTH')}`);
  if (op === 'MASK_FIRST_N') return mask.repeat(n) + chars.slice(n).join('');
  if (op === 'MASK_LAST_N') return chars.slice(0, chars.length - n).join('') + mask.repeat(n);
  throw new TaskDefinitionError(`a Mask task cannot use ${op}`);
}

function truncated(task: FlowTask, value: unknown): unknown {
  if (isMissing(value)) return value;
  const length = Number(required(task, 'TRUNCATE_LENGTH'));
  if (!Number.isInteger(length) || length < 0)
    throw new TaskDefinitionError(`a Truncate task needs a whole TRUNCATE_LENGTH, it has ${property(task, 'TRUNCATE_LENGTH')}`);
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return [...text].slice(0, length).join('');
}

function merged(task: FlowTask, record: FlowRecord): string {
  const format = required(task, 'CONCAT_FORMAT');
  const fields = task.SourceFields ?? [];
  const text = (name: string) => {
    const v = record[name];
    return isMissing(v) ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  };
  if (/\$\{[^}]+\}/.test(format)) return format.replace(/\$\{([^}]+)\}/g, (_, name: string) => text(name));
  return fields.map(text).join(format);
}

function computed(task: FlowTask, record: FlowRecord): number | null {
  const order = (property(task, 'MATH_OPERATION_FIELDS_ORDER') ?? (task.SourceFields ?? []).join(',')).split(',');
  if (order.length !== 2)
    throw new TaskDefinitionError(`an Arithmetic task combines two fields, MATH_OPERATION_FIELDS_ORDER names ${order.length}`);
  const [a, b] = order.map((name) => toNumber(record[name]));
  if (a === undefined || b === undefined) return null;
  switch (operatorOf(task)) {
    case 'ADDITION':
      return a + b;
    case 'SUBTRACTION':
      return a - b;
    case 'MULTIPLICATION':
      return a * b;
    case 'DIVISION':
      return b === 0 ? null : a / b;
    default:
      throw new TaskDefinitionError(`an Arithmetic task cannot use ${operatorOf(task)}`);
  }
}

/** A value converted to a destination data type; null when it cannot be. */
export function converted(value: unknown, dataType: string | undefined): unknown {
  if (isMissing(value) || dataType === undefined) return value ?? null;
  const type = dataType.toLowerCase();
  if (type === 'integer' || type === 'int' || type === 'long' || type === 'short' || type === 'byte') {
    const n = toNumber(value);
    return n === undefined ? null : Math.trunc(n);
  }
  if (NUMERIC.has(type)) return toNumber(value) ?? null;
  if (type === 'boolean') return toBoolean(value) ?? null;
  if (type === 'string' || type === 'text' || type === 'id') return typeof value === 'object' ? JSON.stringify(value) : String(value);
  return value;
}

const KINDS = ['Filter', 'Validate', 'Mask', 'Truncate', 'Merge', 'Arithmetic', 'Map', 'Map_all', 'Passthrough'];

/** Applies a flow's tasks to the records of one run (see the module comment for the order). */
export function applyTasks(tasks: readonly FlowTask[], input: readonly FlowRecord[]): TaskResult {
  for (const task of tasks) {
    if (!KINDS.includes(task.TaskType)) throw new TaskDefinitionError(`task type ${task.TaskType} is not run locally`);
  }
  const projection = tasks.find((t) => t.TaskType === 'Filter' && operatorOf(t) === 'PROJECTION');
  const filters = tasks.filter((t) => t.TaskType === 'Filter' && t !== projection);
  const validations = tasks.filter((t) => t.TaskType === 'Validate');
  const transforms = tasks.filter((t) => t.TaskType === 'Mask' || t.TaskType === 'Truncate');
  const computations = tasks.filter((t) => t.TaskType === 'Merge' || t.TaskType === 'Arithmetic');
  const mappings = tasks.filter((t) => t.TaskType === 'Map' || t.TaskType === 'Map_all' || t.TaskType === 'Passthrough');
  if (mappings.length === 0) throw new TaskDefinitionError('the flow has no Map, Map_all or Passthrough task: nothing would be written');

  let filtered = 0;
  let dropped = 0;
  const output: FlowRecord[] = [];
  input.forEach((source, index) => {
    const record: FlowRecord = projection
      ? Object.fromEntries((projection.SourceFields ?? []).filter((f) => f in source).map((f) => [f, source[f]]))
      : { ...source };
    if (!filters.every((t) => passes(t, record))) {
      filtered += 1;
      return;
    }
    for (const task of validations) {
      const failure = validationFailure(task, record);
      if (failure === undefined) continue;
      const action = property(task, 'VALIDATION_ACTION') ?? 'DropRecord';
      if (action === 'DropDataset' || action === 'TerminateFlow') {
        throw new TerminatedRunError(`validation ${operatorOf(task)} failed for record ${index + 1}: ${failure}; the run was terminated`);
      }
      if (action !== 'DropRecord') throw new TaskDefinitionError(`VALIDATION_ACTION ${action} is not DropRecord or DropDataset`);
      dropped += 1;
      return;
    }
    for (const task of transforms) {
      const name = field(task);
      if (!(name in record)) continue;
      record[name] = task.TaskType === 'Mask' ? masked(task, record[name]) : truncated(task, record[name]);
    }
    for (const task of computations) {
      const name = task.DestinationField ?? (task.SourceFields ?? []).join(',');
      record[name] = task.TaskType === 'Merge' ? merged(task, record) : computed(task, record);
    }
    const out: FlowRecord = {};
    for (const task of mappings) {
      if (task.TaskType === 'Map_all') {
        const excluded = JSON.parse(property(task, 'EXCLUDE_SOURCE_FIELDS_LIST') ?? '[]') as string[];
        for (const [name, value] of Object.entries(source)) if (!excluded.includes(name)) out[name] = name in record ? record[name] : value;
        continue;
      }
      const from = field(task);
      out[task.DestinationField ?? from] = converted(record[from], property(task, 'DESTINATION_DATA_TYPE'));
    }
    output.push(out);
  });
  return { records: output, read: input.length, filtered, dropped };
}
