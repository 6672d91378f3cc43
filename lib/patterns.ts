import { pattern as amazonMq } from './amazon-mq';
import { pattern as apiLambda } from './api-lambda';
import { pattern as appflow } from './appflow';
import { pattern as s3Batch } from './s3-batch';
import type { PatternDefinition } from './shared/pattern';
import { pattern as snsFanout } from './sns-fanout';
import { pattern as sqsDlq } from './sqs-dlq';
import { pattern as stepFunctions } from './step-functions';

/**
 * Every pattern of the project, in the order of the README's table. The app, the scenarios, the docs
 * generator, the bench, the demo and the fork iterate over this list: a new pattern is its folders
 * plus one entry here.
 */
export const PATTERNS: readonly PatternDefinition[] = [sqsDlq, snsFanout, apiLambda, s3Batch, stepFunctions, amazonMq, appflow];

/** A pattern by folder name, or undefined. */
export function findPattern(name: string): PatternDefinition | undefined {
  return PATTERNS.find((p) => p.name === name);
}
