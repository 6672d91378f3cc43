import { App, type AppProps, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { readAppConfig } from './shared/context';
import { profileSettings } from './shared/profile';
import { SnsFanoutStack } from './sns-fanout';
import { SqsDlqStack } from './sqs-dlq';

/** The stack ids, fixed so that folders, stacks and docs line up. */
export const STACK_IDS = {
  sqsDlq: 'Decoupling-SqsDlq',
  snsFanout: 'Decoupling-SnsFanout',
} as const;

/** Options of {@link buildApp}. */
export interface BuildAppOptions extends AppProps {
  /**
   * Register the cdk-nag AwsSolutions and Serverless packs.
   * @default true
   */
  readonly nag?: boolean;
}

/**
 * Builds the app: reads and validates context once, then creates one stack per pattern. Bad context
 * throws a one-line error naming the key, the value and what is allowed.
 */
export function buildApp(options: BuildAppOptions = {}): App {
  const { nag = true, ...appProps } = options;
  const app = new App(appProps);
  const config = readAppConfig(app.node);
  const settings = profileSettings(config.profile);

  new SqsDlqStack(app, STACK_IDS.sqsDlq, {
    settings,
    alarmEmail: config.alarmEmail,
    backlogWorker: config.backlogWorker,
  });
  new SnsFanoutStack(app, STACK_IDS.snsFanout, {
    settings,
    alarmEmail: config.alarmEmail,
    notificationEmail: config.notificationEmail,
    webhookUrl: config.webhookUrl,
  });

  Tags.of(app).add('project', 'decoupling-patterns');
  Tags.of(app).add('profile', config.profile);
  if (nag) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  }
  return app;
}
