// The retry strategy of AWS Batch jobs (the evaluateOnExit rules, checked and applied as Batch
// documents them) and how an attempt that times out or is terminated is stopped: SIGTERM, then SIGKILL.
import type { ChildProcess } from 'node:child_process';
import type { Attempt } from './job';
import { BatchError } from './rest-endpoint';
import type { RetryStrategy } from './specs';

/** AWS Batch sends SIGKILL this long after SIGTERM when an attempt times out or a job is terminated. */
const KILL_GRACE_MS = 30_000;

/**
 * Whether `pattern` (an evaluateOnExit glob: letters, digits, spaces, `.` and `:`, optionally ending
 * with `*`) matches `value`, case-insensitively.
 */
export function globMatches(pattern: string, value: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 'i').test(value);
}

/**
 * What the retry strategy decides after a failed attempt: the first evaluateOnExit rule whose
 * conditions all match decides; when none matches, the job is retried while attempts remain.
 */
export function retryDecision(strategy: RetryStrategy, attempt: Attempt, attemptNumber: number): 'RETRY' | 'EXIT' {
  const rule = strategy.evaluateOnExit.find(
    (r) =>
      (r.onExitCode === undefined || globMatches(r.onExitCode, String(attempt.container.exitCode ?? ''))) &&
      (r.onReason === undefined || globMatches(r.onReason, attempt.container.reason ?? '')) &&
      (r.onStatusReason === undefined || globMatches(r.onStatusReason, attempt.statusReason ?? '')),
  );
  const action = rule?.action.toUpperCase() ?? 'RETRY';
  return action === 'RETRY' && attemptNumber < strategy.attempts ? 'RETRY' : 'EXIT';
}

/** A retry strategy from the API's or the template's shape, checked as AWS Batch checks it. */
export function normalizeRetryStrategy(raw: { attempts?: unknown; evaluateOnExit?: unknown }): RetryStrategy {
  const attempts = Number(raw.attempts ?? 1);
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 10)
    throw new BatchError('ClientException', 'retryStrategy.attempts must be 1 to 10');
  const rules = (raw.evaluateOnExit as Array<Record<string, unknown>> | undefined) ?? [];
  if (rules.length > 5) throw new BatchError('ClientException', 'retryStrategy.evaluateOnExit holds at most 5 rules');
  return {
    attempts,
    evaluateOnExit: rules.map((r) => {
      const action = String(r.action ?? r.Action ?? '').toUpperCase();
      if (action !== 'RETRY' && action !== 'EXIT')
        throw new BatchError('ClientException', `evaluateOnExit action ${JSON.stringify(action)} must be RETRY or EXIT`);
      const pick = (camel: string, pascal: string) => (r[camel] ?? r[pascal]) as string | undefined;
      return {
        action,
        onExitCode: pick('onExitCode', 'OnExitCode'),
        onReason: pick('onReason', 'OnReason'),
        onStatusReason: pick('onStatusReason', 'OnStatusReason'),
      };
    }),
  };
}

/** Stops an attempt's process as AWS Batch stops a container: SIGTERM, then SIGKILL after the grace period. */
export function stopProcess(child: ChildProcess): void {
  child.kill('SIGTERM');
  setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, KILL_GRACE_MS).unref();
}
