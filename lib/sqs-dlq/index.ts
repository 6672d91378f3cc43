import type { App } from 'aws-cdk-lib';
import { booleanKey } from '../shared/context-keys';
import { SQS_FACTS, SQS_SETTINGS } from '../shared/limits';
import type { PatternDefinition } from '../shared/pattern';
import { SqsDlqStack } from './sqs-dlq-stack';

export * from './backlog-worker';
export * from './queue-consumer';
export * from './queue-with-dead-letter';
export * from './sqs-dlq-stack';

/** Context key: the Fargate worker that scales on its work queue's backlog. */
export const BACKLOG_WORKER_KEY = booleanKey('backlogWorker', "the SQS pattern's Fargate worker that scales on queue depth");

/** The SQS queue + dead-letter queue pattern. */
export const pattern: PatternDefinition = {
  name: 'sqs-dlq',
  stackId: 'Decoupling-SqsDlq',
  title: 'SQS queue + dead-letter queue (standard, FIFO)',
  contextKeys: [BACKLOG_WORKER_KEY],
  reuses: [],
  guide: { settings: SQS_SETTINGS, facts: SQS_FACTS },
  build: (scope: App, config) =>
    new SqsDlqStack(scope, pattern.stackId, {
      settings: config.settings,
      alarmEmail: config.alarmEmail,
      backlogWorker: config.get(BACKLOG_WORKER_KEY),
    }),
};
