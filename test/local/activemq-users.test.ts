// The local ActiveMQ's JAAS users and groups files, as the runtime maintains them (no broker needed):
// replaced whole, never written in place, and stamped later than any load the broker could have made
// of the old ones, so that its reload-on-change picks up every user the runtime adds.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ActiveMqUsers } from '../../local/mq/local-brokers';

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
