// The whole app as `cdk synth` builds it: bundling on, CloudFormation Validate on, cdk-nag packs on.
delete process.env.CDK_VALIDATION;

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { buildApp, STACK_IDS } from '../lib/app';
import { CDK_JSON_CONTEXT } from './helpers';
import { variantMatrix } from './s3-batch/variant-matrix';

interface Report {
  pluginReports: Array<{ pluginName: string; violations: unknown[]; summary?: { status?: string } }>;
}

interface PolicyDocument {
  Statement: Array<{ Action: string | string[]; Resource: unknown }>;
}

interface IamResource {
  Type: string;
  Properties: { PolicyDocument?: PolicyDocument; Policies?: Array<{ PolicyDocument: PolicyDocument }> };
}

interface FunctionResource {
  Type: string;
  Properties: { Code?: { S3Key?: string }; Environment?: { Variables?: Record<string, unknown> } };
}

/**
 * Actions that do not support resource-level permissions (Service Authorization Reference), so a
 * policy can only grant them on Resource "*": X-Ray's writes, the ECR token an image pull needs, and
 * Batch ListJobs.
 */
const WITHOUT_RESOURCE_LEVEL_PERMISSIONS = ['ecr:GetAuthorizationToken', 'batch:ListJobs'];

const outdirs: string[] = [];
function outdir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'decoupling-app-'));
  outdirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

function report(dir: string): Report {
  return JSON.parse(readFileSync(path.join(dir, 'validation-report.json'), 'utf8'));
}

describe.each([
  ['sandbox', {}],
  ['production with e-mail and worker', { profile: 'production', alarmEmail: 'ops@example.com' }],
])('whole app, %s', (_name, context) => {
  const dir = outdir();
  const assembly = buildApp({ context: { ...CDK_JSON_CONTEXT, ...context }, outdir: dir }).synth();

  test('one stack per pattern, with the fixed ids', () => {
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(Object.values(STACK_IDS).sort());
  });

  test('no CloudFormation Validate finding and no cdk-nag finding, error or warning', () => {
    const violations = report(dir).pluginReports.flatMap((r) => r.violations.map((v) => ({ plugin: r.pluginName, v })));
    expect(violations).toEqual([]);
  });

  test('IAM: no wildcard action anywhere, and Resource "*" only for actions without resource-level permissions', () => {
    for (const stack of assembly.stacks) {
      for (const [id, resource] of Object.entries(stack.template.Resources as Record<string, IamResource>)) {
        if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::Role') continue;
        const documents =
          resource.Type === 'AWS::IAM::Policy'
            ? [resource.Properties.PolicyDocument]
            : (resource.Properties.Policies ?? []).map((p) => p.PolicyDocument);
        for (const document of documents) {
          if (!document) continue;
          for (const statement of document.Statement) {
            const actions: string[] = [statement.Action].flat();
            expect([stack.stackName, id, actions.filter((a) => a === '*' || a.endsWith(':*'))]).toEqual([stack.stackName, id, []]);
            if (statement.Resource === '*')
              expect([
                stack.stackName,
                id,
                actions.every((a) => a.startsWith('xray:') || WITHOUT_RESOURCE_LEVEL_PERMISSIONS.includes(a)),
              ]).toEqual([stack.stackName, id, true]);
          }
        }
      }
    }
  });

  test('each handler bundle is at most 150 KB and carries a source map', () => {
    const handlers = assembly.stacks.flatMap((stack) =>
      Object.values(stack.template.Resources as Record<string, FunctionResource>)
        .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME !== undefined)
        .map((r) => path.join(dir, `asset.${String(r.Properties.Code?.S3Key).replace(/\.zip$/, '')}`, 'index.js')),
    );
    expect(handlers.length).toBeGreaterThanOrEqual(2);
    for (const bundle of handlers) {
      expect([bundle, statSync(bundle).size <= 150 * 1024]).toEqual([bundle, true]);
      expect(statSync(`${bundle}.map`).size).toBeGreaterThan(0);
    }
  });
});

describe('the S3 -> Batch compute variants: what each adds to the default stack', () => {
  const dir = outdir();
  const app = new App({ context: CDK_JSON_CONTEXT, outdir: dir });
  variantMatrix(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  app.synth();

  test('Fargate Spot, EC2, EC2 Spot and unmanaged, in public and private networks: no CloudFormation Validate or cdk-nag finding', () => {
    const violations = report(dir).pluginReports.flatMap((r) => r.violations.map((v) => ({ plugin: r.pluginName, v })));
    expect(violations).toEqual([]);
  });
});

describe('the checks bite', () => {
  test('a queue without TLS enforcement or DLQ fails synth with the nag rule ids', () => {
    const app = new App({ context: CDK_JSON_CONTEXT, outdir: outdir() });
    const stack = new Stack(app, 'Bad');
    new sqs.Queue(stack, 'Plain', { encryption: sqs.QueueEncryption.SQS_MANAGED });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3[\s\S]*AwsSolutions-SQS4|AwsSolutions-SQS4[\s\S]*AwsSolutions-SQS3/);
  });

  test('an invalid template fails synth through CloudFormation Validate', () => {
    const app = new App({ context: CDK_JSON_CONTEXT, outdir: outdir() });
    const stack = new Stack(app, 'Invalid');
    new sqs.CfnQueue(stack, 'Broken', { delaySeconds: 901 });
    expect(() => app.synth()).toThrow(/Validation failed|DelaySeconds/);
  });
});
