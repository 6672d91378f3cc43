/**
 * `npm run fork -- <pattern> <dir>`: writes a standalone project holding one pattern (with what it
 * reuses of others), whose README commands pass offline. `npm run fork -- --list` prints the patterns.
 *
 * Exit codes: 0 the fork is written; 1 it cannot be made (the project's sources do not line up with
 * its registry, or npm cannot prune the lockfile offline), with what is wrong; 2 bad arguments, in one
 * line (missing arguments, an unknown pattern, a folder that exists and is not empty or lies inside
 * this project).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { PATTERNS } from '../lib/patterns';
import { ForkError, planFork } from './fork/plan';
import { writeFork } from './fork/project';

const ROOT = path.join(__dirname, '..');
const USAGE = 'usage: npm run fork -- <pattern> <dir>  |  npm run fork -- --list';

/** What the command line asks for. */
export type ForkArgs = { readonly list: true } | { readonly list: false; readonly pattern: string; readonly dir: string };

/** A command line that cannot be followed: one line saying why. */
export class UsageError extends Error {}

/**
 * Parses the arguments after `npm run fork --`; `cwd` resolves a relative folder (by default the
 * folder npm was started in, not the project root it runs scripts from). Throws {@link UsageError}.
 */
export function parseArgs(argv: readonly string[], cwd = process.env.INIT_CWD ?? process.cwd()): ForkArgs {
  const known = PATTERNS.map((p) => p.name).join(', ');
  const options = argv.filter((a) => a.startsWith('-'));
  const positional = argv.filter((a) => !a.startsWith('-'));
  if (options.length === 1 && options[0] === '--list' && positional.length === 0) return { list: true };
  const unknown = options.find((o) => o !== '--list');
  if (unknown) throw new UsageError(`unknown option ${unknown}`);
  if (options.length) throw new UsageError('--list takes no other argument');
  const [pattern, dir, extra] = positional;
  if (pattern === undefined) throw new UsageError(`which pattern and which folder? patterns: ${known}`);
  if (!PATTERNS.some((p) => p.name === pattern)) throw new UsageError(`unknown pattern ${pattern}: known patterns are ${known}`);
  if (dir === undefined) throw new UsageError(`which folder? for example: npm run fork -- ${pattern} ../my-${pattern}`);
  if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`);
  const target = path.resolve(cwd, dir);
  const relative = path.relative(ROOT, target);
  if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
    throw new UsageError(`${dir} is inside this project: choose a folder outside it, for example ../my-${pattern}`);
  }
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new UsageError(`${dir} exists and is not a folder`);
    if (readdirSync(target).length > 0) throw new UsageError(`${dir} exists and is not empty: choose a new or empty folder`);
  }
  return { list: false, pattern, dir: target };
}

function main(): number {
  let args: ForkArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`fork: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (args.list) {
    for (const p of PATTERNS) console.log(p.name);
    return 0;
  }
  try {
    const plan = planFork(args.pattern, ROOT, PATTERNS);
    const pkg = writeFork(plan, ROOT, args.dir);
    console.log(`fork: ${args.pattern} written to ${args.dir} as ${pkg.name} (${plan.files.size + 3} files)`);
    for (const part of plan.reused) {
      console.log(`  reuses ${part.name}: ${part.whole ? 'its whole lib folder (stack not registered)' : part.names.join(', ')}`);
    }
    for (const { file, reason } of plan.left) console.log(`  left out ${file}: ${reason}`);
    console.log(`next: cd ${args.dir} && npm ci && npx cdk synth && npm test`);
    return 0;
  } catch (error) {
    if (!(error instanceof ForkError)) throw error;
    console.error(`fork: ${error.message}`);
    return 1;
  }
}

if (require.main === module) process.exit(main());
