// EventBridge event patterns, as the EventBridge User Guide ("Event patterns", "Content filtering",
// "Comparison operators") and its reference implementation, aws/event-ruler, define them: a pattern
// mirrors the event's structure; every leaf is an array of values or operators, any of which may
// match (OR); all fields must match (AND); `$or` picks among alternative sub-patterns.
import { BlockList, isIP } from 'node:net';

/** An invalid event pattern: PutRule and CloudFormation refuse it (InvalidEventPatternException). */
export class InvalidEventPatternError extends Error {
  public constructor(message: string) {
    super(`Event pattern is not valid. Reason: ${message}`);
    this.name = 'InvalidEventPatternException';
  }
}

/** A compiled event pattern. */
export interface EventMatcher {
  /** Whether the event (a parsed JSON object) matches. */
  matches(event: unknown): boolean;
}

/** Numeric matching works on values from -5.0e9 to +5.0e9 ("Content filtering", numeric matching). */
const NUMERIC_BOUND = 5e9;
/** `$or` arrays may expand to at most 1,000 combinations ("Content filtering"). */
const MAX_OR_COMBINATIONS = 1000;
const OPERATORS = new Set(['prefix', 'suffix', 'anything-but', 'numeric', 'exists', 'cidr', 'equals-ignore-case', 'wildcard']);

type Leaf = string | number | boolean | null;
type ValueTest = (value: Leaf) => boolean;
/** One entry of a leaf array: an exact value or an operator. `exists` is special: it looks at presence. */
type Condition = { readonly kind: 'value'; readonly test: ValueTest } | { readonly kind: 'exists'; readonly present: boolean };
type Node = {
  readonly fields: ReadonlyArray<readonly [string, Node | Condition[]]>;
  readonly alternatives: ReadonlyArray<readonly Node[]>;
};

/** Parses and validates an event pattern (an object or its JSON text); throws {@link InvalidEventPatternError}. */
export function compilePattern(pattern: unknown): EventMatcher {
  let parsed = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch {
      throw new InvalidEventPatternError('the pattern is not JSON');
    }
  }
  if (!isObject(parsed) || Object.keys(parsed).length === 0)
    throw new InvalidEventPatternError('the pattern must be a non-empty JSON object');
  const root = compileNode(parsed, '');
  const combinations = countCombinations(root);
  if (combinations > MAX_OR_COMBINATIONS) {
    throw new InvalidEventPatternError(`$or expands to ${combinations} rule combinations, more than ${MAX_OR_COMBINATIONS}`);
  }
  return { matches: (event) => matchNode(root, event) };
}

/** Whether `event` matches `pattern` (validated on each call; compile once with {@link compilePattern} to reuse). */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  return compilePattern(pattern).matches(event);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOrArray(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.length >= 2 && value.every((v) => isObject(v) && !Object.keys(v).some((k) => OPERATORS.has(k)));
}

function compileNode(pattern: Record<string, unknown>, path: string): Node {
  const fields: Array<readonly [string, Node | Condition[]]> = [];
  const alternatives: Node[][] = [];
  for (const [key, value] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or' && isOrArray(value)) {
      alternatives.push(value.map((alternative, i) => compileNode(alternative, `${at}[${i}]`)));
    } else if (Array.isArray(value)) {
      if (value.length === 0) throw new InvalidEventPatternError(`${at}: an empty array matches nothing`);
      fields.push([key, value.map((entry) => compileCondition(entry, at))]);
    } else if (isObject(value)) {
      if (Object.keys(value).length === 0) throw new InvalidEventPatternError(`${at}: an empty object matches nothing`);
      fields.push([key, compileNode(value, at)]);
    } else {
      throw new InvalidEventPatternError(`${at}: match values must be inside an array, got ${JSON.stringify(value)}`);
    }
  }
  return { fields, alternatives };
}

function countCombinations(node: Node): number {
  let total = 1;
  for (const [, child] of node.fields) if (!Array.isArray(child)) total *= countCombinations(child as Node);
  for (const alternatives of node.alternatives) total *= alternatives.reduce((sum, n) => sum + countCombinations(n), 0);
  return total;
}

function compileCondition(entry: unknown, at: string): Condition {
  if (entry === null || typeof entry === 'string' || typeof entry === 'boolean') return { kind: 'value', test: (v) => v === entry };
  if (typeof entry === 'number') return { kind: 'value', test: (v) => typeof v === 'number' && v === entry };
  if (!isObject(entry)) throw new InvalidEventPatternError(`${at}: ${JSON.stringify(entry)} is neither a value nor an operator`);
  const keys = Object.keys(entry);
  if (keys.length !== 1) throw new InvalidEventPatternError(`${at}: an operator object has exactly one key, got ${JSON.stringify(entry)}`);
  const [operator] = keys;
  const operand = entry[operator];
  const where = `${at}: ${operator}`;
  switch (operator) {
    case 'exists':
      if (typeof operand !== 'boolean') throw new InvalidEventPatternError(`${where} takes true or false`);
      return { kind: 'exists', present: operand };
    case 'prefix':
      return {
        kind: 'value',
        test: stringTest(
          operand,
          where,
          (v, s) => v.startsWith(s),
          (v, s) => lower(v).startsWith(lower(s)),
        ),
      };
    case 'suffix':
      return {
        kind: 'value',
        test: stringTest(
          operand,
          where,
          (v, s) => v.endsWith(s),
          (v, s) => lower(v).endsWith(lower(s)),
        ),
      };
    case 'equals-ignore-case': {
      const s = requireString(operand, where);
      return { kind: 'value', test: (v) => typeof v === 'string' && equalsIgnoreCase(v, s) };
    }
    case 'wildcard': {
      const regex = wildcardRegex(requireString(operand, where), where);
      return { kind: 'value', test: (v) => typeof v === 'string' && regex.test(v) };
    }
    case 'numeric':
      return { kind: 'value', test: numericTest(operand, where) };
    case 'cidr':
      return { kind: 'value', test: cidrTest(operand, where) };
    case 'anything-but':
      return { kind: 'value', test: anythingButTest(operand, where) };
    default:
      throw new InvalidEventPatternError(`${at}: unknown operator ${JSON.stringify(operator)}`);
  }
}

function requireString(operand: unknown, where: string): string {
  if (typeof operand !== 'string') throw new InvalidEventPatternError(`${where} takes a string, got ${JSON.stringify(operand)}`);
  return operand;
}

function lower(s: string): string {
  return s.toLowerCase();
}

function equalsIgnoreCase(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase() || a.toUpperCase() === b.toUpperCase();
}

/** prefix / suffix: a string, or `{ "equals-ignore-case": string }`; only string values match. */
function stringTest(
  operand: unknown,
  where: string,
  exact: (value: string, operand: string) => boolean,
  ignoreCase: (value: string, operand: string) => boolean,
): ValueTest {
  if (typeof operand === 'string') return (v) => typeof v === 'string' && exact(v, operand);
  if (isObject(operand) && Object.keys(operand).length === 1 && typeof operand['equals-ignore-case'] === 'string') {
    const s = operand['equals-ignore-case'] as string;
    return (v) => typeof v === 'string' && ignoreCase(v, s);
  }
  throw new InvalidEventPatternError(`${where} takes a string or {"equals-ignore-case": string}, got ${JSON.stringify(operand)}`);
}

/**
 * A wildcard value: `*` matches any run of characters, `\*` a literal asterisk, `\\` a literal
 * backslash; two consecutive wildcards and any other escape are invalid.
 */
function wildcardRegex(pattern: string, where: string): RegExp {
  let source = '';
  let previousWildcard = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') throw new InvalidEventPatternError(`${where}: a backslash may only escape * or \\`);
      source += `\\${next}`;
      i++;
      previousWildcard = false;
    } else if (c === '*') {
      if (previousWildcard) throw new InvalidEventPatternError(`${where}: consecutive wildcard characters are not allowed`);
      source += '.*';
      previousWildcard = true;
    } else {
      source += c.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
      previousWildcard = false;
    }
  }
  return new RegExp(`^${source}$`, 's');
}

const NUMERIC_OPERATORS = new Set(['=', '<', '<=', '>', '>=']);

/** `[op, n]` or `[lowerOp, n, upperOp, m]`; only JSON numbers match. */
function numericTest(operand: unknown, where: string): ValueTest {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    throw new InvalidEventPatternError(`${where} takes [operator, number] or [operator, number, operator, number]`);
  }
  const tests: ValueTest[] = [];
  const seen: string[] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i];
    const n = operand[i + 1];
    if (typeof op !== 'string' || !NUMERIC_OPERATORS.has(op))
      throw new InvalidEventPatternError(`${where}: unknown operator ${JSON.stringify(op)}`);
    if (typeof n !== 'number' || !Number.isFinite(n) || Math.abs(n) > NUMERIC_BOUND) {
      throw new InvalidEventPatternError(`${where}: ${JSON.stringify(n)} is not a number between -5.0e9 and 5.0e9`);
    }
    seen.push(op);
    tests.push((v) => {
      const x = v as number;
      switch (op) {
        case '=':
          return x === n;
        case '<':
          return x < n;
        case '<=':
          return x <= n;
        case '>':
          return x > n;
        default:
          return x >= n;
      }
    });
  }
  if (seen.length === 2) {
    const [first, second] = seen;
    if (!(first === '>' || first === '>=') || !(second === '<' || second === '<=')) {
      throw new InvalidEventPatternError(`${where}: a range is a lower bound (> or >=) then an upper bound (< or <=)`);
    }
    if ((operand[1] as number) >= (operand[3] as number)) throw new InvalidEventPatternError(`${where}: the range is empty`);
  }
  return (v) => typeof v === 'number' && Math.abs(v) <= NUMERIC_BOUND && tests.every((t) => t(v));
}

/** An IPv4 or IPv6 CIDR block; only string values that are IP addresses inside it match. */
function cidrTest(operand: unknown, where: string): ValueTest {
  const text = requireString(operand, where);
  const [network, bits, ...rest] = text.split('/');
  const family = isIP(network ?? '');
  const prefix = Number(bits);
  if (rest.length > 0 || family === 0 || !/^\d+$/.test(bits ?? '') || prefix > (family === 4 ? 32 : 128)) {
    throw new InvalidEventPatternError(`${where}: ${JSON.stringify(text)} is not a CIDR block`);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return (v) => typeof v === 'string' && isIP(v) === family && list.check(v, type);
}

/**
 * anything-but: a string, a number, a list of only strings or only numbers (matches any other
 * value), or one of prefix, suffix, equals-ignore-case, wildcard with a string or a list of strings
 * (matches any string value that none of them matches).
 */
function anythingButTest(operand: unknown, where: string): ValueTest {
  if (typeof operand === 'string' || typeof operand === 'number') return (v) => v !== operand;
  if (Array.isArray(operand)) {
    const strings = operand.every((o) => typeof o === 'string');
    const numbers = operand.every((o) => typeof o === 'number');
    if (operand.length === 0 || (!strings && !numbers)) {
      throw new InvalidEventPatternError(`${where} takes a non-empty list of only strings or only numbers`);
    }
    return (v) => !(operand as Leaf[]).includes(v);
  }
  if (isObject(operand) && Object.keys(operand).length === 1) {
    const [inner] = Object.keys(operand);
    const values = [operand[inner]].flat();
    if (values.length === 0 || values.some((s) => typeof s !== 'string')) {
      throw new InvalidEventPatternError(`${where}: ${inner} takes a string or a list of strings`);
    }
    const list = values as string[];
    let test: (v: string, s: string) => boolean;
    switch (inner) {
      case 'prefix':
        test = (v, s) => v.startsWith(s);
        break;
      case 'suffix':
        test = (v, s) => v.endsWith(s);
        break;
      case 'equals-ignore-case':
        test = equalsIgnoreCase;
        break;
      case 'wildcard': {
        const regexes = list.map((s) => wildcardRegex(s, `${where}.wildcard`));
        return (v) => typeof v === 'string' && !regexes.some((r) => r.test(v));
      }
      default:
        throw new InvalidEventPatternError(`${where}: ${JSON.stringify(inner)} cannot be combined with anything-but`);
    }
    return (v) => typeof v === 'string' && !list.some((s) => test(v, s));
  }
  throw new InvalidEventPatternError(`${where}: ${JSON.stringify(operand)} is not a valid anything-but operand`);
}

/**
 * The leaf values of `value`: itself when it is a JSON scalar (null included), the scalars inside an
 * array (nested arrays crushed); an object is not a leaf, and neither is an absent field.
 */
function leaves(value: unknown): Leaf[] {
  if (value === undefined || isObject(value)) return [];
  if (Array.isArray(value)) return value.flatMap(leaves);
  return [value as Leaf];
}

/**
 * Whether `node` (a sub-pattern) matches `value` (the event at that level). An array of objects in
 * the event matches when one of its elements matches the whole sub-pattern, so that fields of
 * different elements are never combined (event-ruler's rulesForJSONEvent).
 */
function matchNode(node: Node, value: unknown): boolean {
  if (Array.isArray(value) && value.some((v) => isObject(v) || Array.isArray(v))) {
    return value.some((element) => matchNode(node, element));
  }
  const object = isObject(value) ? value : undefined;
  for (const [key, child] of node.fields) {
    const field = object?.[key];
    if (Array.isArray(child)) {
      if (!matchLeaf(child as Condition[], field)) return false;
    } else if (!matchNode(child as Node, field)) {
      return false;
    }
  }
  return node.alternatives.every((alternatives) => alternatives.some((alternative) => matchNode(alternative, value)));
}

function matchLeaf(conditions: readonly Condition[], field: unknown): boolean {
  const values = leaves(field);
  return conditions.some((condition) =>
    condition.kind === 'exists' ? condition.present === values.length > 0 : values.some((v) => condition.test(v)),
  );
}
