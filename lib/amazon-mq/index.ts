import type { App } from 'aws-cdk-lib';
import { oneOfKey } from '../shared/context-keys';
import { AMAZON_MQ_FACTS, AMAZON_MQ_SETTINGS } from '../shared/limits';
import type { PatternDefinition } from '../shared/pattern';
import { AmazonMqStack } from './amazon-mq-stack';
import type { BrokerEngine } from './broker-credentials';

export * from './amazon-mq-stack';
export * from './broker-consumer';
export * from './broker-credentials';
export * from './broker-network';
export * from './broker-producer';
export * from './broker-queue';
export * from './message-broker';

/** Context key: which Amazon MQ engines the amazon-mq stack deploys. */
export const MQ_ENGINES_KEY = oneOfKey(
  'mqEngines',
  ['both', 'rabbitmq', 'activemq'] as const,
  'the Amazon MQ brokers to deploy (default both); each bills every hour',
  ' (default both)',
);

const ENGINES: Readonly<Record<'both' | 'rabbitmq' | 'activemq', readonly BrokerEngine[]>> = {
  both: ['RABBITMQ', 'ACTIVEMQ'],
  rabbitmq: ['RABBITMQ'],
  activemq: ['ACTIVEMQ'],
};

/** The Amazon MQ pattern. */
export const pattern: PatternDefinition = {
  name: 'amazon-mq',
  stackId: 'Decoupling-AmazonMq',
  title: 'Amazon MQ in a private VPC (RabbitMQ, ActiveMQ) with Lambda producers and consumers',
  contextKeys: [MQ_ENGINES_KEY],
  reuses: [],
  guide: { settings: AMAZON_MQ_SETTINGS, facts: AMAZON_MQ_FACTS },
  build: (scope: App, config) =>
    new AmazonMqStack(scope, pattern.stackId, {
      settings: config.settings,
      alarmEmail: config.alarmEmail,
      engines: ENGINES[config.get(MQ_ENGINES_KEY) ?? 'both'],
    }),
};
