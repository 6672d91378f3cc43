import type { Node } from 'constructs';
import { PATTERNS } from '../patterns';
import { type ContextKey, emailKey, oneOfKey } from './context-keys';
import type { PatternDefinition } from './pattern';
import { PROFILES, type Profile } from './profile';

export { ContextError, isEmail } from './context-keys';

/** The keys every pattern shares. */
export const PROFILE_KEY = oneOfKey(
  'profile',
  PROFILES,
  'sandbox: smallest sizes, no always-on compute, everything deleted with the stack, 7-day logs; production: data and keys retained, 1-year logs, multi-AZ where the service has it',
  ' (default sandbox)',
);
export const ALARM_EMAIL_KEY = emailKey(
  'alarmEmail',
  "subscribes the address to every stack's alarm topic (SNS sends a confirmation mail first)",
);

/**
 * The typed, validated app configuration read from CDK context: the profile, the alarm address, and
 * every key of every pattern by name (undefined when unset).
 */
export interface AppConfig {
  /** Deployment profile. */
  readonly profile: Profile;
  /** Address subscribed to every stack's alarm topic, when given. */
  readonly alarmEmail?: string;
  readonly [key: string]: unknown;
}

/** An unknown context key: one line naming it and the closest known key. */
export class UnknownContextError extends Error {
  public constructor(key: string, closest: string | undefined, known: readonly string[]) {
    const hint = closest ? `did you mean ${closest}? ` : '';
    super(`Unknown context key ${key}: ${hint}known keys: ${known.join(', ')}`);
    this.name = 'ContextError';
  }
}

/** Bare keys that the CDK CLI and toolkit set themselves. */
const CDK_KEYS = new Set(['cli-telemetry', 'acknowledged-issue-numbers']);

/**
 * Whether a key is CDK's own: feature flags (`@aws-cdk/...`), namespaced settings (`aws:cdk:...`),
 * context provider lookups cached in cdk.context.json (`availability-zones:account=...`), and the
 * CLI's bare keys.
 */
export function isCdkContextKey(key: string): boolean {
  return key.startsWith('@') || key.includes(':') || CDK_KEYS.has(key);
}

/** Every context key the app reads: the shared ones, then each pattern's, once each. */
export function contextKeys(patterns: readonly PatternDefinition[] = PATTERNS): ContextKey[] {
  const keys = new Map<string, ContextKey>();
  for (const key of [PROFILE_KEY, ALARM_EMAIL_KEY, ...patterns.flatMap((p) => p.contextKeys)]) keys.set(key.name, key);
  return [...keys.values()];
}

/**
 * Reads and validates every context key the app uses. Called once, by `buildApp()`. A bad value or
 * a key the app does not know (a typo such as `profle`) fails with one line.
 */
export function readAppConfig(node: Node, patterns: readonly PatternDefinition[] = PATTERNS): AppConfig {
  const keys = contextKeys(patterns);
  const names = keys.map((k) => k.name);
  for (const given of Object.keys(node.getAllContext() as Record<string, unknown>)) {
    if (isCdkContextKey(given) || names.includes(given)) continue;
    throw new UnknownContextError(given, closest(given, names), names);
  }
  const values: Record<string, unknown> = {};
  for (const key of keys) values[key.name] = key.read(node.tryGetContext(key.name));
  return { ...values, profile: (values.profile as Profile | undefined) ?? 'sandbox' } as AppConfig;
}

/** The known key closest to `key` (case-insensitive edit distance at most 3), if any. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (distance <= 3 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
