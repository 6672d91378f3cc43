import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { BUNDLE_CACHE_DIR, InProcessEsbuild, PROJECT_ROOT } from '../../lib/shared/handler-bundling';

// Counts esbuild builds; they still run.
jest.mock('esbuild', () => {
  const actual = jest.requireActual('esbuild');
  return { ...actual, buildSync: jest.fn(actual.buildSync) };
});

// Entries must sit inside the project (esbuild's metafile names inputs relative to it).
const scratch = mkdtempSync(path.join(PROJECT_ROOT, 'node_modules', '.cache', 'bundle-test-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  for (const entry of readdirSync(BUNDLE_CACHE_DIR)) {
    const inputs = path.join(BUNDLE_CACHE_DIR, entry, 'inputs.json');
    try {
      if (readFileSync(inputs, 'utf8').includes(path.basename(scratch)))
        rmSync(path.join(BUNDLE_CACHE_DIR, entry), { recursive: true, force: true });
    } catch {
      // not this test's
    }
  }
});

let n = 0;
function bundle(entry: string): string {
  const out = path.join(scratch, `out-${n++}`);
  mkdirSync(out);
  new InProcessEsbuild(entry).tryBundle(out);
  return out;
}

describe('handler bundles are built once per contents', () => {
  const entry = path.join(scratch, 'handler.ts');
  const helper = path.join(scratch, 'helper.ts');
  beforeAll(() => {
    writeFileSync(helper, "export const greeting = (name: string): string => 'hello ' + name;\n");
    writeFileSync(entry, "import { greeting } from './helper';\nexport const handler = async () => greeting('one');\n");
  });

  test('a second bundle of unchanged sources is a copy, byte for byte, without esbuild', () => {
    const build = esbuild.buildSync as jest.Mock;
    build.mockClear();
    const first = bundle(entry);
    const second = bundle(entry);
    expect(build).toHaveBeenCalledTimes(1);
    for (const file of ['index.js', 'index.js.map']) {
      expect(readFileSync(path.join(second, file), 'utf8')).toBe(readFileSync(path.join(first, file), 'utf8'));
    }
  });

  test('a change to any file that went into the bundle builds it again', () => {
    const before = readFileSync(path.join(bundle(entry), 'index.js'), 'utf8');
    writeFileSync(helper, "export const greeting = (name: string): string => 'goodbye ' + name;\n");
    const after = readFileSync(path.join(bundle(entry), 'index.js'), 'utf8');
    expect(before).toContain('hello');
    expect(after).toContain('goodbye');
    expect(after).not.toContain('hello');
  });

  test('the bundle is what esbuild builds without the cache', () => {
    const cached = readFileSync(path.join(bundle(entry), 'index.js'), 'utf8');
    process.env.DECOUPLING_BUNDLE_CACHE = 'off';
    try {
      expect(readFileSync(path.join(bundle(entry), 'index.js'), 'utf8')).toBe(cached);
    } finally {
      delete process.env.DECOUPLING_BUNDLE_CACHE;
    }
  });
});
