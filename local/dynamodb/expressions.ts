/**
 * DynamoDB attribute values and expressions for the local DynamoDB emulator: wire-format validation
 * and normalization of attribute values, and a parser + evaluator for condition, key condition,
 * filter, update and projection expressions.
 *
 * Semantics follow the service: comparisons with a missing operand are false except `<>` (true);
 * `<`, `<=`, `>`, `>=` and BETWEEN compare only two strings (by UTF-8 bytes), two numbers or two
 * binaries; numbers are exact decimals (up to 38 digits, no floating-point rounding); function names
 * are case-sensitive, keywords are not; bare attribute names may not be reserved words.
 */

/** A DynamoDB attribute value in its wire (JSON) form; `B` and `BS` hold base64 text. */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { M: AttributeMap }
  | { L: AttributeValue[] }
  | { NULL: true }
  | { BOOL: boolean };

/** An item, a key or a map value: attribute name to value. */
export type AttributeMap = { [name: string]: AttributeValue };

/** The data type descriptors of DynamoDB. */
export type AttributeType = 'S' | 'N' | 'B' | 'SS' | 'NS' | 'BS' | 'M' | 'L' | 'NULL' | 'BOOL';

/** The types a key attribute can have. */
export type ScalarType = 'S' | 'N' | 'B';

/** One step of a document path: an attribute or map key (string) or a list index (number). */
export type PathElement = string | number;

/** A document path such as `a.b[0]`, as its elements. */
export type Path = readonly PathElement[];

/** Bad input: the server answers it with a ValidationException carrying this message. */
export class ValidationError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** The request parameters an expression can come from; they name the expression in error messages. */
export type ExpressionKind =
  | 'ConditionExpression'
  | 'KeyConditionExpression'
  | 'FilterExpression'
  | 'UpdateExpression'
  | 'ProjectionExpression';

/** An unsupported or malformed expression; the message names the expression and the position (0-based). */
export class ExpressionError extends ValidationError {
  public constructor(
    public readonly kind: ExpressionKind,
    public readonly expression: string,
    public readonly position: number,
    public readonly reason: string,
  ) {
    super(`Invalid ${kind}: ${reason} at position ${position} in "${expression}"`);
    this.name = 'ExpressionError';
  }
}

/** The placeholders of a request: `#name` to attribute name, `:value` to attribute value. */
export interface ExpressionAttributes {
  readonly names?: Readonly<Record<string, string>>;
  readonly values?: Readonly<Record<string, AttributeValue>>;
  /** Filled with every placeholder the parser resolved, to report unused ones as the service does. */
  readonly used?: Set<string>;
}

// ---------------------------------------------------------------------------------------------
// Numbers: exact decimals, as DynamoDB stores them (38 significant digits, 1E-130 to 9.99E+125).
// ---------------------------------------------------------------------------------------------

/** value = units × 10^scale, with no trailing zeros in units. */
interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

const NUMBER_PATTERN = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function parseDecimal(text: string): Decimal | undefined {
  const match = NUMBER_PATTERN.exec(text);
  if (!match) return undefined;
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  if (whole === '' && fraction === '') return undefined;
  const units = BigInt(whole + fraction) * (sign === '-' ? -1n : 1n);
  return trimDecimal({ units, scale: Number(exponent) - fraction.length });
}

function trimDecimal(value: Decimal): Decimal {
  if (value.units === 0n) return { units: 0n, scale: 0 };
  let { units, scale } = value;
  while (units % 10n === 0n) {
    units /= 10n;
    scale += 1;
  }
  return { units, scale };
}

function digitCount(value: Decimal): number {
  return (value.units < 0n ? -value.units : value.units).toString().length;
}

function checkRange(value: Decimal): void {
  if (value.units === 0n) return;
  const digits = digitCount(value);
  if (digits > 38) throw new ValidationError('Attempting to store more than 38 significant digits in a Number');
  const magnitude = value.scale + digits - 1;
  if (magnitude > 125)
    throw new ValidationError('Number overflow. Attempting to store a number with magnitude larger than supported range');
  if (magnitude < -130)
    throw new ValidationError('Number underflow. Attempting to store a number with magnitude smaller than supported range');
}

function formatDecimal(value: Decimal): string {
  const negative = value.units < 0n;
  const digits = (negative ? -value.units : value.units).toString();
  let text = digits + '0'.repeat(Math.max(value.scale, 0));
  if (value.scale < 0) {
    const padded = digits.padStart(1 - value.scale, '0');
    const point = padded.length + value.scale;
    text = `${padded.slice(0, point)}.${padded.slice(point)}`;
  }
  return negative ? `-${text}` : text;
}

function aligned(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const scale = Math.min(a.scale, b.scale);
  return [a.units * 10n ** BigInt(a.scale - scale), b.units * 10n ** BigInt(b.scale - scale), scale];
}

function decimalOf(text: string): Decimal {
  const value = parseDecimal(text);
  if (!value) throw new ValidationError('A value provided cannot be converted into a number');
  return value;
}

/** The canonical text of a DynamoDB number (`'01.50'` → `'1.5'`); throws a ValidationError when invalid. */
export function normalizeNumber(text: string): string {
  const value = decimalOf(text);
  checkRange(value);
  return formatDecimal(value);
}

/** Compares two DynamoDB numbers exactly: negative, zero or positive. */
export function compareNumbers(a: string, b: string): number {
  const [x, y] = aligned(decimalOf(a), decimalOf(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

/** a + b (or a − b), exact, in canonical text; throws a ValidationError when out of range. */
export function addNumbers(a: string, b: string, subtract = false): string {
  const [x, y, scale] = aligned(decimalOf(a), decimalOf(b));
  const sum = trimDecimal({ units: subtract ? x - y : x + y, scale });
  checkRange(sum);
  return formatDecimal(sum);
}

// ---------------------------------------------------------------------------------------------
// Attribute values: validation of the wire form, canonical form, equality and ordering.
// ---------------------------------------------------------------------------------------------

const TYPES: readonly AttributeType[] = ['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL'];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The type descriptor of a value. */
export function typeOf(value: AttributeValue): AttributeType {
  return Object.keys(value)[0] as AttributeType;
}

function isRecord(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw);
}

function invalid(where: string, reason: string): ValidationError {
  return new ValidationError(`One or more parameter values were invalid: ${reason} (${where})`);
}

function readString(raw: unknown, where: string): string {
  if (typeof raw !== 'string') throw invalid(where, 'a string was expected');
  return raw;
}

function readBinary(raw: unknown, where: string): string {
  const text = readString(raw, where);
  if (!BASE64.test(text)) throw invalid(where, 'binary values must be base64');
  return Buffer.from(text, 'base64').toString('base64');
}

function readSet(raw: unknown, where: string, type: 'SS' | 'NS' | 'BS'): string[] {
  if (!Array.isArray(raw)) throw invalid(where, `${type} must be a list`);
  if (raw.length === 0) throw invalid(where, `An ${type} set may not be empty`);
  const read = type === 'NS' ? (e: unknown) => normalizeNumber(readString(e, where)) : type === 'BS' ? readBinary : readString;
  const elements = raw.map((element: unknown) => read(element, where));
  if (new Set(elements).size !== elements.length) throw invalid(where, `Input collection [${elements.join(', ')}] contains duplicates`);
  return elements;
}

function readTyped(type: AttributeType, raw: unknown, where: string): AttributeValue {
  switch (type) {
    case 'S':
      return { S: readString(raw, where) };
    case 'N':
      return { N: normalizeNumber(readString(raw, where)) };
    case 'B':
      return { B: readBinary(raw, where) };
    case 'SS':
    case 'NS':
    case 'BS':
      return type === 'SS'
        ? { SS: readSet(raw, where, type) }
        : type === 'NS'
          ? { NS: readSet(raw, where, type) }
          : { BS: readSet(raw, where, type) };
    case 'M':
      return { M: toAttributeMap(raw, where) };
    case 'L':
      if (!Array.isArray(raw)) throw invalid(where, 'L must be a list');
      return { L: raw.map((element: unknown, index) => toAttributeValue(element, `${where}[${index}]`)) };
    case 'NULL':
      if (raw !== true) throw invalid(where, 'Null attribute value types must have the value of true');
      return { NULL: true };
    case 'BOOL':
      if (typeof raw !== 'boolean') throw invalid(where, 'BOOL must be true or false');
      return { BOOL: raw };
  }
}

/**
 * Validates an attribute value as received on the wire and returns it normalized (canonical
 * numbers and base64); `where` names it in error messages.
 */
export function toAttributeValue(raw: unknown, where: string): AttributeValue {
  if (!isRecord(raw)) throw invalid(where, 'an attribute value must be an object');
  const keys = Object.keys(raw);
  if (keys.length !== 1) {
    const problem = keys.length === 0 ? 'is empty' : 'has more than one datatypes set';
    throw invalid(where, `Supplied AttributeValue ${problem}, must contain exactly one of the supported datatypes`);
  }
  const type = keys[0] as AttributeType;
  if (!TYPES.includes(type)) throw invalid(where, `Supplied AttributeValue has an unknown datatype: ${type}`);
  return readTyped(type, raw[type], where);
}

/** Validates a map of attribute values (an item, a key, an `M` value) as received on the wire. */
export function toAttributeMap(raw: unknown, where: string): AttributeMap {
  if (!isRecord(raw)) throw invalid(where, 'a map of attribute values was expected');
  const map: AttributeMap = {};
  for (const [name, value] of Object.entries(raw)) {
    if (name === '') throw invalid(where, 'An attribute name may not be empty');
    map[name] = toAttributeValue(value, `${where}.${name}`);
  }
  return map;
}

function canonicalForm(value: AttributeValue): unknown {
  if ('M' in value) {
    const names = Object.keys(value.M).sort();
    return { M: Object.fromEntries(names.map((name) => [name, canonicalForm(value.M[name])])) };
  }
  if ('L' in value) return { L: value.L.map(canonicalForm) };
  if ('N' in value) return { N: normalizeNumber(value.N) };
  if ('SS' in value) return { SS: [...value.SS].sort() };
  if ('NS' in value) return { NS: value.NS.map(normalizeNumber).sort() };
  if ('BS' in value) return { BS: [...value.BS].sort() };
  return value;
}

/** The canonical JSON of a value: numbers normalized, map keys and set elements sorted. Equal values, equal text. */
export function canonicalJson(value: AttributeValue): string {
  return JSON.stringify(canonicalForm(value));
}

/** Whether two normalized values are equal (sets regardless of order, numbers by value). */
export function attributeEquals(a: AttributeValue, b: AttributeValue): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function compareBytes(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b);
}

/**
 * The order of two scalars of the same type: strings by UTF-8 bytes, numbers by value, binaries
 * by unsigned bytes. `undefined` when they cannot be compared (other or mixed types).
 */
export function compareScalars(a: AttributeValue, b: AttributeValue): number | undefined {
  if ('S' in a && 'S' in b) return compareBytes(Buffer.from(a.S, 'utf8'), Buffer.from(b.S, 'utf8'));
  if ('N' in a && 'N' in b) return compareNumbers(a.N, b.N);
  if ('B' in a && 'B' in b) return compareBytes(Buffer.from(a.B, 'base64'), Buffer.from(b.B, 'base64'));
  return undefined;
}

/** A deep copy of an item. */
export function cloneMap(item: AttributeMap): AttributeMap {
  return structuredClone(item);
}

/** The value at a document path, or `undefined` when any step is missing or of the wrong type. */
export function getPath(item: AttributeMap, path: Path): AttributeValue | undefined {
  let current: AttributeValue | undefined = { M: item };
  for (const element of path) {
    if (typeof element === 'string')
      current = current && 'M' in current && Object.hasOwn(current.M, element) ? current.M[element] : undefined;
    else current = current && 'L' in current ? current.L[element] : undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

/** A path as DynamoDB prints it: `a.b[0]`. */
export function formatPath(path: Path): string {
  return path.map((element, index) => (typeof element === 'number' ? `[${element}]` : index === 0 ? element : `.${element}`)).join('');
}

// ---------------------------------------------------------------------------------------------
// Tokens and the parsing cursor.
// ---------------------------------------------------------------------------------------------

type TokenKind = 'name' | 'value' | 'ident' | 'number' | 'punct' | 'eof';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly position: number;
}

const TOKEN_PATTERNS: ReadonlyArray<readonly [TokenKind, RegExp]> = [
  ['name', /^#[A-Za-z0-9_]+/],
  ['value', /^:[A-Za-z0-9_]+/],
  ['ident', /^[A-Za-z_][A-Za-z0-9_]*/],
  ['number', /^\d+/],
  ['punct', /^(?:<>|<=|>=|[=<>()[\],.+-])/],
];

// The reserved words of DynamoDB (developer guide, "Reserved words in DynamoDB"): not usable as bare names.
const RESERVED = new Set(
  `ABORT ABSOLUTE ACTION ADD AFTER AGENT AGGREGATE ALL ALLOCATE ALTER ANALYZE AND ANY ARCHIVE ARE ARRAY AS ASC ASCII ASENSITIVE
  ASSERTION ASYMMETRIC AT ATOMIC ATTACH ATTRIBUTE AUTH AUTHORIZATION AUTHORIZE AUTO AVG BACK BACKUP BASE BATCH BEFORE BEGIN
  BETWEEN BIGINT BINARY BIT BLOB BLOCK BOOLEAN BOTH BREADTH BUCKET BULK BY BYTE CALL CALLED CALLING CAPACITY CASCADE CASCADED
  CASE CAST CATALOG CHAR CHARACTER CHECK CLASS CLOB CLOSE CLUSTER CLUSTERED CLUSTERING CLUSTERS COALESCE COLLATE COLLATION
  COLLECTION COLUMN COLUMNS COMBINE COMMENT COMMIT COMPACT COMPILE COMPRESS CONDITION CONFLICT CONNECT CONNECTION CONSISTENCY
  CONSISTENT CONSTRAINT CONSTRAINTS CONSTRUCTOR CONSUMED CONTINUE CONVERT COPY CORRESPONDING COUNT COUNTER CREATE CROSS CUBE
  CURRENT CURSOR CYCLE DATA DATABASE DATE DATETIME DAY DEALLOCATE DEC DECIMAL DECLARE DEFAULT DEFERRABLE DEFERRED DEFINE
  DEFINED DEFINITION DELETE DELIMITED DEPTH DEREF DESC DESCRIBE DESCRIPTOR DETACH DETERMINISTIC DIAGNOSTICS DIRECTORIES
  DISABLE DISCONNECT DISTINCT DISTRIBUTE DO DOMAIN DOUBLE DROP DUMP DURATION DYNAMIC EACH ELEMENT ELSE ELSEIF EMPTY ENABLE END
  EQUAL EQUALS ERROR ESCAPE ESCAPED EVAL EVALUATE EXCEEDED EXCEPT EXCEPTION EXCEPTIONS EXCLUSIVE EXEC EXECUTE EXISTS EXIT
  EXPLAIN EXPLODE EXPORT EXPRESSION EXTENDED EXTERNAL EXTRACT FAIL FALSE FAMILY FETCH FIELDS FILE FILTER FILTERING FINAL
  FINISH FIRST FIXED FLATTERN FLOAT FOR FORCE FOREIGN FORMAT FORWARD FOUND FREE FROM FULL FUNCTION FUNCTIONS GENERAL GENERATE
  GET GLOB GLOBAL GO GOTO GRANT GREATER GROUP GROUPING HANDLER HASH HAVE HAVING HEAP HIDDEN HOLD HOUR IDENTIFIED IDENTITY IF
  IGNORE IMMEDIATE IMPORT IN INCLUDING INCLUSIVE INCREMENT INCREMENTAL INDEX INDEXED INDEXES INDICATOR INFINITE INITIALLY
  INLINE INNER INNTER INOUT INPUT INSENSITIVE INSERT INSTEAD INT INTEGER INTERSECT INTERVAL INTO INVALIDATE IS ISOLATION ITEM
  ITEMS ITERATE JOIN KEY KEYS LAG LANGUAGE LARGE LAST LATERAL LEAD LEADING LEAVE LEFT LENGTH LESS LEVEL LIKE LIMIT LIMITED
  LINES LIST LOAD LOCAL LOCALTIME LOCALTIMESTAMP LOCATION LOCATOR LOCK LOCKS LOG LOGED LONG LOOP LOWER MAP MATCH MATERIALIZED
  MAX MAXLEN MEMBER MERGE METHOD METRICS MIN MINUS MINUTE MISSING MOD MODE MODIFIES MODIFY MODULE MONTH MULTI MULTISET NAME
  NAMES NATIONAL NATURAL NCHAR NCLOB NEW NEXT NO NONE NOT NULL NULLIF NUMBER NUMERIC OBJECT OF OFFLINE OFFSET OLD ON ONLINE
  ONLY OPAQUE OPEN OPERATOR OPTION OR ORDER ORDINALITY OTHER OTHERS OUT OUTER OUTPUT OVER OVERLAPS OVERRIDE OWNER PAD PARALLEL
  PARAMETER PARAMETERS PARTIAL PARTITION PARTITIONED PARTITIONS PATH PERCENT PERCENTILE PERMISSION PERMISSIONS PIPE PIPELINED
  PLAN POOL POSITION PRECISION PREPARE PRESERVE PRIMARY PRIOR PRIVATE PRIVILEGES PROCEDURE PROCESSED PROJECT PROJECTION
  PROPERTY PROVISIONING PUBLIC PUT QUERY QUIT QUORUM RAISE RANDOM RANGE RANK RAW READ READS REAL REBUILD RECORD RECURSIVE
  REDUCE REF REFERENCE REFERENCES REFERENCING REGEXP REGION REINDEX RELATIVE RELEASE REMAINDER RENAME REPEAT REPLACE REQUEST
  RESET RESIGNAL RESOURCE RESPONSE RESTORE RESTRICT RESULT RETURN RETURNING RETURNS REVERSE REVOKE RIGHT ROLE ROLES ROLLBACK
  ROLLUP ROUTINE ROW ROWS RULE RULES SAMPLE SATISFIES SAVE SAVEPOINT SCAN SCHEMA SCOPE SCROLL SEARCH SECOND SECTION SEGMENT
  SEGMENTS SELECT SELF SEMI SENSITIVE SEPARATE SEQUENCE SERIALIZABLE SESSION SET SETS SHARD SHARE SHARED SHORT SHOW SIGNAL
  SIMILAR SIZE SKEWED SMALLINT SNAPSHOT SOME SOURCE SPACE SPACES SPARSE SPECIFIC SPECIFICTYPE SPLIT SQL SQLCODE SQLERROR
  SQLEXCEPTION SQLSTATE SQLWARNING START STATE STATIC STATUS STORAGE STORE STORED STREAM STRING STRUCT STYLE SUB SUBMULTISET
  SUBPARTITION SUBSTRING SUBTYPE SUM SUPER SYMMETRIC SYNONYM SYSTEM TABLE TABLESAMPLE TEMP TEMPORARY TERMINATED TEXT THAN THEN
  THROUGHPUT TIME TIMESTAMP TIMEZONE TINYINT TO TOKEN TOTAL TOUCH TRAILING TRANSACTION TRANSFORM TRANSLATE TRANSLATION TREAT
  TRIGGER TRIM TRUE TRUNCATE TTL TUPLE TYPE UNDER UNDO UNION UNIQUE UNIT UNKNOWN UNLOGGED UNNEST UNPROCESSED UNSIGNED UNTIL
  UPDATE UPPER URL USAGE USE USER USERS USING UUID VACUUM VALUE VALUED VALUES VARCHAR VARIABLE VARIANCE VARINT VARYING VIEW
  VIEWS VIRTUAL VOID WAIT WHEN WHENEVER WHERE WHILE WINDOW WITH WITHIN WITHOUT WORK WRAPPED WRITE YEAR ZONE`.split(/\s+/),
);

/** Whether a bare attribute name is a DynamoDB reserved word (case-insensitive). */
export function isReservedWord(name: string): boolean {
  return RESERVED.has(name.toUpperCase());
}

/** The cursor over an expression's tokens; it resolves placeholders and reports errors with positions. */
class TokenStream {
  private readonly tokens: Token[];
  private index = 0;

  public constructor(
    private readonly kind: ExpressionKind,
    private readonly expression: string,
    private readonly attributes: ExpressionAttributes,
  ) {
    this.tokens = this.tokenize();
  }

  public peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)];
  }

  public next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.index += 1;
    return token;
  }

  public isPunct(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'punct' && token.text === text;
  }

  public isKeyword(word: string): boolean {
    const token = this.peek();
    return token.kind === 'ident' && token.text.toUpperCase() === word;
  }

  public accept(text: string): boolean {
    if (!this.isPunct(text)) return false;
    this.index += 1;
    return true;
  }

  public acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.index += 1;
    return true;
  }

  public expect(text: string): void {
    if (!this.accept(text)) this.syntaxError(this.peek());
  }

  public expectKeyword(word: string): void {
    if (!this.acceptKeyword(word)) this.syntaxError(this.peek());
  }

  public expectEnd(): void {
    if (this.peek().kind !== 'eof') this.syntaxError(this.peek());
  }

  public expectNotEmpty(): void {
    if (this.peek().kind === 'eof') this.fail(this.peek(), 'The expression can not be empty');
  }

  public fail(token: Token, reason: string): never {
    throw new ExpressionError(this.kind, this.expression, token.position, reason);
  }

  public syntaxError(token: Token): never {
    return this.fail(token, `Syntax error; token: "${token.text}"`);
  }

  public resolveName(token: Token): string {
    const names = this.attributes.names ?? {};
    if (!Object.hasOwn(names, token.text)) {
      this.fail(token, `An expression attribute name used in the document path is not defined; attribute name: ${token.text}`);
    }
    this.attributes.used?.add(token.text);
    return names[token.text];
  }

  public resolveValue(token: Token): AttributeValue {
    const values = this.attributes.values ?? {};
    if (!Object.hasOwn(values, token.text)) {
      this.fail(token, `An expression attribute value used in expression is not defined; attribute value: ${token.text}`);
    }
    this.attributes.used?.add(token.text);
    return values[token.text];
  }

  private tokenize(): Token[] {
    const tokens: Token[] = [];
    let position = 0;
    while (position < this.expression.length) {
      const rest = this.expression.slice(position);
      const blank = /^\s+/.exec(rest);
      if (blank) {
        position += blank[0].length;
        continue;
      }
      const token = matchToken(rest, position);
      if (!token) this.fail({ kind: 'eof', text: rest[0], position }, `Invalid character "${rest[0]}"`);
      tokens.push(token);
      position += token.text.length;
    }
    tokens.push({ kind: 'eof', text: '<EOF>', position: this.expression.length });
    return tokens;
  }
}

function matchToken(rest: string, position: number): Token | undefined {
  for (const [kind, pattern] of TOKEN_PATTERNS) {
    const match = pattern.exec(rest);
    if (match) return { kind, text: match[0], position };
  }
  return undefined;
}

function parseName(stream: TokenStream): string {
  const token = stream.next();
  if (token.kind === 'name') return stream.resolveName(token);
  if (token.kind !== 'ident') return stream.syntaxError(token);
  if (isReservedWord(token.text)) stream.fail(token, `Attribute name is a reserved keyword; reserved keyword: ${token.text}`);
  return token.text;
}

function parsePath(stream: TokenStream): PathElement[] {
  const path: PathElement[] = [parseName(stream)];
  for (;;) {
    if (stream.accept('.')) {
      path.push(parseName(stream));
    } else if (stream.accept('[')) {
      const index = stream.next();
      if (index.kind !== 'number') stream.syntaxError(index);
      path.push(Number(index.text));
      stream.expect(']');
    } else {
      return path;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Condition expressions (also key conditions and filters).
// ---------------------------------------------------------------------------------------------

/** A comparator of a condition expression. */
export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

/** An operand of a condition: a document path, a `:value`, or `size(path)`. */
export type Operand =
  | { readonly kind: 'path'; readonly path: Path }
  | { readonly kind: 'value'; readonly value: AttributeValue }
  | { readonly kind: 'size'; readonly path: Path };

/** The functions usable as a condition. */
export type ConditionFunction = 'attribute_exists' | 'attribute_not_exists' | 'attribute_type' | 'begins_with' | 'contains';

/** A parsed condition expression. */
export type Condition =
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'not'; readonly operand: Condition }
  | { readonly kind: 'compare'; readonly comparator: Comparator; readonly left: Operand; readonly right: Operand }
  | { readonly kind: 'between'; readonly subject: Operand; readonly low: Operand; readonly high: Operand }
  | { readonly kind: 'in'; readonly subject: Operand; readonly options: readonly Operand[] }
  | { readonly kind: 'function'; readonly name: ConditionFunction; readonly path: Path; readonly argument?: Operand };

const COMPARATORS: ReadonlySet<string> = new Set<Comparator>(['=', '<>', '<', '<=', '>', '>=']);
const CONDITION_FUNCTIONS: ReadonlySet<string> = new Set<ConditionFunction>([
  'attribute_exists',
  'attribute_not_exists',
  'attribute_type',
  'begins_with',
  'contains',
]);
const TWO_ARGUMENT_FUNCTIONS: ReadonlySet<string> = new Set(['attribute_type', 'begins_with', 'contains']);
const ALL_FUNCTIONS: ReadonlySet<string> = new Set([...CONDITION_FUNCTIONS, 'size', 'if_not_exists', 'list_append']);

/**
 * Parses a condition expression: comparators, AND, OR, NOT (precedence NOT > AND > OR),
 * parentheses, BETWEEN, IN and the functions attribute_exists, attribute_not_exists,
 * attribute_type, begins_with, contains and size. Throws an {@link ExpressionError}.
 */
export function parseCondition(
  expression: string,
  attributes: ExpressionAttributes = {},
  kind: ExpressionKind = 'ConditionExpression',
): Condition {
  const stream = new TokenStream(kind, expression, attributes);
  stream.expectNotEmpty();
  const condition = parseOr(stream);
  stream.expectEnd();
  return condition;
}

function parseOr(stream: TokenStream): Condition {
  let left = parseAnd(stream);
  while (stream.acceptKeyword('OR')) left = { kind: 'or', left, right: parseAnd(stream) };
  return left;
}

function parseAnd(stream: TokenStream): Condition {
  let left = parseNot(stream);
  while (stream.acceptKeyword('AND')) left = { kind: 'and', left, right: parseNot(stream) };
  return left;
}

function parseNot(stream: TokenStream): Condition {
  if (stream.acceptKeyword('NOT')) return { kind: 'not', operand: parseNot(stream) };
  return parsePrimary(stream);
}

function parsePrimary(stream: TokenStream): Condition {
  if (stream.accept('(')) {
    const inner = parseOr(stream);
    stream.expect(')');
    return inner;
  }
  const token = stream.peek();
  if (token.kind === 'ident' && stream.isPunct('(', 1) && CONDITION_FUNCTIONS.has(token.text)) return parseConditionFunction(stream);
  return parseComparison(stream, parseOperand(stream));
}

function parseComparison(stream: TokenStream, subject: Operand): Condition {
  if (stream.acceptKeyword('BETWEEN')) return parseBetween(stream, subject);
  if (stream.acceptKeyword('IN')) return parseIn(stream, subject);
  const token = stream.next();
  if (token.kind !== 'punct' || !COMPARATORS.has(token.text)) return stream.syntaxError(token);
  return { kind: 'compare', comparator: token.text as Comparator, left: subject, right: parseOperand(stream) };
}

function parseBetween(stream: TokenStream, subject: Operand): Condition {
  const lowToken = stream.peek();
  const low = parseOperand(stream);
  stream.expectKeyword('AND');
  const high = parseOperand(stream);
  if (low.kind === 'value' && high.kind === 'value' && (compareScalars(low.value, high.value) ?? 0) > 0) {
    stream.fail(lowToken, 'The BETWEEN operator requires upper bound to be greater than or equal to lower bound');
  }
  return { kind: 'between', subject, low, high };
}

function parseIn(stream: TokenStream, subject: Operand): Condition {
  stream.expect('(');
  const options = [parseOperand(stream)];
  while (stream.accept(',')) options.push(parseOperand(stream));
  const close = stream.peek();
  stream.expect(')');
  if (options.length > 100) stream.fail(close, 'The IN operator accepts at most 100 operands');
  return { kind: 'in', subject, options };
}

function parseOperand(stream: TokenStream): Operand {
  const token = stream.peek();
  if (token.kind === 'value') {
    stream.next();
    return { kind: 'value', value: stream.resolveValue(token) };
  }
  if (token.kind === 'ident' && stream.isPunct('(', 1)) {
    if (token.text !== 'size') stream.fail(token, functionMisuse(token.text, 'an operand of a condition'));
    stream.next();
    stream.expect('(');
    const path = parsePath(stream);
    stream.expect(')');
    return { kind: 'size', path };
  }
  return { kind: 'path', path: parsePath(stream) };
}

function functionMisuse(name: string, place: string): string {
  return ALL_FUNCTIONS.has(name)
    ? `The function is not allowed as ${place}; function: ${name}`
    : `Invalid function name; function: ${name}`;
}

function parseConditionFunction(stream: TokenStream): Condition {
  const name = stream.next().text as ConditionFunction;
  stream.expect('(');
  const path = parsePath(stream);
  let argument: Operand | undefined;
  if (TWO_ARGUMENT_FUNCTIONS.has(name)) {
    stream.expect(',');
    const token = stream.peek();
    argument = parseOperand(stream);
    checkFunctionArgument(stream, name, argument, token);
  }
  stream.expect(')');
  return { kind: 'function', name, path, argument };
}

function checkFunctionArgument(stream: TokenStream, name: ConditionFunction, argument: Operand, token: Token): void {
  if (argument.kind !== 'value') return;
  const type = typeOf(argument.value);
  if (name === 'attribute_type') {
    if (!('S' in argument.value))
      stream.fail(token, `Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${type}`);
    else if (!TYPES.includes(argument.value.S as AttributeType))
      stream.fail(token, `Invalid attribute type name found in type argument; type: ${argument.value.S}`);
  } else if (name === 'begins_with' && type !== 'S' && type !== 'B') {
    stream.fail(token, `Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${type}`);
  }
}

/** Evaluates a parsed condition against an item (`{}` for an item that does not exist). */
export function evaluateCondition(condition: Condition, item: AttributeMap): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluateCondition(condition.left, item) && evaluateCondition(condition.right, item);
    case 'or':
      return evaluateCondition(condition.left, item) || evaluateCondition(condition.right, item);
    case 'not':
      return !evaluateCondition(condition.operand, item);
    case 'compare':
      return compareOperands(condition.comparator, resolveOperand(condition.left, item), resolveOperand(condition.right, item));
    case 'between':
      return evaluateBetween(
        resolveOperand(condition.subject, item),
        resolveOperand(condition.low, item),
        resolveOperand(condition.high, item),
      );
    case 'in':
      return evaluateIn(resolveOperand(condition.subject, item), condition.options, item);
    case 'function':
      return evaluateFunction(
        condition.name,
        getPath(item, condition.path),
        condition.argument && resolveOperand(condition.argument, item),
      );
  }
}

/** Parses and evaluates a condition in one step. */
export function conditionHolds(expression: string, item: AttributeMap, attributes: ExpressionAttributes = {}): boolean {
  return evaluateCondition(parseCondition(expression, attributes), item);
}

function resolveOperand(operand: Operand, item: AttributeMap): AttributeValue | undefined {
  if (operand.kind === 'value') return operand.value;
  const value = getPath(item, operand.path);
  if (operand.kind === 'path' || value === undefined) return value;
  const size = sizeOf(value);
  return size === undefined ? undefined : { N: String(size) };
}

function sizeOf(value: AttributeValue): number | undefined {
  if ('S' in value) return Buffer.byteLength(value.S, 'utf8');
  if ('B' in value) return Buffer.from(value.B, 'base64').length;
  if ('SS' in value) return value.SS.length;
  if ('NS' in value) return value.NS.length;
  if ('BS' in value) return value.BS.length;
  if ('L' in value) return value.L.length;
  if ('M' in value) return Object.keys(value.M).length;
  return undefined;
}

function compareOperands(comparator: Comparator, left: AttributeValue | undefined, right: AttributeValue | undefined): boolean {
  if (left === undefined || right === undefined) return comparator === '<>';
  if (comparator === '=') return attributeEquals(left, right);
  if (comparator === '<>') return !attributeEquals(left, right);
  const order = compareScalars(left, right);
  if (order === undefined) return false;
  if (comparator === '<') return order < 0;
  if (comparator === '<=') return order <= 0;
  if (comparator === '>') return order > 0;
  return order >= 0;
}

function evaluateBetween(subject?: AttributeValue, low?: AttributeValue, high?: AttributeValue): boolean {
  if (!subject || !low || !high) return false;
  const fromLow = compareScalars(subject, low);
  const toHigh = compareScalars(subject, high);
  return fromLow !== undefined && toHigh !== undefined && fromLow >= 0 && toHigh <= 0;
}

function evaluateIn(subject: AttributeValue | undefined, options: readonly Operand[], item: AttributeMap): boolean {
  if (!subject) return false;
  return options.some((option) => {
    const value = resolveOperand(option, item);
    return value !== undefined && attributeEquals(subject, value);
  });
}

function evaluateFunction(name: ConditionFunction, value: AttributeValue | undefined, argument: AttributeValue | undefined): boolean {
  switch (name) {
    case 'attribute_exists':
      return value !== undefined;
    case 'attribute_not_exists':
      return value === undefined;
    case 'attribute_type':
      return value !== undefined && argument !== undefined && 'S' in argument && typeOf(value) === argument.S;
    case 'begins_with':
      return value !== undefined && argument !== undefined && beginsWith(value, argument);
    case 'contains':
      return value !== undefined && argument !== undefined && contains(value, argument);
  }
}

function beginsWith(value: AttributeValue, prefix: AttributeValue): boolean {
  if ('S' in value && 'S' in prefix) return value.S.startsWith(prefix.S);
  if ('B' in value && 'B' in prefix) {
    const bytes = Buffer.from(value.B, 'base64');
    const start = Buffer.from(prefix.B, 'base64');
    return bytes.subarray(0, start.length).equals(start);
  }
  return false;
}

function contains(value: AttributeValue, element: AttributeValue): boolean {
  if ('S' in value) return 'S' in element && value.S.includes(element.S);
  if ('SS' in value) return 'S' in element && value.SS.includes(element.S);
  if ('NS' in value) return 'N' in element && value.NS.some((number) => compareNumbers(number, element.N) === 0);
  if ('BS' in value) return 'B' in element && value.BS.includes(element.B);
  if ('L' in value) return value.L.some((entry) => attributeEquals(entry, element));
  return false;
}

// ---------------------------------------------------------------------------------------------
// Update expressions.
// ---------------------------------------------------------------------------------------------

/** An operand of a SET action. */
export type UpdateOperand =
  | { readonly kind: 'path'; readonly path: Path }
  | { readonly kind: 'value'; readonly value: AttributeValue }
  | { readonly kind: 'if_not_exists'; readonly path: Path; readonly fallback: UpdateOperand }
  | { readonly kind: 'list_append'; readonly first: UpdateOperand; readonly second: UpdateOperand };

/** The right-hand side of a SET action: an operand, or two joined by `+` or `-`. */
export type SetValue =
  | UpdateOperand
  | { readonly kind: 'arithmetic'; readonly operator: '+' | '-'; readonly left: UpdateOperand; readonly right: UpdateOperand };

/** One action of a parsed update expression. */
export type UpdateAction =
  | { readonly action: 'SET'; readonly path: Path; readonly value: SetValue }
  | { readonly action: 'REMOVE'; readonly path: Path }
  | { readonly action: 'ADD' | 'DELETE'; readonly path: Path; readonly value: AttributeValue };

type Clause = UpdateAction['action'];

const CLAUSES: ReadonlySet<string> = new Set<Clause>(['SET', 'REMOVE', 'ADD', 'DELETE']);

/**
 * Parses an update expression: SET (with `+`/`-`, if_not_exists and list_append), REMOVE,
 * ADD (numbers and sets) and DELETE (sets), each clause at most once, no two overlapping paths.
 * Throws an {@link ExpressionError}.
 */
export function parseUpdate(expression: string, attributes: ExpressionAttributes = {}): UpdateAction[] {
  const stream = new TokenStream('UpdateExpression', expression, attributes);
  stream.expectNotEmpty();
  const seen = new Set<string>();
  const actions: UpdateAction[] = [];
  const positions: Token[] = [];
  while (stream.peek().kind !== 'eof') {
    const token = stream.next();
    const clause = token.kind === 'ident' ? token.text.toUpperCase() : '';
    if (!CLAUSES.has(clause)) stream.syntaxError(token);
    if (seen.has(clause)) stream.fail(token, `The "${clause}" section can only be used once in an update expression`);
    seen.add(clause);
    do {
      positions.push(stream.peek());
      actions.push(parseUpdateAction(stream, clause as Clause));
    } while (stream.accept(','));
  }
  checkOverlaps(stream, actions, positions);
  return actions;
}

function parseUpdateAction(stream: TokenStream, clause: Clause): UpdateAction {
  const path = parsePath(stream);
  if (clause === 'REMOVE') return { action: clause, path };
  if (clause === 'SET') {
    stream.expect('=');
    return { action: clause, path, value: parseSetValue(stream) };
  }
  const token = stream.next();
  if (token.kind !== 'value') return stream.syntaxError(token);
  const value = stream.resolveValue(token);
  const type = typeOf(value);
  const allowed = clause === 'ADD' ? ['N', 'SS', 'NS', 'BS'] : ['SS', 'NS', 'BS'];
  if (!allowed.includes(type))
    stream.fail(token, `Incorrect operand type for operator or function; operator: ${clause}, operand type: ${type}`);
  return { action: clause, path, value };
}

function parseSetValue(stream: TokenStream): SetValue {
  const left = parseUpdateOperand(stream);
  const operator = stream.peek();
  if (!stream.isPunct('+') && !stream.isPunct('-')) return left;
  stream.next();
  return { kind: 'arithmetic', operator: operator.text === '+' ? '+' : '-', left, right: parseUpdateOperand(stream) };
}

function parseUpdateOperand(stream: TokenStream): UpdateOperand {
  const token = stream.peek();
  if (token.kind === 'value') {
    stream.next();
    return { kind: 'value', value: stream.resolveValue(token) };
  }
  if (token.kind !== 'ident' || !stream.isPunct('(', 1)) return { kind: 'path', path: parsePath(stream) };
  if (token.text !== 'if_not_exists' && token.text !== 'list_append')
    stream.fail(token, functionMisuse(token.text, 'an operand of an update'));
  stream.next();
  stream.expect('(');
  const operand: UpdateOperand =
    token.text === 'if_not_exists'
      ? { kind: 'if_not_exists', path: parsePath(stream), fallback: parseSecondArgument(stream) }
      : { kind: 'list_append', first: parseUpdateOperand(stream), second: parseSecondArgument(stream) };
  stream.expect(')');
  return operand;
}

function parseSecondArgument(stream: TokenStream): UpdateOperand {
  stream.expect(',');
  return parseUpdateOperand(stream);
}

function isPrefix(prefix: Path, path: Path): boolean {
  return prefix.length <= path.length && prefix.every((element, index) => element === path[index]);
}

function checkOverlaps(stream: TokenStream, actions: readonly UpdateAction[], positions: readonly Token[]): void {
  actions.forEach((action, index) => {
    const earlier = actions.slice(0, index).find((other) => isPrefix(other.path, action.path) || isPrefix(action.path, other.path));
    if (earlier) {
      const paths = `path one: [${formatPath(earlier.path)}], path two: [${formatPath(action.path)}]`;
      stream.fail(positions[index], `Two document paths overlap with each other; must remove or rewrite one of these paths; ${paths}`);
    }
  });
}

const WRONG_TYPE = 'An operand in the update expression has an incorrect data type';
const INVALID_PATH = 'The document path provided in the update expression is invalid for update';

/**
 * Applies parsed update actions to an item and returns the new item (the input is not modified).
 * SET operands are read from the item as it was before the update, as the service does.
 * Throws a {@link ValidationError} for wrong types, missing operands and invalid paths.
 */
export function applyUpdate(actions: readonly UpdateAction[], item: AttributeMap): AttributeMap {
  const result = cloneMap(item);
  const assignments = actions.flatMap((action) =>
    action.action === 'SET' ? [{ path: action.path, value: evaluateSetValue(action.value, item) }] : [],
  );
  for (const { path, value } of assignments) setPath(result, path, value);
  const removals = actions.filter((action) => action.action === 'REMOVE').map((action) => action.path);
  for (const path of removals.sort(laterIndexFirst)) removePath(result, path);
  for (const action of actions) {
    if (action.action === 'ADD') addToPath(result, action.path, action.value);
    if (action.action === 'DELETE') deleteFromPath(result, action.path, action.value);
  }
  return result;
}

/** Parses an update expression and applies it in one step. */
export function updateItem(expression: string, item: AttributeMap, attributes: ExpressionAttributes = {}): AttributeMap {
  return applyUpdate(parseUpdate(expression, attributes), item);
}

function evaluateSetValue(value: SetValue, item: AttributeMap): AttributeValue {
  if (value.kind !== 'arithmetic') return evaluateUpdateOperand(value, item);
  const left = evaluateUpdateOperand(value.left, item);
  const right = evaluateUpdateOperand(value.right, item);
  if (!('N' in left) || !('N' in right)) throw new ValidationError(WRONG_TYPE);
  return { N: addNumbers(left.N, right.N, value.operator === '-') };
}

function evaluateUpdateOperand(operand: UpdateOperand, item: AttributeMap): AttributeValue {
  switch (operand.kind) {
    case 'value':
      return operand.value;
    case 'path': {
      const value = getPath(item, operand.path);
      if (value === undefined) throw new ValidationError('The provided expression refers to an attribute that does not exist in the item');
      return value;
    }
    case 'if_not_exists':
      return getPath(item, operand.path) ?? evaluateUpdateOperand(operand.fallback, item);
    case 'list_append': {
      const first = evaluateUpdateOperand(operand.first, item);
      const second = evaluateUpdateOperand(operand.second, item);
      if (!('L' in first) || !('L' in second)) throw new ValidationError(WRONG_TYPE);
      return { L: [...first.L, ...second.L] };
    }
  }
}

/** The container holding the last element of a path, which must exist. */
function parentOf(item: AttributeMap, path: Path): AttributeValue {
  const parent = path.length === 1 ? { M: item } : getPath(item, path.slice(0, -1));
  if (parent === undefined) throw new ValidationError(INVALID_PATH);
  return parent;
}

function setPath(item: AttributeMap, path: Path, value: AttributeValue): void {
  const parent = parentOf(item, path);
  const last = path[path.length - 1];
  if (typeof last === 'string' && 'M' in parent) parent.M[last] = structuredClone(value);
  else if (typeof last === 'number' && 'L' in parent) parent.L[Math.min(last, parent.L.length)] = structuredClone(value);
  else throw new ValidationError(INVALID_PATH);
}

function removePath(item: AttributeMap, path: Path): void {
  const parent = parentOf(item, path);
  const last = path[path.length - 1];
  if (typeof last === 'string' && 'M' in parent) delete parent.M[last];
  else if (typeof last === 'number' && 'L' in parent) parent.L.splice(last, 1);
  else throw new ValidationError(INVALID_PATH);
}

/** Sorts REMOVE paths so that, within one list, higher indexes go first and lower ones stay valid. */
function laterIndexFirst(a: Path, b: Path): number {
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    const [x, y] = [a[index], b[index]];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return y - x;
    return String(x) < String(y) ? -1 : 1;
  }
  return b.length - a.length;
}

function sameSetType(a: AttributeValue, b: AttributeValue): [string[], string[]] | undefined {
  if ('SS' in a && 'SS' in b) return [a.SS, b.SS];
  if ('NS' in a && 'NS' in b) return [a.NS, b.NS];
  if ('BS' in a && 'BS' in b) return [a.BS, b.BS];
  return undefined;
}

function withElements(set: AttributeValue, elements: string[]): AttributeValue {
  if ('SS' in set) return { SS: elements };
  if ('NS' in set) return { NS: elements };
  return { BS: elements };
}

function addToPath(item: AttributeMap, path: Path, value: AttributeValue): void {
  const existing = getPath(item, path);
  setPath(item, path, existing === undefined ? value : added(existing, value));
}

function added(existing: AttributeValue, value: AttributeValue): AttributeValue {
  if ('N' in existing && 'N' in value) return { N: addNumbers(existing.N, value.N) };
  const sets = sameSetType(existing, value);
  if (!sets) throw new ValidationError(WRONG_TYPE);
  const [current, extra] = sets;
  return withElements(existing, [...current, ...extra.filter((element) => !current.includes(element))]);
}

function deleteFromPath(item: AttributeMap, path: Path, value: AttributeValue): void {
  const existing = getPath(item, path);
  if (existing === undefined) return;
  const sets = sameSetType(existing, value);
  if (!sets) throw new ValidationError(WRONG_TYPE);
  const [current, removed] = sets;
  const remaining = current.filter((element) => !removed.includes(element));
  // Sets cannot be empty: deleting the last element removes the attribute.
  if (remaining.length === 0) removePath(item, path);
  else setPath(item, path, withElements(existing, remaining));
}

// ---------------------------------------------------------------------------------------------
// Projection expressions.
// ---------------------------------------------------------------------------------------------

/** Parses a projection expression: document paths separated by commas. Throws an {@link ExpressionError}. */
export function parseProjection(expression: string, attributes: ExpressionAttributes = {}): Path[] {
  const stream = new TokenStream('ProjectionExpression', expression, attributes);
  stream.expectNotEmpty();
  const paths: Path[] = [parsePath(stream)];
  while (stream.accept(',')) paths.push(parsePath(stream));
  stream.expectEnd();
  return paths;
}

/** The parts of an item the paths select; list elements keep their order, missing paths are left out. */
export function projectItem(item: AttributeMap, paths: readonly Path[]): AttributeMap {
  const projected = projectValue({ M: item }, paths);
  return projected && 'M' in projected ? projected.M : {};
}

function projectValue(value: AttributeValue, paths: readonly Path[]): AttributeValue | undefined {
  if (paths.some((path) => path.length === 0)) return structuredClone(value);
  if ('M' in value) {
    const entries = headsOf(paths, 'string').flatMap((head) => {
      const child = Object.hasOwn(value.M, head) ? projectValue(value.M[head], tailsOf(paths, head)) : undefined;
      return child ? [[head, child] as const] : [];
    });
    return entries.length > 0 ? { M: Object.fromEntries(entries) } : undefined;
  }
  if ('L' in value) {
    const indexes = headsOf(paths, 'number').sort((a, b) => a - b);
    const elements = indexes.flatMap((index) => {
      const child = index < value.L.length ? projectValue(value.L[index], tailsOf(paths, index)) : undefined;
      return child ? [child] : [];
    });
    return elements.length > 0 ? { L: elements } : undefined;
  }
  return undefined;
}

function headsOf(paths: readonly Path[], type: 'string'): string[];
function headsOf(paths: readonly Path[], type: 'number'): number[];
function headsOf(paths: readonly Path[], type: 'string' | 'number'): PathElement[] {
  return [...new Set(paths.map((path) => path[0]).filter((head) => typeof head === type))];
}

function tailsOf(paths: readonly Path[], head: PathElement): Path[] {
  return paths.filter((path) => path[0] === head).map((path) => path.slice(1));
}
