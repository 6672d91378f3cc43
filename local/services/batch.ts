import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startRestJsonEndpoint } from '../batch/rest-endpoint';
import { BatchScheduler, type JobDefinitionSpec, normalizeRetryStrategy } from '../batch/scheduler';
import type { LogsService } from './logs';
import type { Created, LocalService, ResourceInput, ServiceHost, ServiceModule } from './service';

/** The Batch service of the local runtime, as other services and tests see it. */
export interface BatchService extends LocalService {
  /** The job lifecycle (queues, definitions, jobs). */
  readonly scheduler: BatchScheduler;
}

const NODE_PATH = path.join(__dirname, '..', '..', 'node_modules');

type Properties = Record<string, unknown>;

/**
 * AWS Batch: `AWS::Batch::ComputeEnvironment`, `AWS::Batch::JobQueue` and `AWS::Batch::JobDefinition`
 * (container jobs) behind a local Batch endpoint (SubmitJob, DescribeJobs, ListJobs, TerminateJob;
 * `AWS_ENDPOINT_URL_BATCH`). Each attempt runs the job's container command as a local Node.js process
 * in the staged image asset's folder, the code the image would run, with the definition's environment
 * and the SDK pointed at the local emulators. Job state changes go to the default event bus as AWS
 * Batch sends them (`aws.batch`, `Batch Job State Change`); the job's output goes to its log group.
 * Containers, images, instance types, networking, memory limits and Spot interruptions are not
 * reproduced: a managed compute environment is its maxvCpus, an unmanaged one has no capacity.
 */
export const batchService: ServiceModule = {
  name: 'batch',
  async start(host: ServiceHost): Promise<BatchService> {
    const defaultBus = `arn:aws:events:${host.region}:${host.accountId}:event-bus/default`;
    const scheduler = new BatchScheduler({
      region: host.region,
      accountId: host.accountId,
      nodePath: NODE_PATH,
      awsEnvironment: () => host.awsEnvironment(),
      onStateChange: (detail) => {
        const body = JSON.stringify({ source: 'aws.batch', 'detail-type': 'Batch Job State Change', resources: [detail.jobArn], detail });
        host.deliver(defaultBus, { body }).catch((error: Error) => host.onError(error));
      },
      onLog: (group, stream, line) => host.service<LogsService>('logs').put(group, stream, line),
      onError: (error) => host.onError(error),
    });
    const endpoint = await startRestJsonEndpoint({
      SubmitJob: (input) => scheduler.submit(input),
      DescribeJobs: (input) => scheduler.describe(input),
      ListJobs: (input) => scheduler.list(input),
      TerminateJob: (input) => scheduler.terminate(input),
    });
    const arn = (kind: string, name: string) => `arn:aws:batch:${host.region}:${host.accountId}:${kind}/${name}`;

    const createComputeEnvironment = (input: ResourceInput): Created => {
      const name = String(input.prop('ComputeEnvironmentName') ?? input.physicalName);
      // Only what decides scheduling is resolved: subnets and security groups are not emulated.
      const raw = (input.resource.Properties?.ComputeResources as Properties | undefined) ?? {};
      const resources = {
        Type: input.resolveAt(raw.Type, 'ComputeResources.Type'),
        MaxvCpus: input.resolveAt(raw.MaxvCpus, 'ComputeResources.MaxvCpus'),
      };
      const managed = String(input.prop('Type') ?? 'MANAGED').toUpperCase() === 'MANAGED';
      const ceArn = arn('compute-environment', name);
      scheduler.addComputeEnvironment({
        name,
        arn: ceArn,
        managed,
        computeType: managed ? String(resources.Type ?? 'EC2') : undefined,
        maxvCpus: managed ? Number(resources.MaxvCpus ?? 0) : 0,
        enabled: String(input.prop('State') ?? 'ENABLED') !== 'DISABLED',
      });
      if (!managed)
        input.list('unmanaged compute environment: no capacity locally (you register ECS instances on AWS), so its jobs stay RUNNABLE');
      return { ref: ceArn, attributes: { ComputeEnvironmentArn: ceArn } };
    };

    const createJobQueue = (input: ResourceInput): Created => {
      const name = String(input.prop('JobQueueName') ?? input.physicalName);
      const order = ((input.prop('ComputeEnvironmentOrder') as Array<{ ComputeEnvironment: string; Order: number }> | undefined) ?? [])
        .slice()
        .sort((a, b) => Number(a.Order) - Number(b.Order));
      if (input.prop('SchedulingPolicyArn') !== undefined) {
        input.list('fair-share scheduling policy: not emulated (jobs are scheduled by queue priority, then submission time)');
      }
      const queueArn = arn('job-queue', name);
      scheduler.addJobQueue({
        name,
        arn: queueArn,
        priority: Number(input.prop('Priority') ?? 1),
        enabled: String(input.prop('State') ?? 'ENABLED') !== 'DISABLED',
        computeEnvironments: order.map((o) => String(o.ComputeEnvironment)),
      });
      return { ref: queueArn, attributes: { JobQueueArn: queueArn } };
    };

    const createJobDefinition = (input: ResourceInput): Created => {
      const name = String(input.prop('JobDefinitionName') ?? input.physicalName);
      const definitionArn = arn('job-definition', `${name}:1`);
      const created = { ref: definitionArn, attributes: { JobDefinitionArn: definitionArn } };
      const type = String(input.prop('Type') ?? 'container');
      const container = input.prop('ContainerProperties') as Properties | undefined;
      if (type !== 'container' || !container) {
        input.list(`${type} job definition${container ? '' : ' without ContainerProperties'}: only container jobs are emulated`);
        return created;
      }
      scheduler.addJobDefinition(definitionSpec(input, name, definitionArn, container));
      return created;
    };

    return {
      name: 'batch',
      resourceTypes: ['AWS::Batch::ComputeEnvironment', 'AWS::Batch::JobQueue', 'AWS::Batch::JobDefinition'],
      endpoint: `http://127.0.0.1:${endpoint.port}`,
      endpointVariable: 'BATCH',
      scheduler,
      async create(input) {
        switch (input.resource.Type) {
          case 'AWS::Batch::ComputeEnvironment':
            return createComputeEnvironment(input);
          case 'AWS::Batch::JobQueue':
            return createJobQueue(input);
          default:
            return createJobDefinition(input);
        }
      },
      drain: () => scheduler.stop(),
      stop: () => endpoint.stop(),
    };
  },
};

/** What the scheduler needs of a container job definition, and where the code of its image is. */
function definitionSpec(input: ResourceInput, name: string, definitionArn: string, container: Properties): JobDefinitionSpec {
  const platform = [input.prop('PlatformCapabilities') ?? ['EC2']].flat().map(String).includes('FARGATE') ? 'FARGATE' : 'EC2';
  const requirements = (container.ResourceRequirements as Array<{ Type: string; Value: string }> | undefined) ?? [];
  const requirement = (type: string) => requirements.find((r) => r.Type === type)?.Value;
  const image = String(container.Image ?? '');
  const code = imageCode(input.stack.assemblyDir, image);
  const logOptions = ((container.LogConfiguration as { Options?: Record<string, string> } | undefined)?.Options ?? {}) as Record<
    string,
    string
  >;
  const retry = input.prop('RetryStrategy') as { Attempts?: number; EvaluateOnExit?: unknown } | undefined;
  const timeout = input.prop('Timeout') as { AttemptDurationSeconds?: number } | undefined;
  // Docker semantics: the job's command replaces the image's CMD; the image's ENTRYPOINT stays in front.
  const command = [...(code.entrypoint ?? []), ...((container.Command as string[] | undefined) ?? code.cmd ?? [])];
  let notRunnable = code.notRunnable;
  if (!notRunnable && !/^(node|nodejs|.*\/node)$/.test(command[0] ?? '')) {
    notRunnable = `the command ${JSON.stringify(command)} is not a node command; the local runtime runs Node.js job code only`;
  }
  if (notRunnable) input.list(`its jobs fail locally at STARTING: ${notRunnable}`);
  return {
    name,
    revision: 1,
    arn: definitionArn,
    platform,
    image,
    command,
    environment: Object.fromEntries(
      ((container.Environment as Array<{ Name: string; Value: string }> | undefined) ?? []).map((v) => [v.Name, String(v.Value)]),
    ),
    vcpus: Number(requirement('VCPU') ?? container.Vcpus ?? 1),
    memoryMiB: Number(requirement('MEMORY') ?? container.Memory ?? 2048),
    parameters: Object.fromEntries(
      Object.entries((input.prop('Parameters') as Properties | undefined) ?? {}).map(([k, v]) => [k, String(v)]),
    ),
    retryStrategy: normalizeRetryStrategy({ attempts: retry?.Attempts ?? 1, evaluateOnExit: retry?.EvaluateOnExit }),
    attemptDurationSeconds: timeout?.AttemptDurationSeconds === undefined ? undefined : Number(timeout.AttemptDurationSeconds),
    jobRoleArn: container.JobRoleArn as string | undefined,
    executionRoleArn: container.ExecutionRoleArn as string | undefined,
    logGroupName: logOptions['awslogs-group'] ?? '/aws/batch/job',
    logStreamPrefix: logOptions['awslogs-stream-prefix'],
    codeDir: code.dir,
    notRunnable,
  };
}

/**
 * The staged folder of a CDK image asset (`asset.<tag>` in the cloud assembly, where the image's tag
 * is the asset hash) and the exec-form ENTRYPOINT and CMD of its Dockerfile; or why the image's code is not available.
 */
function imageCode(assemblyDir: string, image: string): { dir?: string; entrypoint?: string[]; cmd?: string[]; notRunnable?: string } {
  const tag = image.slice(image.lastIndexOf('/') + 1).split(':')[1];
  const dir = tag ? path.join(assemblyDir, `asset.${tag}`) : undefined;
  if (!dir || !existsSync(path.join(dir, 'Dockerfile'))) {
    return { notRunnable: `image ${image} is not a CDK image asset of the cloud assembly (CannotPullContainerError locally)` };
  }
  const dockerfile = readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
  const exec = (instruction: string) => {
    const lines = dockerfile.split('\n').filter((l) => l.trim().toUpperCase().startsWith(`${instruction} `));
    const last = lines[lines.length - 1]?.trim().slice(instruction.length).trim();
    try {
      const parsed = last === undefined ? undefined : (JSON.parse(last) as unknown);
      return Array.isArray(parsed) ? parsed.map(String) : undefined;
    } catch {
      return undefined;
    }
  };
  return { dir, entrypoint: exec('ENTRYPOINT'), cmd: exec('CMD') };
}
