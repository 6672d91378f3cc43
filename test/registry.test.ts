import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { STACK_IDS } from '../lib/app';
import { PATTERNS } from '../lib/patterns';
import { SCENARIOS } from '../scenarios';

const ROOT = path.join(__dirname, '..');

describe('the pattern registry (lib/patterns.ts)', () => {
  test('names and stack ids are unique and follow the fixed convention', () => {
    expect(new Set(PATTERNS.map((p) => p.name)).size).toBe(PATTERNS.length);
    expect(new Set(PATTERNS.map((p) => p.stackId)).size).toBe(PATTERNS.length);
    for (const p of PATTERNS) {
      expect(p.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(p.stackId).toMatch(/^Decoupling-[A-Za-z0-9]+$/);
    }
  });

  test.each(PATTERNS.map((p) => [p.name, p] as const))('%s has its folders lined up', (name, p) => {
    for (const folder of [`lib/${name}/index.ts`, `scenarios/${name}.ts`, `test/${name}`, `docs/patterns/${name}.md`]) {
      expect([folder, existsSync(path.join(ROOT, folder))]).toEqual([folder, true]);
    }
    // What a pattern reuses is another pattern's lib folder; here it is registered too (test/fork.test.ts),
    // in a fork of the pattern it holds only what is reused and is not registered.
    for (const reused of p.reuses) {
      expect([reused, reused !== name && existsSync(path.join(ROOT, 'lib', reused, 'index.ts'))]).toEqual([reused, true]);
    }
  });

  test('every pattern has its scenario, on its stack, in registry order', () => {
    expect(Object.keys(SCENARIOS)).toEqual(PATTERNS.map((p) => p.name));
    for (const p of PATTERNS) expect(SCENARIOS[p.name].stack).toBe(p.stackId);
  });

  test('STACK_IDS is derived from the registry', () => {
    expect(Object.values(STACK_IDS)).toEqual(PATTERNS.map((p) => p.stackId));
  });
});
