import { AsyncLocalStorage } from 'node:async_hooks';

/** What a fault does to one SDK call. */
export type Fault =
  /** The call fails before the service applies it (a throttle). */
  | 'throttled'
  /** The service applies the call, the response is lost (a timeout). */
  | 'response lost'
  /** The invocation dies before the call is sent. */
  | 'killed before'
  /** The invocation dies after the service applied the call, before the next one. */
  | 'killed after';

/** Every single fault, each applied to every call in turn by the fault-injection tests. */
export const FAULTS: readonly Fault[] = ['throttled', 'response lost', 'killed before', 'killed after'];

/** An SDK v3 client class, whose prototype's `send` is wrapped, and the throttling error of its service. */
export interface FaultTarget {
  readonly client: { prototype: object };
  readonly throttle: () => Error;
}

type Send = (...args: unknown[]) => Promise<unknown>;

/** The outcome of one invocation run through {@link FaultInjector.invoke}. */
export type Outcome<T> =
  | { readonly killed: true }
  | { readonly killed: false; readonly value: T }
  | { readonly killed: false; readonly error: unknown };

const never = new Promise<never>(() => undefined);

/**
 * Wraps the `send` of SDK clients (whatever answers behind them: an emulator or a mock) so that a
 * test can fail call number N of a run with one {@link Fault}. A killed invocation makes no further
 * call, as a dead Lambda execution environment would not; the test sees it as `{ killed: true }`.
 */
export class FaultInjector {
  /** Calls made since the last {@link reset}. */
  public calls = 0;
  private faultAt = -1;
  private fault?: Fault;
  private readonly invocation = new AsyncLocalStorage<{ id: number; kill: () => void }>();
  private readonly killed = new Set<number>();
  private invocations = 0;

  public constructor(targets: readonly FaultTarget[]) {
    for (const target of targets) {
      const proto = target.client.prototype as { send: Send };
      const original = proto.send;
      const injector = this;
      jest.spyOn(proto, 'send').mockImplementation(function (this: unknown, ...args: unknown[]) {
        return injector.call(this, original, args, target.throttle);
      });
    }
  }

  /** Starts a run: no call made yet, `fault` (if any) injected at call number `at` (0-based). */
  public reset(at = -1, fault?: Fault): void {
    this.calls = 0;
    this.faultAt = at;
    this.fault = fault;
  }

  /** Runs one invocation, which a fault may kill. */
  public async invoke<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
    const id = ++this.invocations;
    let kill: () => void = () => undefined;
    const killed = new Promise<{ killed: true }>((resolve) => {
      kill = () => {
        this.killed.add(id);
        resolve({ killed: true });
      };
    });
    const run = this.invocation.run({ id, kill }, () =>
      fn().then(
        (value) => ({ killed: false as const, value }),
        (error: unknown) => ({ killed: false as const, error }),
      ),
    );
    return Promise.race([run, killed]);
  }

  private async call(client: unknown, original: Send, args: unknown[], throttle: () => Error): Promise<unknown> {
    const current = this.invocation.getStore();
    if (current && this.killed.has(current.id)) return never;
    const n = this.calls++;
    const fault = n === this.faultAt ? this.fault : undefined;
    if (fault === 'throttled') throw throttle();
    if (fault === 'killed before') {
      current?.kill();
      return never;
    }
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await original.apply(client, args) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    if (fault === 'response lost') throw Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' });
    if (fault === 'killed after') {
      current?.kill();
      return never;
    }
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
}
