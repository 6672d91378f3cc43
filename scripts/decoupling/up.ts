import { rmSync } from 'node:fs';
import { findPattern, PATTERNS } from '../../lib/patterns';
import { synthesizeForLocal } from '../../local/assembly';
import { startLocalRuntime } from '../../local/runtime';
import { knownPattern } from './diagram';
import type { CliIo } from './io';
import { EXIT } from './io';

/**
 * `decoupling up [pattern...]`: synthesizes the patterns, runs them on the local runtime and keeps it
 * running until Ctrl-C, printing each stack's outputs (local URLs and ARNs) and the endpoints, so
 * that `decoupling redrive --queue <local url>` and the user's own SDK scripts can use it.
 */
export async function upCommand(options: { patterns: readonly string[]; retryDelaySeconds: number }, io: CliIo): Promise<number> {
  const names = options.patterns.length ? options.patterns.map(knownPattern) : PATTERNS.map((p) => p.name);
  const stackIds = names.map((name) => findPattern(name)?.stackId as string);
  io.out.write(`synthesizing ${names.join(', ')}...\n`);
  const { assemblyDir, stacks } = synthesizeForLocal({ stacks: stackIds });
  try {
    const runtime = await startLocalRuntime({ stacks, retryDelaySeconds: options.retryDelaySeconds });
    try {
      for (const notice of runtime.notices) io.out.write(`note: ${notice}\n`);
      for (const stack of stacks) {
        io.out.write(`\n${stack.stackName} outputs:\n`);
        for (const [key, value] of Object.entries(runtime.outputs(stack.stackName))) io.out.write(`  ${key} = ${value}\n`);
      }
      io.out.write('\nendpoints (region us-east-1, any credentials):\n');
      for (const [service, url] of Object.entries(runtime.endpoints.services)) io.out.write(`  ${service} ${url}\n`);
      io.out.write(`\n${runtime.notEmulated.length} resources not emulated (npm run demo lists them). Running; Ctrl-C stops.\n`);
      await new Promise<void>((resolve) => {
        if (io.signal?.aborted) resolve();
        io.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      io.out.write('stopping...\n');
    } finally {
      await runtime.stop();
    }
  } finally {
    rmSync(assemblyDir, { recursive: true, force: true });
  }
  return EXIT.ok;
}
