// Resolves the CloudFormation intrinsic functions of a synthesized template, so that the local runtime
// can hand plain values (queue URLs, table names, ARNs) to the emulators and to the handlers.

/** What the resolver knows of the stack being run locally: pseudo parameters, resources, parameters, conditions. */
export interface ResolveContext {
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly stackName: string;
  readonly stackId: string;
  readonly urlSuffix: string;
  /** The template's Mappings section, for Fn::FindInMap; without it Fn::FindInMap throws. */
  readonly mappings?: Record<string, Record<string, Record<string, unknown>>>;
  /** The Ref value of a resource, or undefined when the local runtime does not know it. */
  ref(logicalId: string): string | undefined;
  /** An attribute of a resource, or undefined when the local runtime does not know it. */
  getAtt(logicalId: string, attribute: string): unknown;
  /** The value of a template parameter, or undefined when there is none of that name. */
  parameter?(name: string): unknown;
  /** Whether a condition of the template holds; without it Fn::If and Condition throw. */
  condition?(name: string): boolean;
  /** The resource type of a logical ID (e.g. AWS::Lambda::Function), used to explain what cannot be resolved. */
  typeOf?(logicalId: string): string | undefined;
}

/** A template expression the local runtime cannot resolve; the one-line message names where it is and what it is. */
export class IntrinsicError extends Error {
  /** Why it cannot be resolved, e.g. `Unsupported intrinsic Fn::ImportValue`. */
  readonly reason: string;
  /** Where the expression is in the template, e.g. `Resources.Fn.Properties.Environment.Variables.TABLE`. */
  readonly where: string;
  /** The expression itself. */
  readonly expression: unknown;

  constructor(reason: string, where: string, expression: unknown) {
    super(oneLine(`${reason} at ${where}: ${compactJson(expression)}`));
    this.name = 'IntrinsicError';
    this.reason = reason;
    this.where = where;
    this.expression = expression;
  }
}

/**
 * Deep-resolves the intrinsic functions in `value` (objects and arrays included); plain data is returned as is.
 * `Ref: AWS::NoValue` removes its key from an object or its element from an array; at the top it gives undefined.
 * `where` is the template path of `value`, used in error messages. Throws IntrinsicError.
 */
export function resolve(value: unknown, ctx: ResolveContext, where: string): unknown {
  const resolved = resolveValue(value, ctx, where);
  return resolved === NO_VALUE ? undefined : resolved;
}

/**
 * Resolves each value of a record (e.g. a function's environment variables), dropping the keys that resolve to
 * AWS::NoValue. The record itself is never taken for an intrinsic, even with a single `Ref` key.
 */
export function resolveAll<T>(values: Record<string, T>, ctx: ResolveContext, where: string): Record<string, unknown> {
  return resolveEntries(values, ctx, where);
}

/** What `Ref: AWS::NoValue` resolves to until its enclosing object or array drops it. */
const NO_VALUE = Symbol('AWS::NoValue');

/** The intrinsic being resolved: its template path, the whole expression and the function name. */
interface Site {
  readonly where: string;
  readonly expression: unknown;
  readonly fn: string;
}

type Handler = (arg: unknown, ctx: ResolveContext, site: Site) => unknown;

function resolveValue(value: unknown, ctx: ResolveContext, where: string): unknown {
  if (Array.isArray(value)) return resolveArray(value, ctx, where);
  if (!isRecord(value)) return value;
  const fn = intrinsicName(value);
  if (fn === undefined) return resolveEntries(value, ctx, where);
  const handler = HANDLERS.get(fn);
  const site: Site = { where, expression: value, fn };
  if (handler === undefined) return fail(site, `Unsupported intrinsic ${fn}`);
  return handler(value[fn], ctx, site);
}

function resolveArray(values: readonly unknown[], ctx: ResolveContext, where: string): unknown[] {
  return values.map((item, i) => resolveValue(item, ctx, `${where}[${i}]`)).filter((item) => item !== NO_VALUE);
}

function resolveEntries(values: Record<string, unknown>, ctx: ResolveContext, where: string): Record<string, unknown> {
  const entries = Object.entries(values).map(([key, item]) => [key, resolveValue(item, ctx, `${where}.${key}`)] as const);
  // fromEntries defines own properties, so a `__proto__` key stays data.
  return Object.fromEntries(entries.filter(([, item]) => item !== NO_VALUE));
}

/** The function name when `value` is an intrinsic: a single key starting with `Fn::`, or `Ref`, or `Condition`. */
function intrinsicName(value: Record<string, unknown>): string | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const [key] = keys;
  return key.startsWith('Fn::') || key === 'Ref' || key === 'Condition' ? key : undefined;
}

// --- Ref and Fn::GetAtt

function ref(arg: unknown, ctx: ResolveContext, site: Site): unknown {
  if (typeof arg !== 'string') return malformed(site, 'a logical ID or a pseudo parameter');
  return refTo(arg, ctx, site);
}

function refTo(name: string, ctx: ResolveContext, site: Site): unknown {
  if (name.startsWith('AWS::')) return pseudoParameter(name, ctx, site);
  const parameter = ctx.parameter?.(name);
  if (parameter !== undefined) return parameter;
  const id = ctx.ref(name);
  if (id !== undefined) return id;
  return fail(site, `cannot resolve Ref to ${name} (${whyUnknown(name, ctx)})`);
}

function pseudoParameter(name: string, ctx: ResolveContext, site: Site): unknown {
  switch (name) {
    case 'AWS::Region':
      return ctx.region;
    case 'AWS::AccountId':
      return ctx.accountId;
    case 'AWS::Partition':
      return ctx.partition;
    case 'AWS::StackName':
      return ctx.stackName;
    case 'AWS::StackId':
      return ctx.stackId;
    case 'AWS::URLSuffix':
      return ctx.urlSuffix;
    case 'AWS::NoValue':
      return NO_VALUE;
    default:
      return fail(site, `Unsupported pseudo parameter ${name}`);
  }
}

function getAtt(arg: unknown, ctx: ResolveContext, site: Site): unknown {
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    if (dot <= 0 || dot === arg.length - 1) return malformed(site, '"LogicalId.Attribute"');
    return getAttOf(arg.slice(0, dot), arg.slice(dot + 1), ctx, site);
  }
  if (!isTuple(arg, 2) || typeof arg[0] !== 'string') return malformed(site, '[logicalId, attribute]');
  const attribute = resolveValue(arg[1], ctx, inner(site, '[1]'));
  if (typeof attribute !== 'string') return malformed(site, '[logicalId, attribute]');
  return getAttOf(arg[0], attribute, ctx, site);
}

function getAttOf(logicalId: string, attribute: string, ctx: ResolveContext, site: Site): unknown {
  const value = ctx.getAtt(logicalId, attribute);
  if (value !== undefined) return value;
  return fail(site, `cannot resolve Fn::GetAtt to ${logicalId}.${attribute} (${whyNoAttribute(logicalId, attribute, ctx)})`);
}

/** Why a logical ID has no value: its type is not emulated, it is not in the template, or the runtime cannot tell. */
function whyUnknown(logicalId: string, ctx: ResolveContext): string {
  if (ctx.typeOf === undefined) return 'not known to the local runtime';
  const type = ctx.typeOf(logicalId);
  return type === undefined ? 'not in the template' : `${type} is not emulated`;
}

/** Why an attribute has no value: the resource is unknown, or it is emulated but not that attribute. */
function whyNoAttribute(logicalId: string, attribute: string, ctx: ResolveContext): string {
  if (ctx.ref(logicalId) === undefined) return whyUnknown(logicalId, ctx);
  const type = ctx.typeOf?.(logicalId);
  return type === undefined ? `attribute ${attribute} is not emulated` : `attribute ${attribute} of ${type} is not emulated`;
}

// --- Strings and lists

function join(arg: unknown, ctx: ResolveContext, site: Site): string {
  if (!isTuple(arg, 2) || typeof arg[0] !== 'string') return malformed(site, '[delimiter, [values]]');
  const values = resolveValue(arg[1], ctx, inner(site, '[1]'));
  if (!Array.isArray(values)) return malformed(site, '[delimiter, [values]]');
  return values.map((value, i) => scalar(value) ?? fail(site, `Fn::Join value ${i} is not a string`)).join(arg[0]);
}

function sub(arg: unknown, ctx: ResolveContext, site: Site): string {
  const [template, variables] = subArguments(arg, ctx, site);
  return template.replace(/\$\{([^}]*)\}/g, (_match, name: string) => subVariable(name, variables, ctx, site));
}

function subArguments(arg: unknown, ctx: ResolveContext, site: Site): [string, Record<string, unknown>] {
  if (typeof arg === 'string') return [arg, {}];
  if (!isTuple(arg, 2) || typeof arg[0] !== 'string' || !isRecord(arg[1])) return malformed(site, 'a template or [template, {variables}]');
  return [arg[0], resolveEntries(arg[1], ctx, inner(site, '[1]'))];
}

/** One `${...}` of Fn::Sub: a `!` escape, a variable, a pseudo parameter, `Logical` (Ref) or `Logical.Attr` (GetAtt). */
function subVariable(name: string, variables: Record<string, unknown>, ctx: ResolveContext, site: Site): string {
  if (name.startsWith('!')) return `\${${name.slice(1)}}`;
  if (name === '') return fail(site, 'Malformed Fn::Sub (empty variable name)');
  const dot = name.indexOf('.');
  const value = Object.hasOwn(variables, name)
    ? variables[name]
    : dot < 0
      ? refTo(name, ctx, site)
      : getAttOf(name.slice(0, dot), name.slice(dot + 1), ctx, site);
  return scalar(value) ?? fail(site, `Fn::Sub variable \${${name}} is not a string`);
}

function select(arg: unknown, ctx: ResolveContext, site: Site): unknown {
  if (!isTuple(arg, 2)) return malformed(site, '[index, [values]]');
  const index = indexOf(resolveValue(arg[0], ctx, inner(site, '[0]')));
  const values = resolveValue(arg[1], ctx, inner(site, '[1]'));
  if (index === undefined || !Array.isArray(values)) return malformed(site, '[index, [values]]');
  if (index >= values.length) return fail(site, `Fn::Select index ${index} is out of range for ${values.length} values`);
  return values[index];
}

function split(arg: unknown, ctx: ResolveContext, site: Site): string[] {
  if (!isTuple(arg, 2) || typeof arg[0] !== 'string' || arg[0] === '') return malformed(site, '[delimiter, string]');
  const source = resolveValue(arg[1], ctx, inner(site, '[1]'));
  if (typeof source !== 'string') return malformed(site, '[delimiter, string]');
  return source.split(arg[0]);
}

function base64(arg: unknown, ctx: ResolveContext, site: Site): string {
  const text = resolveValue(arg, ctx, inner(site));
  if (typeof text !== 'string') return malformed(site, 'a string');
  return Buffer.from(text, 'utf8').toString('base64');
}

function getAZs(arg: unknown, ctx: ResolveContext, site: Site): string[] {
  const region = resolveValue(arg, ctx, inner(site));
  if (typeof region !== 'string') return malformed(site, 'a region or ""');
  const name = region === '' ? ctx.region : region;
  return ['a', 'b', 'c'].map((zone) => `${name}${zone}`);
}

function findInMap(arg: unknown, ctx: ResolveContext, site: Site): unknown {
  if (ctx.mappings === undefined) return fail(site, 'cannot resolve Fn::FindInMap (no mappings in the local runtime)');
  if (!isTuple(arg, 3)) return malformed(site, '[map, topLevelKey, secondLevelKey]');
  const keys = arg.map((key, i) => resolveValue(key, ctx, inner(site, `[${i}]`)));
  if (!keys.every((key): key is string => typeof key === 'string')) return malformed(site, '[map, topLevelKey, secondLevelKey]');
  const [mapName, topKey, secondKey] = keys;
  const map = lookup(ctx.mappings, mapName) ?? fail(site, `cannot resolve Fn::FindInMap (no mapping ${mapName})`);
  const top = lookup(map, topKey) ?? fail(site, `cannot resolve Fn::FindInMap (no key ${topKey} in mapping ${mapName})`);
  const value = lookup(top, secondKey);
  return value ?? fail(site, `cannot resolve Fn::FindInMap (no key ${topKey}.${secondKey} in mapping ${mapName})`);
}

// --- Conditions

function ifThenElse(arg: unknown, ctx: ResolveContext, site: Site): unknown {
  if (!isTuple(arg, 3) || typeof arg[0] !== 'string') return malformed(site, '[condition, valueIfTrue, valueIfFalse]');
  // Only the chosen branch is resolved: the other may name resources that do not exist under this condition.
  const branch = evaluate(arg[0], ctx, site) ? 1 : 2;
  return resolveValue(arg[branch], ctx, inner(site, `[${branch}]`));
}

function condition(arg: unknown, ctx: ResolveContext, site: Site): boolean {
  if (typeof arg !== 'string') return malformed(site, 'a condition name');
  return evaluate(arg, ctx, site);
}

function evaluate(name: string, ctx: ResolveContext, site: Site): boolean {
  if (ctx.condition === undefined) return fail(site, `cannot evaluate condition ${name} (no conditions in the local runtime)`);
  return ctx.condition(name);
}

const HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['Ref', ref],
  ['Fn::GetAtt', getAtt],
  ['Fn::Join', join],
  ['Fn::Sub', sub],
  ['Fn::Select', select],
  ['Fn::Split', split],
  ['Fn::If', ifThenElse],
  ['Condition', condition],
  ['Fn::Base64', base64],
  ['Fn::GetAZs', getAZs],
  ['Fn::FindInMap', findInMap],
]);

// --- Helpers

function fail(site: Site, reason: string): never {
  throw new IntrinsicError(reason, site.where, site.expression);
}

function malformed(site: Site, expected: string): never {
  return fail(site, `Malformed ${site.fn} (expected ${expected})`);
}

/** The template path of an intrinsic's arguments, e.g. `Resources.X.Properties.Y.Fn::Join[1]`. */
function inner(site: Site, suffix = ''): string {
  return `${site.where}.${site.fn}${suffix}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTuple(value: unknown, length: number): value is unknown[] {
  return Array.isArray(value) && value.length === length;
}

/** A string, number or boolean as text (templates may carry numbers where strings are meant); else undefined. */
function scalar(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

/** A non-negative integer index, as a number or a string of digits; else undefined. */
function indexOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** An own property of a record (never an inherited one such as `constructor`). */
function lookup<V>(record: Record<string, V>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function compactJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}
