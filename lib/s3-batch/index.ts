import type { App } from 'aws-cdk-lib';
import { oneOfKey } from '../shared/context-keys';
import { BATCH_FACTS, BATCH_SETTINGS } from '../shared/limits';
import type { PatternDefinition } from '../shared/pattern';
import { BATCH_COMPUTE_KINDS, JOB_COMPUTE, S3BatchStack } from './s3-batch-stack';

export * from './batch-network';
export * from './compute/ec2-compute';
export * from './compute/fargate-compute';
export * from './compute/job-compute';
export * from './compute/unmanaged-compute';
export * from './job-state-notifications';
export * from './job-submitter';
export * from './object-job-definition';
export * from './priority-job-queues';
export * from './s3-batch-stack';

/** Context key: the compute environment of the S3 -> Batch pattern's job queues. */
export const BATCH_COMPUTE_KEY = oneOfKey(
  'batchCompute',
  BATCH_COMPUTE_KINDS,
  "the S3 -> Batch pattern's compute environment: managed Fargate, Fargate Spot, EC2, EC2 Spot, or unmanaged (you bring ECS instances)",
  ' (default fargate)',
);

/** The S3 -> Lambda -> AWS Batch pattern. */
export const pattern: PatternDefinition = {
  name: 's3-batch',
  stackId: 'Decoupling-S3Batch',
  title: 'S3 -> Lambda -> AWS Batch (Fargate, Fargate Spot, EC2, EC2 Spot, unmanaged; job states through EventBridge)',
  contextKeys: [BATCH_COMPUTE_KEY],
  reuses: ['sqs-dlq'],
  guide: { settings: BATCH_SETTINGS, facts: BATCH_FACTS },
  build: (scope: App, config) =>
    new S3BatchStack(scope, pattern.stackId, {
      settings: config.settings,
      alarmEmail: config.alarmEmail,
      compute: JOB_COMPUTE[config.get(BATCH_COMPUTE_KEY) ?? 'fargate'](),
    }),
};
