// API keys and usage plans: a method that requires a key refuses a request without a valid,
// enabled key of a usage plan that covers the stage (403), and counts the request against the
// plan's quota (429 once it is spent). Usage plan throttling is not enforced locally.
import { randomBytes } from 'node:crypto';

export interface ApiKey {
  readonly id: string;
  readonly value: string;
  readonly name: string;
  readonly enabled: boolean;
}

export interface UsagePlan {
  readonly id: string;
  /** `<restApiId>/<stage>` of every stage the plan covers. */
  readonly stages: readonly string[];
  readonly quota?: { readonly limit: number; readonly period: 'DAY' | 'WEEK' | 'MONTH'; readonly offset: number };
  readonly keyIds: Set<string>;
}

/** What an API key check decides. */
export type KeyVerdict =
  | { readonly ok: true; readonly key: ApiKey }
  | { readonly ok: false; readonly status: 403 | 429; readonly message: string };

/** A fresh key value, like API Gateway's generated ones (40 characters). */
export function generateKeyValue(): string {
  return randomBytes(30).toString('base64url').slice(0, 40);
}

/** The API keys and usage plans of every stack the runtime serves. */
export class KeyStore {
  public readonly keys = new Map<string, ApiKey>();
  public readonly plans = new Map<string, UsagePlan>();
  private readonly used = new Map<string, { period: string; count: number }>();

  /** Checks the `x-api-key` value for a request to `<restApiId>/<stage>` and counts it against the quota. */
  public check(value: string | undefined, restApiId: string, stage: string, now = new Date()): KeyVerdict {
    const key = value === undefined ? undefined : [...this.keys.values()].find((k) => k.value === value);
    if (!key?.enabled) return { ok: false, status: 403, message: 'Forbidden' };
    const plan = [...this.plans.values()].find((p) => p.keyIds.has(key.id) && p.stages.includes(`${restApiId}/${stage}`));
    if (!plan) return { ok: false, status: 403, message: 'Forbidden' };
    if (plan.quota) {
      const period = periodOf(plan.quota.period, now);
      const counter = `${plan.id}/${key.id}`;
      const usage = this.used.get(counter);
      const count = usage?.period === period ? usage.count : 0;
      if (count >= plan.quota.limit) return { ok: false, status: 429, message: 'Limit Exceeded' };
      this.used.set(counter, { period, count: count + 1 });
    }
    return { ok: true, key };
  }
}

/** The quota period a moment falls in (UTC), as a key. */
function periodOf(period: 'DAY' | 'WEEK' | 'MONTH', now: Date): string {
  const day = now.toISOString().slice(0, 10);
  if (period === 'DAY') return day;
  if (period === 'MONTH') return day.slice(0, 7);
  const monday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - ((now.getUTCDay() + 6) % 7)));
  return `W${monday.toISOString().slice(0, 10)}`;
}
