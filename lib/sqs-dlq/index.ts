import type { App } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { booleanKey, ContextError, stringKey } from '../shared/context-keys';
import { SQS_FACTS, SQS_SETTINGS } from '../shared/limits';
import type { PatternDefinition } from '../shared/pattern';
import { SqsDlqStack } from './sqs-dlq-stack';

export * from './backlog-worker';
export * from './queue-consumer';
export * from './queue-with-dead-letter';
export * from './sqs-dlq-stack';

/** Context key: the opt-in Fargate worker that scales on its work queue's backlog. */
export const BACKLOG_WORKER_KEY = booleanKey(
  'backlogWorker',
  "the SQS pattern's opt-in Fargate worker that scales on its work queue's backlog (off in every profile; needs backlogWorkerImage)",
);
/** Context key: the worker's container image, pulled from a registry (your code: it must process, not drop, the work). */
export const BACKLOG_WORKER_IMAGE_KEY = stringKey(
  'backlogWorkerImage',
  /^[a-z0-9][a-z0-9.-]*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})?$/,
  'an image reference such as public.ecr.aws/acme/order-worker:1.0.0',
  "the backlog worker's image (run with its own command; it reads QUEUE_URL and deletes a message only after processing it)",
);

/** The SQS queue + dead-letter queue pattern. */
export const pattern: PatternDefinition = {
  name: 'sqs-dlq',
  stackId: 'Decoupling-SqsDlq',
  title: 'SQS queue + dead-letter queue (standard, FIFO)',
  contextKeys: [BACKLOG_WORKER_KEY, BACKLOG_WORKER_IMAGE_KEY],
  reuses: [],
  guide: { settings: SQS_SETTINGS, facts: SQS_FACTS },
  build: (scope: App, config) => {
    const image = config.get(BACKLOG_WORKER_IMAGE_KEY);
    const worker = config.get(BACKLOG_WORKER_KEY);
    if (worker === true && image === undefined) {
      throw new ContextError(
        BACKLOG_WORKER_KEY.name,
        true,
        `true only with -c ${BACKLOG_WORKER_IMAGE_KEY.name}=<your image>: there is no default worker`,
      );
    }
    if (worker !== true && image !== undefined) {
      throw new ContextError(BACKLOG_WORKER_IMAGE_KEY.name, image, `only with -c ${BACKLOG_WORKER_KEY.name}=true`);
    }
    return new SqsDlqStack(scope, pattern.stackId, {
      settings: config.settings,
      alarmEmail: config.alarmEmail,
      backlogWorker: worker,
      workerImage: image === undefined ? undefined : ecs.ContainerImage.fromRegistry(image),
    });
  },
};
