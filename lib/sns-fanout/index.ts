import type { App } from 'aws-cdk-lib';
import { emailKey, httpsUrlKey } from '../shared/context-keys';
import { SNS_FACTS, SNS_SETTINGS } from '../shared/limits';
import type { PatternDefinition } from '../shared/pattern';
import { SnsFanoutStack } from './sns-fanout-stack';

export * from './fanout-topic';
export * from './sns-fanout-stack';

/** Context key: an address subscribed to the fan-out topic itself. */
export const NOTIFICATION_EMAIL_KEY = emailKey(
  'notificationEmail',
  'subscribes the address to the SNS fan-out topic (default: alarmEmail)',
);
/** Context key: an HTTPS endpoint subscribed to the fan-out topic. */
export const WEBHOOK_URL_KEY = httpsUrlKey('webhookUrl', 'subscribes the endpoint to the SNS fan-out topic, with a retry policy');

/** The SNS fan-out pattern. */
export const pattern: PatternDefinition = {
  name: 'sns-fanout',
  stackId: 'Decoupling-SnsFanout',
  title: 'SNS fan-out (filtered queues, Lambda, e-mail, HTTPS; FIFO; claim check)',
  contextKeys: [NOTIFICATION_EMAIL_KEY, WEBHOOK_URL_KEY],
  reuses: ['sqs-dlq'],
  guide: { settings: SNS_SETTINGS, facts: SNS_FACTS },
  build: (scope: App, config) =>
    new SnsFanoutStack(scope, pattern.stackId, {
      settings: config.settings,
      alarmEmail: config.alarmEmail,
      notificationEmail: config.get(NOTIFICATION_EMAIL_KEY),
      webhookUrl: config.get(WEBHOOK_URL_KEY),
    }),
};
