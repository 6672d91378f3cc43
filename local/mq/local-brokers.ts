import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, renameSync, unlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** The brokers `scripts/brokers.sh start` runs, as its brokers.json describes them. */
export interface BrokerState {
  readonly rabbitmq: { host: string; amqpPort: number; managementPort: number; user: string; password: string };
  readonly activemq: { host: string; stompPort: number; openwirePort: number; usersFile: string; groupsFile: string };
}

/** Where scripts/brokers.sh keeps its state (`DECOUPLING_BROKERS_DIR`, else `<tmp>/decoupling-patterns-brokers`). */
export function brokersStateDir(): string {
  return process.env.DECOUPLING_BROKERS_DIR ?? path.join(tmpdir(), 'decoupling-patterns-brokers');
}

/** How to start the local brokers, for messages. */
export const START_HINT = 'scripts/brokers.sh start runs the local brokers';

/** The state of the running brokers, or undefined when brokers.sh has not started them. */
export function readBrokerState(dir = brokersStateDir()): BrokerState | undefined {
  const file = path.join(dir, 'brokers.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as BrokerState;
}

/** Whether something accepts TCP connections on host:port (within `timeoutMs`). */
export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Which local brokers accept connections now. */
export async function runningBrokers(): Promise<{ state?: BrokerState; rabbitmq: boolean; activemq: boolean }> {
  const state = readBrokerState();
  if (!state) return { rabbitmq: false, activemq: false };
  const [rabbitmq, activemq] = await Promise.all([
    portOpen(state.rabbitmq.host, state.rabbitmq.amqpPort),
    portOpen(state.activemq.host, state.activemq.stompPort),
  ]);
  return { state, rabbitmq, activemq };
}

/**
 * An exclusive claim on one local broker: two local runtimes on one broker would share its queue names
 * and broker users (the template fixes both), so the second is refused with one clear line.
 */
export class BrokerLock {
  private readonly token = `${process.pid}:${randomUUID()}`;
  private constructor(private readonly file: string) {}

  public static acquire(engine: string): BrokerLock {
    const file = path.join(brokersStateDir(), `${engine.toLowerCase()}.lock`);
    const lock = new BrokerLock(file);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, lock.token);
        closeSync(fd);
        return lock;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = readFileSync(file, 'utf8');
        const pid = Number(holder.split(':')[0]);
        if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
          throw new Error(
            `the local ${engine} broker is in use by another local runtime (process ${pid}${pid === process.pid ? ', this one' : ''}): run one amazon-mq runtime at a time`,
          );
        }
        unlinkSync(file); // stale: its process is gone
      }
    }
    throw new Error(`could not claim the local ${engine} broker (${file})`);
  }

  public release(): void {
    try {
      if (readFileSync(this.file, 'utf8') === this.token) unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The RabbitMQ management API as the loopback-only bootstrap user. */
export class RabbitMqAdmin {
  public constructor(private readonly state: BrokerState['rabbitmq']) {}

  private async call(method: string, resource: string, body?: unknown): Promise<void> {
    const url = `http://${this.state.host}:${this.state.managementPort}/api/${resource}`;
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${this.state.user}:${this.state.password}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok && !(method === 'DELETE' && response.status === 404)) {
      throw new Error(`RabbitMQ management API ${method} ${resource}: ${response.status} ${await response.text()}`);
    }
  }

  public addVhost(vhost: string): Promise<void> {
    return this.call('PUT', `vhosts/${encodeURIComponent(vhost)}`, {});
  }

  public deleteVhost(vhost: string): Promise<void> {
    return this.call('DELETE', `vhosts/${encodeURIComponent(vhost)}`);
  }

  /** A user with full rights on `vhost`, as Amazon MQ makes the template's administrator on `/`. */
  public async addUser(username: string, password: string, vhost: string): Promise<void> {
    await this.call('PUT', `users/${encodeURIComponent(username)}`, { password, tags: 'administrator' });
    await this.call('PUT', `permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(username)}`, {
      configure: '.*',
      write: '.*',
      read: '.*',
    });
  }

  public deleteUser(username: string): Promise<void> {
    return this.call('DELETE', `users/${encodeURIComponent(username)}`);
  }
}

/**
 * Replaces a file JAAS reloads (`reload=true`) so that the broker never reads it half written and never
 * misses the change. It is written beside and renamed over (a login reads the old file or the new
 * one), with its modification time a second ahead: JAAS reloads a file only when its modification time
 * is later than the time of its last load, and the file system stamps a write with a clock coarser than
 * the broker's, so a login in the same few milliseconds as the write could otherwise record a load
 * time past the new file's and keep refusing the user it adds.
 */
function replaceForReload(file: string, text: string): void {
  const next = `${file}.${process.pid}.next`;
  writeFileSync(next, text);
  const ahead = new Date(Date.now() + 1000);
  utimesSync(next, ahead, ahead);
  renameSync(next, file);
}

/** How long a change of the ActiveMQ users waits for another process's change to end. */
const USERS_LOCK_WAIT_MS = 5000;

/** ActiveMQ's JAAS users file, which the broker re-reads when it changes. */
export class ActiveMqUsers {
  public constructor(private readonly state: BrokerState['activemq']) {}

  private read(): Map<string, string> {
    const users = new Map<string, string>();
    const text = existsSync(this.state.usersFile) ? readFileSync(this.state.usersFile, 'utf8') : '';
    for (const line of text.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0 && !line.startsWith('#')) users.set(line.slice(0, eq).replace(/\\(.)/g, '$1'), line.slice(eq + 1).replace(/\\(.)/g, '$1'));
    }
    return users;
  }

  /** The groups file first, so that a user the broker can log in already has its group. */
  private write(users: Map<string, string>): void {
    replaceForReload(this.state.groupsFile, users.size ? `users=${[...users.keys()].map(escapeKey).join(',')}\n` : '');
    replaceForReload(
      this.state.usersFile,
      [...users].map(([u, p]) => `${escapeKey(u)}=${p.replace(/\\/g, '\\\\')}`).join('\n') + (users.size ? '\n' : ''),
    );
  }

  public add(username: string, password: string): void {
    this.update((users) => users.set(username, password));
  }

  public remove(username: string): void {
    this.update((users) => users.delete(username));
  }

  /**
   * Reads, changes and writes the files under a lock: two processes that use the brokers at once (a
   * local runtime and the broker tests, say) each add and remove their own users, and without it one
   * could write back a file read before the other's change and drop that user.
   */
  private update(change: (users: Map<string, string>) => void): void {
    const lock = `${this.state.usersFile}.lock`;
    const deadline = Date.now() + USERS_LOCK_WAIT_MS;
    for (;;) {
      try {
        const fd = openSync(lock, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        let holder: number;
        try {
          holder = Number(readFileSync(lock, 'utf8'));
        } catch {
          continue; // released meanwhile
        }
        // A holder that is gone left it behind (an empty file is one being written: wait for it).
        if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) unlinkSync(lock);
        else if (Date.now() > deadline) throw new Error(`the local ActiveMQ users file stays locked by process ${holder} (${lock})`);
        else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      }
    }
    try {
      const users = this.read();
      change(users);
      this.write(users);
    } finally {
      unlinkSync(lock);
    }
  }
}

/** Java properties keys escape `=`, `:` and spaces (Amazon MQ user names cannot contain them anyway). */
function escapeKey(key: string): string {
  return key.replace(/([=: ])/g, '\\$1');
}
