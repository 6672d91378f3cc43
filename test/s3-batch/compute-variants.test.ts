// Synth is clean for every compute variant in both profiles. cdk-nag is cheap and runs over the real
// stack of every variant and profile. CloudFormation Validate costs seconds per stack template, so it
// runs once, over one stack holding each shape of resource the variants add to what the whole-app test
// validates (the Fargate stack in both profiles): Fargate Spot, EC2, EC2 Spot and unmanaged
// environments, the EC2 job definition, and the private network with the ECS endpoints.
delete process.env.CDK_VALIDATION;

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import {
  BATCH_COMPUTE_KINDS,
  type BatchComputeKind,
  BatchNetwork,
  JOB_COMPUTE,
  JobSubnets,
  ObjectJobDefinition,
  PriorityJobQueues,
  S3BatchStack,
} from '../../lib/s3-batch';
import type { Profile } from '../../lib/shared/profile';
import { NO_BUNDLING, settings } from '../helpers';

const PROFILES: readonly Profile[] = ['sandbox', 'production'];
const outdirs: string[] = [];
function outdir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 's3-batch-variants-'));
  outdirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

function violations(dir: string): unknown[] {
  const report = JSON.parse(readFileSync(path.join(dir, 'validation-report.json'), 'utf8')) as {
    pluginReports: Array<{ pluginName: string; violations: unknown[] }>;
  };
  return report.pluginReports.flatMap((r) => r.violations.map((v) => ({ plugin: r.pluginName, v })));
}

describe('every compute variant, both profiles', () => {
  const stacks = new Map<string, S3BatchStack>();
  const nagDir = outdir();
  const nagApp = new App({ context: NO_BUNDLING, outdir: nagDir, builtinCloudFormationValidation: false });
  for (const kind of BATCH_COMPUTE_KINDS) {
    for (const profile of PROFILES) {
      stacks.set(
        `${kind}/${profile}`,
        new S3BatchStack(nagApp, `S3Batch-${kind}-${profile}`, { settings: settings(profile), compute: JOB_COMPUTE[kind]() }),
      );
    }
  }
  Validations.of(nagApp).addPlugins(new AwsSolutionsChecks(nagApp), new ServerlessChecks(nagApp));

  test('cdk-nag AwsSolutions and Serverless: no finding on any variant in either profile', () => {
    nagApp.synth();
    expect(violations(nagDir)).toEqual([]);
  });

  test('CloudFormation Validate: no finding on the network, compute environments, queues and job definition of any variant', () => {
    const dir = outdir();
    const app = new App({ context: NO_BUNDLING, outdir: dir });
    const stack = new Stack(app, 'S3BatchComputeMatrix');
    const bucket = new s3.Bucket(stack, 'Data', { enforceSSL: true });
    const publicSubnets = new BatchNetwork(stack, 'Public', { subnets: JobSubnets.PUBLIC });
    const privateEc2 = new BatchNetwork(stack, 'PrivateEc2', { subnets: JobSubnets.PRIVATE_WITH_ENDPOINTS, platform: 'EC2' });
    const combinations: Array<[BatchComputeKind, BatchNetwork]> = [
      ['fargate-spot', publicSubnets],
      ['ec2', privateEc2],
      ['ec2-spot', publicSubnets],
      ['unmanaged', privateEc2],
    ];
    for (const [kind, network] of combinations) {
      const queues = new PriorityJobQueues(stack, `Queues-${kind}`, { compute: JOB_COMPUTE[kind](), network });
      new ObjectJobDefinition(stack, `Job-${kind}`, {
        bucket,
        inputPrefix: 'incoming/',
        outputPrefix: 'results/',
        platform: queues.platform,
        network,
        maxvCpus: queues.maxvCpus,
      });
    }
    app.synth();
    expect(violations(dir)).toEqual([]);
  });

  test('the checks bite: a finding fails synth', () => {
    const app = new App({ context: NO_BUNDLING, outdir: outdir(), builtinCloudFormationValidation: false });
    new sqs.Queue(new Stack(app, 'Bad'), 'Plain');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
  });

  const template = (kind: BatchComputeKind, profile: Profile = 'sandbox') => Template.fromStack(stacks.get(`${kind}/${profile}`) as Stack);

  test('Fargate Spot: a FARGATE_SPOT environment', () => {
    template('fargate-spot').hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'FARGATE_SPOT', MaxvCpus: 4 }),
    });
    template('fargate-spot').hasResourceProperties('AWS::Batch::JobDefinition', { PlatformCapabilities: ['FARGATE'] });
  });

  test('EC2 and EC2 Spot: instance families of the job’s architecture, min vCPU 0, max bounded, IMDSv2 and an encrypted root volume', () => {
    for (const [kind, type] of [
      ['ec2', 'EC2'],
      ['ec2-spot', 'SPOT'],
    ] as const) {
      const t = template(kind);
      t.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        Type: 'managed',
        ComputeResources: Match.objectLike({
          Type: type,
          MinvCpus: 0,
          MaxvCpus: 4,
          InstanceTypes: ['m7i', 'c7i'],
          LaunchTemplate: Match.objectLike({ LaunchTemplateId: Match.anyValue() }),
          Ec2Configuration: [{ ImageType: 'ECS_AL2023' }],
          ...(type === 'SPOT' ? { AllocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED' } : {}),
        }),
      });
      t.hasResourceProperties('AWS::EC2::LaunchTemplate', {
        LaunchTemplateData: Match.objectLike({
          MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
          BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeSize: 30 } }],
        }),
      });
      t.hasResourceProperties('AWS::Batch::JobDefinition', {
        PlatformCapabilities: ['EC2'],
        ContainerProperties: Match.objectLike({
          NetworkConfiguration: Match.absent(),
          ResourceRequirements: [
            { Type: 'MEMORY', Value: '1024' },
            { Type: 'VCPU', Value: '1' },
          ],
        }),
      });
    }
  });

  test('EC2 in private subnets: the ECS endpoints too, so instances can join the cluster', () => {
    const endpoints = Object.values(template('ec2', 'production').findResources('AWS::EC2::VPCEndpoint')).map((e) =>
      JSON.stringify(e.Properties.ServiceName).replace(/.*\.(ecr\.api|ecr\.dkr|logs|s3|ecs-agent|ecs-telemetry|ecs)".*/, '$1'),
    );
    expect(endpoints.sort()).toEqual(['ecr.api', 'ecr.dkr', 'ecs', 'ecs-agent', 'ecs-telemetry', 'logs', 's3']);
  });

  test('unmanaged: an UNMANAGED environment and an EC2 job definition; you bring the ECS instances', () => {
    const t = template('unmanaged');
    t.hasResourceProperties('AWS::Batch::ComputeEnvironment', { Type: 'unmanaged', ComputeResources: Match.absent() });
    t.hasResourceProperties('AWS::Batch::JobDefinition', { PlatformCapabilities: ['EC2'] });
    expect(t.toJSON().Outputs.ComputeKind.Value).toBe('unmanaged');
  });
});
