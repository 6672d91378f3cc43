import type { Node } from 'constructs';
import { PROFILES, type Profile } from './profile';

/** The context keys `lib/app.ts` reads, in one place so that docs and errors name them the same way. */
export const CONTEXT_KEYS = {
  profile: 'profile',
  alarmEmail: 'alarmEmail',
  backlogWorker: 'backlogWorker',
  notificationEmail: 'notificationEmail',
  webhookUrl: 'webhookUrl',
} as const;

/** The typed, validated app configuration read from CDK context. */
export interface AppConfig {
  /** Deployment profile. */
  readonly profile: Profile;
  /** Address subscribed to every stack's alarm topic, when given. */
  readonly alarmEmail?: string;
  /** Explicit on/off for the SQS backlog worker; undefined means "the profile decides". */
  readonly backlogWorker?: boolean;
  /** Address subscribed to the SNS fan-out topic, when given (else alarmEmail). */
  readonly notificationEmail?: string;
  /** HTTPS endpoint subscribed to the SNS fan-out topic, when given. */
  readonly webhookUrl?: string;
}

/** Bad context: one line naming the key, the value and what is allowed. */
export class ContextError extends Error {
  public constructor(key: string, value: unknown, allowed: string) {
    super(`Invalid context ${key}=${JSON.stringify(value)}: allowed ${allowed}`);
    this.name = 'ContextError';
  }
}

// One local part, one @, a dotted domain with a 2+ letter top level; no spaces. Deliberately simple:
// SNS sends a confirmation mail, which is the real check.
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,}$/;

/** Whether `value` looks like an e-mail address SNS can subscribe. */
export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

function readProfile(node: Node): Profile {
  const raw: unknown = node.tryGetContext(CONTEXT_KEYS.profile);
  if (raw === undefined) return 'sandbox';
  if (typeof raw === 'string' && (PROFILES as readonly string[]).includes(raw)) return raw as Profile;
  throw new ContextError(CONTEXT_KEYS.profile, raw, `${PROFILES.join(' | ')} (default sandbox)`);
}

function readEmail(node: Node, key: string): string | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'string' && isEmail(raw.trim())) return raw.trim();
  throw new ContextError(key, raw, 'an e-mail address such as ops@example.com, or unset');
}

function readHttpsUrl(node: Node, key: string): string | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'string') {
    try {
      const url = new URL(raw);
      if (url.protocol === 'https:' && url.hostname !== '') return raw;
    } catch {
      // reported below
    }
  }
  throw new ContextError(key, raw, 'an https:// URL, or unset');
}

function readBoolean(node: Node, key: string): boolean | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined) return undefined;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new ContextError(key, raw, 'true | false, or unset');
}

/** Reads and validates every context key the app uses. Called once, by `buildApp()`. */
export function readAppConfig(node: Node): AppConfig {
  return {
    profile: readProfile(node),
    alarmEmail: readEmail(node, CONTEXT_KEYS.alarmEmail),
    backlogWorker: readBoolean(node, CONTEXT_KEYS.backlogWorker),
    notificationEmail: readEmail(node, CONTEXT_KEYS.notificationEmail),
    webhookUrl: readHttpsUrl(node, CONTEXT_KEYS.webhookUrl),
  };
}
