// Request validation as a REST API's request validator does it: required parameters, then the body
// against the method's model (JSON Schema draft 4, with ajv and ajv-draft-04). The messages follow
// the wording API Gateway puts in `$context.error.validationErrorString` for the usual keywords.
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv from 'ajv-draft-04';

const compiled = new WeakMap<object, ValidateFunction>();
let ajv: Ajv | undefined;

function validatorOf(schema: unknown): ValidateFunction {
  const key = schema as object;
  let validate = compiled.get(key);
  if (!validate) {
    ajv ??= new Ajv({ allErrors: true, strict: false, logger: false });
    const { $schema: _ignored, ...rest } = schema as Record<string, unknown>;
    validate = ajv.compile(rest);
    compiled.set(key, validate);
  }
  return validate;
}

/** The request parts that parameter validation reads. */
export interface RequestParts {
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly path: Readonly<Record<string, string>>;
}

/** The required `method.request.<querystring|header|path>.<name>` parameters the request lacks. */
export function missingParameters(parameters: Readonly<Record<string, boolean>>, request: RequestParts): string[] {
  const missing: string[] = [];
  for (const [name, required] of Object.entries(parameters)) {
    if (!required) continue;
    const match = /^method\.request\.(querystring|header|path|multivaluequerystring|multivalueheader)\.(.+)$/.exec(name);
    if (!match) continue;
    const [, where, key] = match;
    const present = where.includes('header')
      ? request.headers[key.toLowerCase()] !== undefined
      : where.includes('querystring')
        ? request.query[key] !== undefined
        : request.path[key] !== undefined;
    if (!present) missing.push(key);
  }
  return missing;
}

/** The body's validation errors against a draft-4 schema, in API Gateway's wording; an empty list when valid. */
export function bodyErrors(schema: unknown, body: string): string[] {
  let json: unknown;
  try {
    json = body.trim() === '' ? undefined : JSON.parse(body);
  } catch (error) {
    return [`Invalid JSON in request body: ${(error as Error).message}`];
  }
  const validate = validatorOf(schema);
  if (validate(json ?? {})) return [];
  return (validate.errors ?? []).map(describe);
}

function describe(error: ErrorObject): string {
  const at = error.instancePath === '' ? '' : ` at ${error.instancePath}`;
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `object has missing required properties (["${String(p.missingProperty)}"])`;
    case 'additionalProperties':
      return `object instance has properties which are not allowed by the schema: (["${String(p.additionalProperty)}"])`;
    case 'type':
      return `instance type does not match any allowed primitive type (allowed: ["${String(p.type)}"])${at}`;
    case 'minLength':
      return `string is too short (minimum: ${String(p.limit)})${at}`;
    case 'maxLength':
      return `string is too long (maximum: ${String(p.limit)})${at}`;
    case 'maxItems':
      return `array is too long: must have at most ${String(p.limit)} elements${at}`;
    case 'pattern':
      return `ECMA 262 regex "${String(p.pattern)}" does not match input string${at}`;
    default:
      return `${error.message ?? error.keyword}${at}`;
  }
}

/** The `validationErrorString` of a list of errors: `[first, second]`. */
export function validationErrorString(errors: readonly string[]): string {
  return `[${errors.join(', ')}]`;
}
