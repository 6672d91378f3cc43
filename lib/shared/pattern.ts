import type { App, Stack } from 'aws-cdk-lib';
import type { ContextKey } from './context-keys';
import type { DocumentedSetting } from './limits';
import type { ProfileSettings } from './profile';

/** What a pattern's stack is built from: the profile's settings and the app's validated context. */
export interface PatternConfig {
  /** The profile's settings (removal policies, log retention, sizes). */
  readonly settings: ProfileSettings;
  /** Address subscribed to every stack's alarm topic, when given. */
  readonly alarmEmail?: string;
  /** The value of one of the pattern's context keys, typed by the key; undefined when unset. */
  get<T>(key: ContextKey<T>): T | undefined;
}

/** The generated parts of a pattern's guide: its limits table and the quotas its prose states. */
export interface PatternGuide {
  /** Rows of the limits table, between `<!-- BEGIN limits:<name> -->` markers. */
  readonly settings: readonly DocumentedSetting[];
  /** Facts rendered as a list, between `<!-- BEGIN facts:<name> -->` markers. */
  readonly facts: readonly string[];
}

/**
 * One pattern of the project: everything the app, the scenarios, the docs generator, the bench,
 * the demo and the fork need to know about it. Each `lib/<pattern>/index.ts` exports one, and
 * `lib/patterns.ts` lists them.
 */
export interface PatternDefinition {
  /** The folder name under lib/, lambda/, test/, scenarios/ and docs/patterns/ (for example `sqs-dlq`). */
  readonly name: string;
  /** The stack id (for example `Decoupling-SqsDlq`). */
  readonly stackId: string;
  /** What the pattern is, in the README's pattern table. */
  readonly title: string;
  /** Context keys the pattern reads, beyond `profile` and `alarmEmail`. */
  readonly contextKeys: readonly ContextKey[];
  /** Other patterns whose constructs it reuses through their index.ts (a fork takes them along). */
  readonly reuses: readonly string[];
  /** The generated parts of its guide, `docs/patterns/<name>.md`. */
  readonly guide: PatternGuide;
  /** Builds the pattern's stack with its fixed id. */
  build(scope: App, config: PatternConfig): Stack;
}
