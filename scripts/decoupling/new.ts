import * as path from 'node:path';
import { PATTERNS } from '../../lib/patterns';
import { parseArgs, UsageError } from '../fork';
import { ForkError, planFork } from '../fork/plan';
import { writeFork } from '../fork/project';
import { CliError, type CliIo, EXIT } from './io';

const ROOT = path.join(__dirname, '..', '..');

/**
 * `decoupling new <pattern> <dir>`: a project of its own holding one pattern (what `npm run fork`
 * writes), then the two commands to run in it.
 */
export async function newCommand(options: { pattern: string; dir: string }, io: CliIo): Promise<number> {
  let dir: string;
  try {
    const args = parseArgs([options.pattern, options.dir], process.cwd());
    if (args.list) throw new UsageError('which pattern?');
    dir = args.dir;
  } catch (error) {
    if (error instanceof UsageError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
  try {
    const plan = planFork(options.pattern, ROOT, PATTERNS);
    const pkg = writeFork(plan, ROOT, dir);
    io.out.write(`${options.pattern} written to ${dir} as ${pkg.name} (${plan.files.size + 3} files)\n`);
    for (const part of plan.reused) {
      io.out.write(`  reuses ${part.name}: ${part.whole ? 'its whole lib folder (stack not registered)' : part.names.join(', ')}\n`);
    }
    const shown = options.dir;
    io.out.write(`\nnext:\n  cd ${shown} && npm ci && npx cdk synth\n  npm test\n`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ForkError) throw new CliError(error.message, EXIT.failed);
    throw error;
  }
}
