import { mkdtempSync, readFileSync } from 'node:fs';
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
   * Where the cloud assembly goes.
   * @default - a new temporary folder
   */
  readonly outdir?: string;
  /** Changes the app before synthesis (tests use it to break a setting on purpose). */
  readonly mutate?: (app: App) => void;
  /**
   * Only these stacks are bundled and returned.
   * @default - every stack
   */
  readonly stacks?: readonly string[];
}

/**
 * Synthesizes the app as `cdk synth` does (cdk.json's context, bundling on, validation and cdk-nag
 * off: this is for running, not reviewing) and returns its stacks for the local runtime.
 */
export function synthesizeForLocal(options: SynthesizeOptions = {}): { readonly assemblyDir: string; readonly stacks: StackInput[] } {
  const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const outdir = options.outdir ?? mkdtempSync(path.join(tmpdir(), 'decoupling-local-'));
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    const bundling = options.stacks ? { 'aws:cdk:bundling-stacks': [...options.stacks] } : {};
    const app = buildApp({ context: { ...cdkJson.context, ...bundling, ...options.context }, outdir, nag: false, stacks: options.stacks });
    options.mutate?.(app);
    app.synth();
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
  }
  const stacks = readAssembly(outdir).filter((s) => !options.stacks || options.stacks.includes(s.stackName));
  return { assemblyDir: outdir, stacks };
}
