// What an EventBridge rule sends to a target: the event as JSON, a constant (Input), a part of the
// event (InputPath), or an input transformer's template filled from the event (InputTransformer),
// as the EventBridge User Guide ("Amazon EventBridge input transformation") describes them.

/** A target's input settings, as AWS::Events::Rule Targets carry them. */
export interface TargetInputSettings {
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: { readonly InputPathsMap?: Record<string, string>; readonly InputTemplate: string };
}

/** The rule, for the predefined variables of input templates. */
export interface RuleIdentity {
  readonly name: string;
  readonly arn: string;
}

/** A target input that cannot be built (a bad path or template); the delivery fails. */
export class TargetInputError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'TargetInputError';
  }
}

/** The text EventBridge sends to the target for `event`. */
export function targetInput(event: Record<string, unknown>, settings: TargetInputSettings, rule: RuleIdentity, ingestedAt: Date): string {
  if (settings.Input !== undefined) return settings.Input;
  if (settings.InputPath !== undefined) {
    const selected = jsonPath(event, settings.InputPath);
    return selected === undefined ? '' : JSON.stringify(selected);
  }
  if (settings.InputTransformer !== undefined) return transform(event, settings.InputTransformer, rule, ingestedAt);
  return JSON.stringify(event);
}

/**
 * The value at a JSONPath of the form EventBridge accepts: `$`, `.name` segments (names may contain
 * hyphens), `['name']` and `[index]`. Undefined when the path does not exist in the event.
 */
export function jsonPath(root: unknown, path: string): unknown {
  if (!path.startsWith('$')) throw new TargetInputError(`JSON path ${JSON.stringify(path)} does not start with $`);
  let value: unknown = root;
  const segment = /^(?:\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\])/;
  let rest = path.slice(1);
  while (rest.length > 0) {
    const match = segment.exec(rest);
    if (!match) throw new TargetInputError(`JSON path ${JSON.stringify(path)} is not supported`);
    rest = rest.slice(match[0].length);
    if (value === null || typeof value !== 'object') return undefined;
    if (match[2] !== undefined) {
      if (!Array.isArray(value)) return undefined;
      value = value[Number(match[2])];
    } else {
      const name = match[1] ?? match[3] ?? match[4];
      if (Array.isArray(value)) return undefined;
      value = (value as Record<string, unknown>)[name];
    }
  }
  return value;
}

const PREDEFINED = new Set([
  'aws.events.rule-arn',
  'aws.events.rule-name',
  'aws.events.event.ingestion-time',
  'aws.events.event',
  'aws.events.event.json',
]);

/**
 * Fills an input template. A variable outside a JSON string is replaced by its JSON value (a string
 * gets quotes); inside a string it is replaced by its text, unescaped, as EventBridge does. A
 * variable whose path is not in the event is left out: empty inside a string, `null` outside.
 */
function transform(
  event: Record<string, unknown>,
  transformer: NonNullable<TargetInputSettings['InputTransformer']>,
  rule: RuleIdentity,
  ingestedAt: Date,
): string {
  const paths = transformer.InputPathsMap ?? {};
  const names = Object.keys(paths);
  if (names.length > 100) throw new TargetInputError(`the input transformer defines ${names.length} variables; at most 100 are allowed`);
  const variables = new Map<string, unknown>();
  for (const name of names) {
    if (PREDEFINED.has(name)) throw new TargetInputError(`${name} is a predefined variable and cannot be redefined`);
    const value = jsonPath(event, paths[name]);
    if (value !== undefined) variables.set(name, value);
  }
  const { detail: _detail, ...withoutDetail } = event;
  const predefined: Record<string, unknown> = {
    'aws.events.rule-arn': rule.arn,
    'aws.events.rule-name': rule.name,
    'aws.events.event.ingestion-time': ingestedAt.toISOString(),
    'aws.events.event': withoutDetail,
    'aws.events.event.json': event,
  };
  const template = transformer.InputTemplate;
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '\\' && inString) {
      out += c + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') {
      inString = !inString;
      out += c;
      continue;
    }
    if (c === '<') {
      const end = template.indexOf('>', i);
      const name = end > i ? template.slice(i + 1, end) : '';
      if (/^[A-Za-z0-9_.-]+$/.test(name) && (name in predefined || paths[name] !== undefined)) {
        const value = name in predefined ? predefined[name] : variables.get(name);
        if (value === undefined) out += inString ? '' : 'null';
        else if (inString) out += typeof value === 'string' ? value : JSON.stringify(value);
        else out += JSON.stringify(value);
        i = end;
        continue;
      }
    }
    out += c;
  }
  return out;
}
