import type { App } from 'aws-cdk-lib';
import { STEP_FUNCTIONS_FACTS, STEP_FUNCTIONS_SETTINGS } from '../shared/limits';
import type { PatternDefinition } from '../shared/pattern';
import { StepFunctionsStack } from './step-functions-stack';

export * from './ingestion-workflow';
export * from './order-workflow';
export * from './step-functions-stack';
export * from './transient-retry';
export * from './workflow-state-machine';

/** The Step Functions pattern. */
export const pattern: PatternDefinition = {
  name: 'step-functions',
  stackId: 'Decoupling-StepFunctions',
  title: 'Step Functions: Standard order workflow with human approval, Express ingestion (every state type)',
  contextKeys: [],
  reuses: ['sqs-dlq', 'sns-fanout'],
  guide: { settings: STEP_FUNCTIONS_SETTINGS, facts: STEP_FUNCTIONS_FACTS },
  build: (scope: App, config) =>
    new StepFunctionsStack(scope, pattern.stackId, {
      settings: config.settings,
      alarmEmail: config.alarmEmail,
    }),
};
