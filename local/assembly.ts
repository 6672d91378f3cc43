import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { readAssembly, type StackInput } from './runtime';

/** Options of {@link synthesizeForLocal}. */
export interface SynthesizeOptions {
  /** Extra context, on top of cdk.json's (for example `{ profile: 'sandbox' }`). */
  readonly context?: Record<string, unknown>;
  /**
   * Where the cloud assembly goes; the caller owns it (`dispose` leaves it).
   * @default - a new temporary folder, removed by `dispose()` or when the process ends
   */
  readonly outdir?: string;
  /** Changes the app before synthesis (tests use it to break a setting on purpose). */
  readonly mutate?: (app: App) => void;
  /**
   * Only these stacks are built, bundled and returned.
   * @default - every stack
   */
  readonly stacks?: readonly string[];
}

/** A synthesized cloud assembly for the local runtime. */
export interface LocalAssembly {
  /** The cloud assembly folder. */
  readonly assemblyDir: string;
  /** Its stacks (those asked for), for `startLocalRuntime`. */
  readonly stacks: StackInput[];
  /**
   * Removes the assembly folder when it is a temporary one (no `outdir` given); idempotent. Call it
   * once every runtime started on the assembly has stopped. A temporary folder left behind is removed
   * when the process exits, also on SIGINT, SIGTERM or SIGHUP.
   */
  dispose(): void;
}

/**
 * Synthesizes the app as `cdk synth` does (cdk.json's context, bundling on, validation and cdk-nag
 * off: this is for running, not reviewing) and returns its stacks for the local runtime.
 */
export function synthesizeForLocal(options: SynthesizeOptions = {}): LocalAssembly {
  const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const temporary = options.outdir === undefined ? temporaryDirectory('decoupling-local-') : undefined;
  const outdir = options.outdir ?? (temporary as TemporaryDirectory).path;
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    const bundling = options.stacks ? { 'aws:cdk:bundling-stacks': [...options.stacks] } : {};
    const app = buildApp({ context: { ...cdkJson.context, ...bundling, ...options.context }, outdir, nag: false, stacks: options.stacks });
    options.mutate?.(app);
    app.synth();
  } catch (error) {
    temporary?.remove();
    throw error;
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
  }
  const stacks = readAssembly(outdir).filter((s) => !options.stacks || options.stacks.includes(s.stackName));
  return { assemblyDir: outdir, stacks, dispose: () => temporary?.remove() };
}

/** A folder under the temporary directory that is removed when the process ends, however it ends. */
export interface TemporaryDirectory {
  readonly path: string;
  /** Removes it now; idempotent. */
  remove(): void;
}

const pending = new Set<string>();
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let hooked = false;

/**
 * Creates a folder under the temporary directory (`os.tmpdir()`) that is removed by `remove()`, and
 * otherwise when the process exits: on a normal exit or `process.exit()`, on an uncaught error, and
 * on SIGINT, SIGTERM or SIGHUP. A signal is then raised again, so the process ends as it would have
 * (the exit code says which signal), unless the program handles that signal itself, in which case
 * the folder goes when it exits.
 */
export function temporaryDirectory(prefix: string): TemporaryDirectory {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  pending.add(dir);
  hookProcessEnd();
  return {
    path: dir,
    remove: () => {
      if (!pending.delete(dir)) return;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function removeAll(): void {
  for (const dir of pending) rmSync(dir, { recursive: true, force: true });
  pending.clear();
}

function hookProcessEnd(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', removeAll);
  for (const signal of SIGNALS) {
    const onSignal = () => {
      // Another handler owns this signal: it decides when the process exits, and 'exit' cleans up.
      if (process.listenerCount(signal) > 1) return;
      removeAll();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
