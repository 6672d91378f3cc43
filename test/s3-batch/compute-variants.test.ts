// Synth is clean for every compute variant in both profiles. The whole-app test synthesizes the
// default (Fargate) stack in both profiles with CloudFormation Validate and cdk-nag. What the other
// variants change is the network, the compute environments, the queues and the job definition: this
// file synthesizes, once and with both checks, one stack holding each shape of resource they add
// (Fargate Spot, EC2, EC2 Spot and unmanaged environments, their launch template, instance and service
// roles, the EC2 job definition, the private network with the ECS endpoints). Validate compiles its
// engine once per process (seconds), so one synthesis it is; the variants' real stacks are checked
// with template assertions.
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
  type BatchComputeKind,
  BatchNetwork,
  JOB_COMPUTE,
  JobSubnets,
  ObjectJobDefinition,
  PriorityJobQueues,
  S3BatchStack,
} from '../../lib/s3-batch';
import { NO_BUNDLING, settings } from '../helpers';

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
  const dir = outdir();
  const app = new App({ context: NO_BUNDLING, outdir: dir });
  const stack = new Stack(app, 'S3BatchComputeMatrix');
  const bucket = new s3.Bucket(stack, 'Data', {
    enforceSSL: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    serverAccessLogsPrefix: 'access-logs/',
  });
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
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  let template: Template;

  test('CloudFormation Validate and cdk-nag: no finding on what any variant adds, in either network', () => {
    template = Template.fromJSON(app.synth().getStackByName('S3BatchComputeMatrix').template);
    expect(violations(dir)).toEqual([]);
  });

  test('the checks bite: a finding fails synth', () => {
    const bad = new App({ context: NO_BUNDLING, outdir: outdir(), builtinCloudFormationValidation: false });
    new sqs.Queue(new Stack(bad, 'Bad'), 'Plain');
    Validations.of(bad).addPlugins(new AwsSolutionsChecks(bad));
    expect(() => bad.synth()).toThrow(/AwsSolutions-SQS3/);
  });

  test('Fargate Spot: a FARGATE_SPOT environment, a Fargate job definition', () => {
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'FARGATE_SPOT', MaxvCpus: 4 }),
    });
    template.resourcePropertiesCountIs('AWS::Batch::JobDefinition', { PlatformCapabilities: ['FARGATE'] }, 1);
  });

  test('EC2 and EC2 Spot: instance families of the job’s architecture, min vCPU 0, max bounded, Amazon Linux 2023, IMDSv2, an encrypted root volume', () => {
    for (const type of ['EC2', 'SPOT']) {
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
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
    }
    template.resourcePropertiesCountIs(
      'AWS::EC2::LaunchTemplate',
      {
        LaunchTemplateData: Match.objectLike({
          MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
          BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeSize: 30 } }],
        }),
      },
      2,
    );
    template.resourcePropertiesCountIs(
      'AWS::Batch::JobDefinition',
      {
        PlatformCapabilities: ['EC2'],
        ContainerProperties: Match.objectLike({
          NetworkConfiguration: Match.absent(),
          ResourceRequirements: [
            { Type: 'MEMORY', Value: '1024' },
            { Type: 'VCPU', Value: '1' },
          ],
        }),
      },
      3,
    );
  });

  test('unmanaged: an UNMANAGED environment (you bring the ECS instances) and an EC2 job definition', () => {
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { Type: 'unmanaged', ComputeResources: Match.absent() });
    expect(JOB_COMPUTE.unmanaged()).toMatchObject({ kind: 'unmanaged', platform: 'EC2', managed: false });
  });

  test('the stack with EC2 in production: private subnets with the ECS endpoints too, so instances can join the cluster', () => {
    const real = new App({ context: NO_BUNDLING, builtinCloudFormationValidation: false });
    const ec2Production = Template.fromStack(
      new S3BatchStack(real, 'Ec2Production', { settings: settings('production'), compute: JOB_COMPUTE.ec2() }),
    );
    const endpoints = Object.values(ec2Production.findResources('AWS::EC2::VPCEndpoint')).map((e) =>
      JSON.stringify(e.Properties.ServiceName).replace(/.*\.(ecr\.api|ecr\.dkr|logs|s3|ecs-agent|ecs-telemetry|ecs)".*/, '$1'),
    );
    expect(endpoints.sort()).toEqual(['ecr.api', 'ecr.dkr', 'ecs', 'ecs-agent', 'ecs-telemetry', 'logs', 's3']);
    ec2Production.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'EC2', MaxvCpus: 16 }),
    });
    expect(ec2Production.toJSON().Outputs.ComputeKind.Value).toBe('ec2');
  });
});
