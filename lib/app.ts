import { App, type AppProps, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PATTERNS } from './patterns';
import { readAppConfig } from './shared/context';
import type { ContextKey } from './shared/context-keys';
import type { PatternConfig } from './shared/pattern';
import { profileSettings } from './shared/profile';

/** The stack ids by camel-cased pattern name (`sqsDlq`), fixed so that folders, stacks and docs line up. */
export const STACK_IDS: Readonly<Record<string, string>> = Object.fromEntries(
  PATTERNS.map((p) => [p.name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), p.stackId]),
);

/** Options of {@link buildApp}. */
export interface BuildAppOptions extends AppProps {
  /**
   * Register the cdk-nag AwsSolutions and Serverless packs.
   * @default true
   */
  readonly nag?: boolean;
  /**
   * Build only the stacks with these ids (tests and the local runtime use one pattern at a time).
   * @default - every pattern's stack
   */
  readonly stacks?: readonly string[];
}

/**
 * Builds the app: reads and validates context once, then creates one stack per pattern of
 * `lib/patterns.ts`. Bad or unknown context throws a one-line error naming the key.
 */
export function buildApp(options: BuildAppOptions = {}): App {
  const { nag = true, stacks, ...appProps } = options;
  const app = new App(appProps);
  const config = readAppConfig(app.node);
  const patternConfig: PatternConfig = {
    settings: profileSettings(config.profile),
    alarmEmail: config.alarmEmail,
    get: <T>(key: ContextKey<T>) => config[key.name] as T | undefined,
  };
  for (const pattern of PATTERNS) if (!stacks || stacks.includes(pattern.stackId)) pattern.build(app, patternConfig);

  Tags.of(app).add('project', 'decoupling-patterns');
  Tags.of(app).add('profile', config.profile);
  if (nag) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  }
  return app;
}
