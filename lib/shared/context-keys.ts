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

/** A key that takes an e-mail address; empty means unset. */
export function emailKey(name: string, description: string): ContextKey<string> {
  const allowed = 'an e-mail address such as ops@example.com, or unset';
  return {
    name,
    allowed,
    description,
    read(raw) {
      if (raw === undefined || raw === '') return undefined;
      if (typeof raw === 'string' && isEmail(raw.trim())) return raw.trim();
      throw new ContextError(name, raw, allowed);
    },
  };
}

/** A key that takes an https:// URL; empty means unset. */
export function httpsUrlKey(name: string, description: string): ContextKey<string> {
  const allowed = 'an https:// URL, or unset';
  return {
    name,
    allowed,
    description,
    read(raw) {
      if (raw === undefined || raw === '') return undefined;
      if (typeof raw === 'string') {
        try {
          const url = new URL(raw);
          if (url.protocol === 'https:' && url.hostname !== '') return raw;
        } catch {
          // reported below
        }
      }
      throw new ContextError(name, raw, allowed);
    },
  };
}

/** A key that takes true or false (booleans from cdk.json, strings from `-c`). */
export function booleanKey(name: string, description: string): ContextKey<boolean> {
  const allowed = 'true | false, or unset';
  return {
    name,
    allowed,
    description,
    read(raw) {
      if (raw === undefined) return undefined;
      if (raw === true || raw === 'true') return true;
      if (raw === false || raw === 'false') return false;
      throw new ContextError(name, raw, allowed);
    },
  };
}

/** A key that takes one of a fixed list of strings. */
export function oneOfKey<T extends string>(name: string, values: readonly T[], description: string, suffix = ''): ContextKey<T> {
  const allowed = `${values.join(' | ')}${suffix}`;
  return {
    name,
    allowed,
    description,
    read(raw) {
      if (raw === undefined) return undefined;
      if (typeof raw === 'string' && (values as readonly string[]).includes(raw)) return raw as T;
      throw new ContextError(name, raw, allowed);
    },
  };
}

/** A key that takes a string matching `pattern` (described by `allowed`); empty means unset. */
export function stringKey(name: string, pattern: RegExp, allowed: string, description: string): ContextKey<string> {
  return {
    name,
    allowed: `${allowed}, or unset`,
    description,
    read(raw) {
      if (raw === undefined || raw === '') return undefined;
      if (typeof raw === 'string' && pattern.test(raw.trim())) return raw.trim();
      throw new ContextError(name, raw, `${allowed}, or unset`);
    },
  };
}
