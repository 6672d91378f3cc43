// The AWS Batch resources of a template as the local scheduler reads them: compute environments,
// job queues and job definitions, with a definition's retry strategy.

/** A compute environment of the template: only what decides whether and where jobs run. */
export interface ComputeEnvironmentSpec {
  readonly name: string;
  readonly arn: string;
  /** MANAGED or UNMANAGED (no capacity until you register ECS instances: jobs stay RUNNABLE). */
  readonly managed: boolean;
  /** FARGATE, FARGATE_SPOT, EC2 or SPOT; undefined for unmanaged environments. */
  readonly computeType?: string;
  /** The most vCPUs it runs at once (managed environments). */
  readonly maxvCpus: number;
  readonly enabled: boolean;
}

/** A job queue of the template. */
export interface JobQueueSpec {
  readonly name: string;
  readonly arn: string;
  readonly priority: number;
  readonly enabled: boolean;
  /** Compute environment ARNs, first choice first. */
  readonly computeEnvironments: readonly string[];
}

/** One evaluateOnExit rule. */
export interface ExitRule {
  readonly action: 'RETRY' | 'EXIT';
  readonly onExitCode?: string;
  readonly onReason?: string;
  readonly onStatusReason?: string;
}

/** A retry strategy: attempts (1 to 10) and its rules. */
export interface RetryStrategy {
  readonly attempts: number;
  readonly evaluateOnExit: readonly ExitRule[];
}

/** A job definition of the template, and whether and how its container's code runs locally. */
export interface JobDefinitionSpec {
  readonly name: string;
  readonly revision: number;
  readonly arn: string;
  /** FARGATE or EC2. */
  readonly platform: 'FARGATE' | 'EC2';
  readonly image: string;
  /** The container's command (the definition's, else the image's CMD). */
  readonly command: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly parameters: Readonly<Record<string, string>>;
  readonly retryStrategy: RetryStrategy;
  readonly attemptDurationSeconds?: number;
  readonly jobRoleArn?: string;
  readonly executionRoleArn?: string;
  /** The awslogs group and stream prefix of the container. */
  readonly logGroupName: string;
  readonly logStreamPrefix?: string;
  /** The folder of the image's code (the staged CDK image asset), the container's working directory. */
  readonly codeDir?: string;
  /** Why its jobs cannot run locally, when they cannot (they fail at STARTING, as a container that cannot start does). */
  readonly notRunnable?: string;
}
