import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { temporaryDirectory } from '../../local/assembly';

const FIXTURE = path.join(__dirname, 'fixtures', 'local-run.ts');
const REGISTER = path.join(__dirname, 'fixtures', 'swc-register.js');
const ROOT = path.join(__dirname, '..', '..');

/** Every process below `pid` (Linux /proc), children first found first. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended meanwhile
    }
  }
  const found: number[] = [];
  const visit = (p: number) => {
    for (const child of parents.get(p) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly leftInTmp: string[];
  readonly survivors: number[];
  readonly sawChildren: number;
}

/** Starts a local run with its own temporary directory; ends it with `signal` (or lets it fail); says what is left. */
async function localRun(tmp: string, how: NodeJS.Signals | 'fail', stacks: 'full' | 'empty'): Promise<Ended> {
  mkdirSync(tmp, { recursive: true });
  const child: ChildProcess = spawn(process.execPath, ['--require', REGISTER, FIXTURE, how === 'fail' ? 'fail' : 'wait', stacks], {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: tmp, TMP: tmp, TEMP: tmp },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ready = await new Promise<{ assemblyDir: string }>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    ended.then(({ code }) => reject(new Error(`the run ended (${code}) before it was ready: ${stderr}`)));
  });
  expect(existsSync(ready.assemblyDir)).toBe(true);
  expect(ready.assemblyDir.startsWith(tmp)).toBe(true);
  const children = descendants(child.pid as number);
  // A failing run fails only now: before, it could end (and clean up) before the test looked.
  if (how === 'fail') child.stdin?.end('fail now\n');
  else child.kill(how);
  const { code, signal } = await ended;
  // fauxqs notices that its parent is gone when its stdin closes; give it a moment.
  for (let i = 0; i < 50 && children.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  return { code, signal, leftInTmp: readdirSync(tmp), survivors: children.filter(alive), sawChildren: children.length };
}

describe('a local run leaves nothing behind', () => {
  const base = temporaryDirectory('clean-runs-');
  afterAll(() => base.remove());

  test('interrupted (SIGINT, SIGTERM) or failed: the temporary folder is gone, no child process survives', async () => {
    const [sigint, sigterm, failed] = await Promise.all([
      // The SQS + DLQ stack and its bundles, as a scenario run has them; the other two need no stack.
      localRun(path.join(base.path, 'sigint'), 'SIGINT', 'full'),
      localRun(path.join(base.path, 'sigterm'), 'SIGTERM', 'empty'),
      localRun(path.join(base.path, 'fail'), 'fail', 'empty'),
    ]);
    // Ended the way the signal ends a process, after cleaning up.
    expect(sigint).toEqual({ code: null, signal: 'SIGINT', leftInTmp: [], survivors: [], sawChildren: expect.any(Number) });
    expect(sigterm).toEqual({ code: null, signal: 'SIGTERM', leftInTmp: [], survivors: [], sawChildren: expect.any(Number) });
    expect(failed).toEqual({ code: 1, signal: null, leftInTmp: [], survivors: [], sawChildren: expect.any(Number) });
    // The runs did start fauxqs (and whatever else): there was something to clean up.
    for (const run of [sigint, sigterm, failed]) expect(run.sawChildren).toBeGreaterThan(0);
  }, 90_000);

  test('dispose removes a temporary assembly at once; an outdir given by the caller stays', () => {
    const { synthesizeForLocal } = require('../../local/assembly') as typeof import('../../local/assembly');
    const temporary = synthesizeForLocal({ stacks: [] });
    expect(existsSync(temporary.assemblyDir)).toBe(true);
    temporary.dispose();
    temporary.dispose();
    expect(existsSync(temporary.assemblyDir)).toBe(false);
    const outdir = mkdtempSync(path.join(tmpdir(), 'caller-'));
    synthesizeForLocal({ stacks: [], outdir }).dispose();
    expect(existsSync(path.join(outdir, 'manifest.json'))).toBe(true);
  });
});
