import { App, Duration, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  BatchNetwork,
  Ec2Compute,
  FargateCompute,
  type JobNetwork,
  JobStateNotifications,
  JobSubmitter,
  JobSubnets,
  ObjectJobDefinition,
  type ObjectJobDefinitionProps,
  PriorityJobQueues,
  S3BatchStack,
} from '../../lib/s3-batch';
import { errorOf, NO_BUNDLING, settings, testStack } from '../helpers';

/** A stack with a bucket, a public-subnet network and Fargate queues, to hang the construct under test on. */
function fixture() {
  const stack = testStack();
  const bucket = new s3.Bucket(stack, 'Data');
  const network = new BatchNetwork(stack, 'Network');
  const queues = new PriorityJobQueues(stack, 'Queues', { compute: new FargateCompute(), network });
  return { stack, bucket, network, queues };
}

function definition(overrides: Partial<ObjectJobDefinitionProps> = {}, platform: 'FARGATE' | 'EC2' = 'FARGATE') {
  const { stack, bucket, network } = fixture();
  return () =>
    new ObjectJobDefinition(stack, 'Job', {
      bucket,
      inputPrefix: 'in/',
      outputPrefix: 'out/',
      platform,
      network,
      maxvCpus: 4,
      ...overrides,
    });
}

describe('the network guard: no route to the image registry is a synth error', () => {
  test('Fargate in public subnets without a public IP', () => {
    const { stack, bucket, network } = fixture();
    const noPublicIp: JobNetwork = { ...network, vpc: network.vpc, vpcSubnets: network.vpcSubnets, assignPublicIp: false };
    expect(
      errorOf(
        () =>
          new ObjectJobDefinition(stack, 'Job', {
            bucket,
            inputPrefix: 'in/',
            outputPrefix: 'out/',
            platform: 'FARGATE',
            network: noPublicIp,
          }),
      ),
    ).toBe(
      'Test/Job: network.assignPublicIp = false with public subnet jobs-publicSubnet1: a Fargate task there has no route to ECR and fails with CannotPullContainerError; assign a public IP or use private subnets with a NAT gateway or VPC endpoints',
    );
  });

  test('EC2 in public subnets that do not map public IPs on launch (Fargate there passes: the task gets its own)', () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'Data');
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      natGateways: 0,
      maxAzs: 1,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, mapPublicIpOnLaunch: false }],
    });
    const network: JobNetwork = {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [],
      assignPublicIp: true,
      interfaceEndpoints: [],
      s3GatewayEndpoint: false,
    };
    const make = (id: string, platform: 'FARGATE' | 'EC2') => () =>
      new ObjectJobDefinition(stack, id, { bucket, inputPrefix: 'in/', outputPrefix: 'out/', platform, network });
    expect(errorOf(make('A', 'EC2'))).toBe(
      'Test/A: network.vpcSubnets selects public subnet publicSubnet1, which does not map public IPs on launch: an EC2 instance there has no route to ECR or ECS, never joins the cluster and jobs stay RUNNABLE; map public IPs on launch or use private subnets with a NAT gateway or VPC endpoints',
    );
    expect(() => make('B', 'FARGATE')()).not.toThrow();
    const mapping = new BatchNetwork(stack, 'Public', { platform: 'EC2' });
    expect(
      () => new ObjectJobDefinition(stack, 'C', { bucket, inputPrefix: 'in/', outputPrefix: 'out/', platform: 'EC2', network: mapping }),
    ).not.toThrow();
  });

  test('private subnets without NAT and without the endpoints (Fargate, then EC2)', () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'Data');
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      natGateways: 0,
      maxAzs: 1,
      subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    const bare: JobNetwork = {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [],
      assignPublicIp: false,
      interfaceEndpoints: [],
      s3GatewayEndpoint: false,
    };
    const make = (id: string, network: JobNetwork, platform: 'FARGATE' | 'EC2') => () =>
      new ObjectJobDefinition(stack, id, { bucket, inputPrefix: 'in/', outputPrefix: 'out/', platform, network });
    expect(errorOf(make('A', bare, 'FARGATE'))).toBe(
      'Test/A: network has private subnet isolatedSubnet1 without a NAT gateway and without the VPC endpoints ecr.api, ecr.dkr, logs, s3 (gateway): jobs there have no route to the image registry (CannotPullContainerError)',
    );
    const fargateEndpoints = { ...bare, interfaceEndpoints: ['ecr.api', 'ecr.dkr', 'logs'], s3GatewayEndpoint: true };
    expect(() => make('B', fargateEndpoints, 'FARGATE')()).not.toThrow();
    expect(errorOf(make('C', fargateEndpoints, 'EC2'))).toBe(
      'Test/C: network has private subnet isolatedSubnet1 without a NAT gateway and without the VPC endpoints ecs, ecs-agent, ecs-telemetry: jobs there have no route to the image registry (instances never join the cluster and jobs stay RUNNABLE)',
    );
  });

  test('private subnets with a NAT gateway, and the networks BatchNetwork builds, pass', () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'Data');
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1, maxAzs: 1 });
    const nat: JobNetwork = {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [],
      assignPublicIp: false,
      interfaceEndpoints: [],
      s3GatewayEndpoint: false,
    };
    expect(
      () => new ObjectJobDefinition(stack, 'Nat', { bucket, inputPrefix: 'in/', outputPrefix: 'out/', platform: 'EC2', network: nat }),
    ).not.toThrow();
    for (const platform of ['FARGATE', 'EC2'] as const) {
      const network = new BatchNetwork(stack, `Private${platform}`, { subnets: JobSubnets.PRIVATE_WITH_ENDPOINTS, platform });
      expect(
        () => new ObjectJobDefinition(stack, `Job${platform}`, { bucket, inputPrefix: 'in/', outputPrefix: 'out/', platform, network }),
      ).not.toThrow();
    }
  });
});

describe('job definition guards', () => {
  test('Fargate sizes: only the valid vCPU and memory combinations', () => {
    expect(errorOf(definition({ vcpus: 0.3 }))).toBe('Test/Job: vcpus = 0.3 is not a Fargate size: allowed 0.25, 0.5, 1, 2, 4, 8, 16');
    expect(errorOf(definition({ vcpus: 0.25, memoryMiB: 4096 }))).toBe(
      'Test/Job: memoryMiB = 4096 MiB is not a Fargate size for 0.25 vCPU: allowed 512, 1024, 2048 MiB',
    );
    expect(errorOf(definition({ vcpus: 4, memoryMiB: 4096 }))).toBe(
      'Test/Job: memoryMiB = 4096 MiB is not a Fargate size for 4 vCPU: allowed 8192 to 30720 in steps of 1024 MiB',
    );
    expect(() => definition({ vcpus: 2, memoryMiB: 16384 })()).not.toThrow();
    expect(errorOf(definition({ ephemeralStorageGiB: 20 }))).toMatch(/ephemeralStorageGiB = 20 GiB is out of range: allowed 21 to 200 GiB/);
  });

  test('EC2 sizes: whole vCPUs, at least 4 MiB; no Fargate storage', () => {
    expect(errorOf(definition({ vcpus: 0.5 }, 'EC2'))).toBe('Test/Job: vcpus = 0.5 must be a whole number of vCPUs');
    expect(errorOf(definition({ memoryMiB: 2 }, 'EC2'))).toMatch(/memoryMiB = 2 MiB is out of range: allowed 4 to/);
    expect(errorOf(definition({ ephemeralStorageGiB: 30 }, 'EC2'))).toBe('Test/Job: ephemeralStorageGiB applies to Fargate jobs only');
  });

  test('a job larger than its compute environment would wait in RUNNABLE forever', () => {
    expect(errorOf(definition({ vcpus: 8, memoryMiB: 16384, maxvCpus: 4 }))).toBe(
      "Test/Job: vcpus = 8 is more than the compute environment's maxvCpus = 4: the job would wait in RUNNABLE forever",
    );
  });

  test('retry attempts 1 to 10, at most 5 evaluateOnExit rules, a timeout of at least 60 s', () => {
    expect(errorOf(definition({ retryAttempts: 11 }))).toMatch(/retryAttempts = 11 attempts is out of range: allowed 1 to 10 attempts/);
    const rule = batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED);
    expect(errorOf(definition({ retryStrategies: [rule, rule, rule, rule, rule, rule] }))).toMatch(
      /retryStrategies = 6 rules is out of range: allowed 0 to 5/,
    );
    expect(errorOf(definition({ timeout: Duration.seconds(30) }))).toMatch(/timeout = 30 s is out of range: allowed 60 to 1209600 s/);
  });
});

describe('compute variant guards', () => {
  test('EC2 instance families must match the job’s architecture', () => {
    const { stack, network } = fixture();
    const arm = () =>
      new PriorityJobQueues(stack, 'Arm', {
        compute: new Ec2Compute({ instanceClasses: [ec2.InstanceClass.M7I] }),
        network,
        architecture: ecs.CpuArchitecture.ARM64,
      });
    expect(errorOf(arm)).toBe("Test/Arm: instanceClasses = m7i are not ARM64 instances: the job's ARM64 image cannot run on them");
    const graviton = new PriorityJobQueues(stack, 'Graviton', {
      compute: new Ec2Compute(),
      network,
      architecture: ecs.CpuArchitecture.ARM64,
    });
    expect(graviton.platform).toBe('EC2');
  });

  test('min vCPUs within max vCPUs; max vCPUs bounded; Fargate Spot refuses ARM64', () => {
    const { stack, network } = fixture();
    expect(errorOf(() => new PriorityJobQueues(stack, 'Min', { compute: new Ec2Compute({ minvCpus: 8 }), network, maxvCpus: 4 }))).toMatch(
      /^Test\/Min: minvCpus = 8 vCPUs is out of range: allowed 0 to 4 vCPUs/,
    );
    expect(errorOf(() => new PriorityJobQueues(stack, 'Max', { compute: new FargateCompute(), network, maxvCpus: 10_000 }))).toBe(
      'Test/Max: maxvCpus = 10000 vCPUs is out of range: allowed 1 to 256 vCPUs (project cost ceiling)',
    );
    expect(
      errorOf(
        () =>
          new PriorityJobQueues(stack, 'Spot', {
            compute: new FargateCompute({ spot: true }),
            network,
            architecture: ecs.CpuArchitecture.ARM64,
          }),
      ),
    ).toMatch(/^Test\/Spot: compute = Fargate Spot with ARM64 jobs/);
  });

  test('queue priorities: the large-object queue below the other; RUNNABLE time limit 10 minutes to 24 hours', () => {
    const { stack, network } = fixture();
    expect(
      errorOf(() => new PriorityJobQueues(stack, 'P', { compute: new FargateCompute(), network, priority: 1, largeObjectPriority: 5 })),
    ).toBe('Test/P: largeObjectPriority = 5 is not below priority = 1: large objects would compete with ordinary ones');
    expect(
      errorOf(() => new PriorityJobQueues(stack, 'T', { compute: new FargateCompute(), network, runnableTimeLimit: Duration.minutes(5) })),
    ).toMatch(/runnableTimeLimit = 300 s is out of range: allowed 600 to 86400 s/);
  });
});

describe('submitter and notification guards', () => {
  function submitter(props: Record<string, unknown>) {
    const { stack, bucket, queues } = fixture();
    const job = new ObjectJobDefinition(stack, 'Job', {
      bucket,
      inputPrefix: 'in/',
      outputPrefix: 'out/',
      platform: 'FARGATE',
      network: new BatchNetwork(stack, 'N'),
    });
    return () =>
      new JobSubmitter(stack, 'Submitter', {
        bucket,
        inputPrefix: 'in/',
        jobQueue: queues.jobQueue,
        largeObjectQueue: queues.largeObjectQueue,
        jobDefinition: job.jobDefinition,
        ...props,
      });
  }

  test('a folder-like input prefix, valid content types, sizes within S3’s', () => {
    expect(errorOf(submitter({ inputPrefix: 'in' }))).toBe('Test/Submitter: inputPrefix = "in" must be a folder-like prefix ending in /');
    expect(errorOf(submitter({ contentTypes: ['CSV'] }))).toBe(
      'Test/Submitter: contentTypes = ["CSV"] must be type/subtype values in lower case',
    );
    expect(errorOf(submitter({ maxObjectSize: 6 * 1024 ** 4 }))).toMatch(/maxObjectSize = 6597069766656 bytes is out of range/);
    expect(errorOf(submitter({ submissionRetention: Duration.hours(1) }))).toMatch(
      /submissionRetention = 0.04\d* must be a whole number of days/,
    );
  });

  test('job state notifications: known states, EventBridge retry bounds', () => {
    const { stack, queues } = fixture();
    const make = (id: string, props: Record<string, unknown>) => () =>
      new JobStateNotifications(stack, id, { jobQueues: [queues.jobQueue], ...props });
    expect(errorOf(make('A', { states: ['DONE'] }))).toBe(
      'Test/A: states = ["DONE"]: allowed PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED, FAILED',
    );
    expect(errorOf(make('B', { retryAttempts: 200 }))).toMatch(/retryAttempts = 200 retries is out of range: allowed 0 to 185 retries/);
    expect(errorOf(make('C', { maxEventAge: Duration.hours(25) }))).toMatch(/maxEventAge = 90000 s is out of range: allowed 60 to 86400 s/);
    expect(errorOf(() => new JobStateNotifications(stack, 'D', { jobQueues: [] }))).toBe(
      'Test/D: jobQueues is empty: name the queues whose jobs are reported',
    );
  });

  test('the stack builds every compute variant with its defaults, and ARM64 with Graviton EC2 instances', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new S3BatchStack(app, 'Arm', {
      settings: settings(),
      compute: new Ec2Compute(),
      architecture: ecs.CpuArchitecture.ARM64,
    });
    expect(Stack.of(stack.job).resolve(stack.queues.platform)).toBe('EC2');
  });
});
