import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../lib/app';
import { type Profile, profileSettings } from '../lib/shared/profile';

/** The feature flags and settings of cdk.json, so that tests build what `cdk synth` builds. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')).context;

/** cdk.json's context plus skipped asset bundling: fine-grained tests look at templates, not at bundles. */
export const NO_BUNDLING: Record<string, unknown> = { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] };

/** A bare stack for construct tests (no bundling, no nag). */
export function testStack(context: Record<string, unknown> = {}): Stack {
  const app = new App({ context: { ...NO_BUNDLING, ...context } });
  return new Stack(app, 'Test');
}

/** The app as `cdk synth` builds it, with bundling skipped and nag off, for template assertions. */
export function appTemplate(stackId: string, context: Record<string, unknown> = {}): Template {
  const app = buildApp({ context: { ...NO_BUNDLING, ...context }, nag: false, stacks: [stackId] });
  return Template.fromStack(app.node.findChild(stackId) as Stack);
}

/** The settings of a profile, for stacks built directly in tests. */
export function settings(profile: Profile = 'sandbox') {
  return profileSettings(profile);
}

/** The message of what `fn` throws (fails the test when it throws nothing). */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected an error, none was thrown');
}
