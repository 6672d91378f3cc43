// The SQS stack with its opt-in backlog worker as `cdk synth` builds it: CloudFormation Validate and
// cdk-nag on. Beside the pattern's other tests rather than in test/app.test.ts, which names no pattern
// so that the fork of any pattern keeps it.
delete process.env.CDK_VALIDATION;

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { STACK_IDS } from '../../lib/app';
import { profileSettings } from '../../lib/shared/profile';
import { SqsDlqStack } from '../../lib/sqs-dlq';
import { CDK_JSON_CONTEXT } from '../helpers';

interface Report {
  pluginReports: Array<{ pluginName: string; violations: unknown[] }>;
}

const dir = mkdtempSync(path.join(tmpdir(), 'decoupling-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const report = (out: string): Report => JSON.parse(readFileSync(path.join(out, 'validation-report.json'), 'utf8'));

describe('the SQS stack with its opt-in backlog worker (your image), production profile', () => {
  const app = new App({ context: CDK_JSON_CONTEXT, outdir: dir });
  new SqsDlqStack(app, STACK_IDS.sqsDlq, {
    settings: profileSettings('production'),
    backlogWorker: true,
    workerImage: ecs.ContainerImage.fromRegistry('public.ecr.aws/example/order-worker:1.0.0'),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  const assembly = app.synth();

  test('the worker is deployed, with no CloudFormation Validate or cdk-nag finding', () => {
    const resources = Object.values(assembly.getStackByName(STACK_IDS.sqsDlq).template.Resources as Record<string, { Type: string }>);
    expect(resources.filter((r) => r.Type === 'AWS::ECS::Service')).toHaveLength(1);
    const violations = report(dir).pluginReports.flatMap((r) => r.violations.map((v) => ({ plugin: r.pluginName, v })));
    expect(violations).toEqual([]);
  });
});
