// The local ActiveMQ's JAAS users and groups files, as the runtime maintains them (no broker needed):
// replaced whole, never written in place, and stamped later than any load the broker could have made
// of the old ones, so that its reload-on-change picks up every user the runtime adds.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ActiveMqUsers } from '../../local/mq/local-brokers';

/** Users each of two processes adds at once. */
const USERS_EACH = 200;

let dir: string;
let users: ActiveMqUsers;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'activemq-users-'));
  users = new ActiveMqUsers({
    host: '127.0.0.1',
    stompPort: 1,
    openwirePort: 2,
    usersFile: path.join(dir, 'users.properties'),
    groupsFile: path.join(dir, 'groups.properties'),
  });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('adding and removing users rewrites both files, with nothing left beside them', () => {
  users.add('app', 'p=ss\\word');
  users.add('admin', 'other');
  expect(readFileSync(path.join(dir, 'users.properties'), 'utf8')).toBe('app=p=ss\\\\word\nadmin=other\n');
  expect(readFileSync(path.join(dir, 'groups.properties'), 'utf8')).toBe('users=app,admin\n');
  users.remove('admin');
  expect(readFileSync(path.join(dir, 'users.properties'), 'utf8')).toBe('app=p=ss\\\\word\n');
  expect(readFileSync(path.join(dir, 'groups.properties'), 'utf8')).toBe('users=app\n');
  expect(readdirSync(dir).sort()).toEqual(['groups.properties', 'users.properties']);
});

test('each write is stamped later than now, so that a load the broker made just before it cannot hide it', () => {
  const before = Date.now();
  users.add('app', 'secret');
  for (const file of ['users.properties', 'groups.properties']) {
    expect([file, statSync(path.join(dir, file)).mtimeMs > before + 500]).toEqual([file, true]);
  }
});

test('a lock left by a process that is gone is taken over, and each change releases its own', () => {
  const lock = path.join(dir, 'users.properties.lock');
  writeFileSync(lock, '2147483646'); // no such process
  users.add('app', 'secret');
  expect(existsSync(lock)).toBe(false);
  expect(readFileSync(path.join(dir, 'users.properties'), 'utf8')).toBe('app=secret\n');
});

test('two processes adding users at once lose none of them', () => {
  // Both start adding at the same moment, once each has loaded the module.
  const start = Date.now() + 3000;
  const script = (prefix: string) =>
    [
      "const { ActiveMqUsers } = require('./local/mq/local-brokers');",
      `const users = new ActiveMqUsers(${JSON.stringify({ usersFile: path.join(dir, 'users.properties'), groupsFile: path.join(dir, 'groups.properties') })});`,
      `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, ${start} - Date.now()));`,
      `for (let i = 0; i < ${USERS_EACH}; i++) users.add('${prefix}' + i, 'p' + i);`,
    ].join('\n');
  const run = (prefix: string) =>
    spawn(process.execPath, ['--import', 'tsx', '-e', script(prefix)], { cwd: path.join(__dirname, '..', '..'), stdio: 'inherit' });
  return Promise.all(
    [run('a'), run('b')].map((child) => new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))),
  ).then((codes) => {
    expect(codes).toEqual([0, 0]);
    const names = readFileSync(path.join(dir, 'users.properties'), 'utf8').trim().split('\n');
    expect(names).toHaveLength(2 * USERS_EACH);
  });
}, 30_000);
