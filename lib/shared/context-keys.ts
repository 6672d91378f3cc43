/** Bad context: one line naming the key, the value and what is allowed. */
export class ContextError extends Error {
  public constructor(key: string, value: unknown, allowed: string) {
    super(`Invalid context ${key}=${JSON.stringify(value)}: allowed ${allowed}`);
    this.name = 'ContextError';
  }
}

/** A context key the app reads: its name, what it takes, and how a raw value becomes a typed one. */
export interface ContextKey<T = unknown> {
  /** The key, as given to `-c <name>=...` or in cdk.json. */
  readonly name: string;
  /** What it takes, for errors and the README (for example `true | false`). */
  readonly allowed: string;
  /** What it does, for the README. */
  readonly description: string;
  /** The typed value of a raw context value; throws a {@link ContextError} when it is not allowed. */
  read(raw: unknown): T | undefined;
}

// One local part, one @, a dotted domain with a 2+ letter top level; no spaces. Deliberately simple:
// SNS sends a confirmation mail, which is the real check.
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,}$/;

/** Whether `value` looks like an e-mail address SNS can subscribe. */
export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

/** How a key reads a set value: its typed value, or undefined when the value is not allowed. */
type Parse<T> = (raw: unknown) => T | undefined;

/**
 * A key that is unset when its value is undefined (or, with `emptyIsUnset`, the empty string) and is
 * otherwise what `parse` makes of the value; a value `parse` refuses is a {@link ContextError} naming `allowed`.
 */
function contextKey<T>(name: string, description: string, allowed: string, emptyIsUnset: boolean, parse: Parse<T>): ContextKey<T> {
  return {
    name,
    allowed,
    description,
    read(raw) {
      if (raw === undefined || (emptyIsUnset && raw === '')) return undefined;
      const value = parse(raw);
      if (value === undefined) throw new ContextError(name, raw, allowed);
      return value;
    },
  };
}

/** A key that takes an e-mail address; empty means unset. */
export function emailKey(name: string, description: string): ContextKey<string> {
  return contextKey(name, description, 'an e-mail address such as ops@example.com, or unset', true, (raw) =>
    typeof raw === 'string' && isEmail(raw.trim()) ? raw.trim() : undefined,
  );
}

/** A key that takes an https:// URL; empty means unset. */
export function httpsUrlKey(name: string, description: string): ContextKey<string> {
  return contextKey(name, description, 'an https:// URL, or unset', true, (raw) => {
    if (typeof raw !== 'string') return undefined;
    try {
      const url = new URL(raw);
      return url.protocol === 'https:' && url.hostname !== '' ? raw : undefined;
    } catch {
      return undefined;
    }
  });
}

/** A key that takes true or false (booleans from cdk.json, strings from `-c`). */
export function booleanKey(name: string, description: string): ContextKey<boolean> {
  return contextKey(name, description, 'true | false, or unset', false, (raw) => {
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    return undefined;
  });
}

/** A key that takes one of a fixed list of strings. */
export function oneOfKey<T extends string>(name: string, values: readonly T[], description: string, suffix = ''): ContextKey<T> {
  return contextKey(name, description, `${values.join(' | ')}${suffix}`, false, (raw) =>
    typeof raw === 'string' && (values as readonly string[]).includes(raw) ? (raw as T) : undefined,
  );
}

/** A key that takes a string matching `pattern` (described by `allowed`); empty means unset. */
export function stringKey(name: string, pattern: RegExp, allowed: string, description: string): ContextKey<string> {
  return contextKey(name, description, `${allowed}, or unset`, true, (raw) =>
    typeof raw === 'string' && pattern.test(raw.trim()) ? raw.trim() : undefined,
  );
}
