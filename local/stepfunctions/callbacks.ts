import { randomBytes } from 'node:crypto';
import { EndpointError } from '../json-endpoint';
import { TaskError } from '../services/service';
import type { Json } from './definition';

/** Settings of the callback task that claims a token. */
export interface CallbackTask {
  readonly executionArn: string;
  readonly stateName: string;
  /** HeartbeatSeconds of the task: it fails with States.HeartbeatTimeout without a heartbeat in time. */
  readonly heartbeatSeconds?: number;
  /** TimeoutSeconds of the task: afterwards the token is refused (the engine fails the task with States.Timeout). */
  readonly timeoutSeconds?: number;
}

/** A callback task waiting for its token to come back. */
export interface PendingCallback {
  readonly token: string;
  /** The output of SendTaskSuccess; rejects with the error of SendTaskFailure or a heartbeat timeout. */
  readonly result: Promise<Json>;
  /** Ends the wait (the task failed, timed out or the execution stopped): the token is refused from now on. */
  close(): void;
}

interface Entry {
  readonly task: CallbackTask;
  open: boolean;
  resolve(output: Json): void;
  reject(error: Error): void;
  heartbeatTimer?: NodeJS.Timeout;
  deadlineTimer?: NodeJS.Timeout;
}

/** The largest output SendTaskSuccess takes, and the longest error and cause SendTaskFailure takes. */
const MAX_OUTPUT_BYTES = 256 * 1024;
const MAX_ERROR_LENGTH = 256;
const MAX_CAUSE_LENGTH = 32_768;

/**
 * The task tokens of callback (`.waitForTaskToken`) tasks, whatever the integration: a token is
 * issued when a state's parameters read `$$.Task.Token`, claimed by the callback task whose input
 * carries it, and resolved by SendTaskSuccess, SendTaskFailure or kept alive by SendTaskHeartbeat,
 * with the errors the Step Functions API returns.
 */
export class TaskTokens {
  private readonly entries = new Map<string, Entry>();
  /** Tokens issued to an execution's parameters and not claimed yet. */
  private readonly issued = new Map<string, string[]>();

  /** A new token for an execution (what `$$.Task.Token` reads). */
  public issue(executionArn: string): string {
    const token = `AQ${randomBytes(48).toString('base64url')}`;
    const list = this.issued.get(executionArn) ?? [];
    list.push(token);
    this.issued.set(executionArn, list);
    return token;
  }

  /**
   * The pending callback of a task whose effective input carries a token issued to its execution,
   * or undefined when it carries none (on AWS such a task waits until it times out: nobody can call
   * back). Tokens issued and not found in the input are dropped.
   */
  public claim(task: CallbackTask, input: Json): PendingCallback | undefined {
    const candidates = this.issued.get(task.executionArn) ?? [];
    this.issued.delete(task.executionArn);
    const text = JSON.stringify(input);
    const token = candidates.find((t) => text.includes(t));
    if (!token) return undefined;
    let resolve!: (output: Json) => void;
    let reject!: (error: Error) => void;
    const result = new Promise<Json>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be waiting yet (the integration call is still running): keep an early rejection quiet.
    result.catch(() => undefined);
    const entry: Entry = { task, open: true, resolve, reject };
    this.entries.set(token, entry);
    this.armHeartbeat(entry);
    if (task.timeoutSeconds !== undefined) {
      entry.deadlineTimer = setTimeout(() => this.close(entry), task.timeoutSeconds * 1000);
      entry.deadlineTimer.unref();
    }
    return { token, result, close: () => this.close(entry) };
  }

  /** SendTaskSuccess. */
  public success(token: unknown, output: unknown): void {
    const entry = this.open(token);
    if (typeof output !== 'string' || Buffer.byteLength(output) > MAX_OUTPUT_BYTES) {
      throw new EndpointError('InvalidOutput', `Invalid Output: the output must be a JSON text of at most ${MAX_OUTPUT_BYTES} bytes`);
    }
    let parsed: Json;
    try {
      parsed = JSON.parse(output) as Json;
    } catch {
      throw new EndpointError('InvalidOutput', "Invalid Output: 'output' is not JSON");
    }
    this.close(entry);
    entry.resolve(parsed);
  }

  /** SendTaskFailure: the task fails with `error` (Retry and Catch match on it) and `cause`. */
  public failure(token: unknown, error: unknown, cause: unknown): void {
    if (typeof error === 'string' && error.length > MAX_ERROR_LENGTH)
      throw new EndpointError('ValidationException', `error: at most ${MAX_ERROR_LENGTH} characters`);
    if (typeof cause === 'string' && cause.length > MAX_CAUSE_LENGTH)
      throw new EndpointError('ValidationException', `cause: at most ${MAX_CAUSE_LENGTH} characters`);
    const entry = this.open(token);
    this.close(entry);
    entry.reject(new TaskError(typeof error === 'string' ? error : '', typeof cause === 'string' ? cause : ''));
  }

  /** SendTaskHeartbeat: the heartbeat timeout starts again. */
  public heartbeat(token: unknown): void {
    this.armHeartbeat(this.open(token));
  }

  /** Refuses every token of an execution from now on (it stopped). */
  public closeExecution(executionArn: string): void {
    this.issued.delete(executionArn);
    for (const entry of this.entries.values()) if (entry.task.executionArn === executionArn) this.close(entry);
  }

  private open(token: unknown): Entry {
    const entry = typeof token === 'string' ? this.entries.get(token) : undefined;
    if (!entry) throw new EndpointError('InvalidToken', "Invalid Token: 'Invalid token'");
    if (!entry.open) throw new EndpointError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    return entry;
  }

  private armHeartbeat(entry: Entry): void {
    clearTimeout(entry.heartbeatTimer);
    const seconds = entry.task.heartbeatSeconds;
    if (seconds === undefined) return;
    entry.heartbeatTimer = setTimeout(() => {
      this.close(entry);
      entry.reject(new TaskError('States.HeartbeatTimeout', `no heartbeat within ${seconds} s (HeartbeatSeconds)`));
    }, seconds * 1000);
    entry.heartbeatTimer.unref();
  }

  private close(entry: Entry): void {
    entry.open = false;
    clearTimeout(entry.heartbeatTimer);
    clearTimeout(entry.deadlineTimer);
  }
}
