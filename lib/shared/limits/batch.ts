/**
 * AWS Batch numbers the S3 -> Lambda -> Batch pattern enforces, with where they are documented
 * (AWS Batch User Guide unless stated otherwise). Re-exported by `lib/shared/limits.ts`.
 */
import type { DocumentedSetting, Range } from '../limits';
import { PRICING } from './pricing';

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;
const DAY_SECONDS = 24 * 60 * 60;

/** AWS Batch quotas and settings. */
export const BATCH = {
  /** Retry strategy attempts: 1 to 10 ("Automated job retries"). */
  retryAttempts: { min: 1, max: 10, unit: 'attempts', source: 'Batch automated job retries' },
  /** The project's default: a job gets three attempts (two retries) unless an EXIT rule matches. */
  defaultRetryAttempts: 3,
  /** evaluateOnExit holds at most 5 rules ("Automated job retries"). */
  evaluateOnExitRules: { min: 0, max: 5, unit: 'rules', source: 'Batch automated job retries' },
  /**
   * Attempt timeout (attemptDurationSeconds): at least 60 s ("Job timeouts"). Batch has no maximum, but
   * Fargate tasks cannot expect to run more than 14 days, so the project caps it there for every platform.
   */
  attemptDurationSeconds: { min: 60, max: 14 * DAY_SECONDS, unit: 's', source: 'Batch job timeouts; Fargate 14-day limit' },
  /** The project's default attempt timeout. */
  defaultAttemptDurationSeconds: 3600,
  /** Job names: 1 to 128 letters, digits, hyphens and underscores, starting with a letter or digit (SubmitJob). */
  maxJobNameLength: 128,
  /** Compute environments per job queue ("AWS Batch service quotas"). */
  computeEnvironmentsPerQueue: 3,
  /** Job queues and compute environments per Region ("AWS Batch service quotas"). */
  maxJobQueues: 50,
  maxComputeEnvironments: 50,
  /** SubmitJob payload, parameters and overrides included ("AWS Batch service quotas"). */
  submitJobPayloadBytes: 30 * KIB,
  /** SubmitJob transactions per second per account ("AWS Batch service quotas"). */
  submitJobTransactionsPerSecond: 50,
  /** SUCCEEDED and FAILED jobs stay visible to DescribeJobs for at least 7 days ("Job states"). */
  jobHistoryDays: 7,
  /**
   * Managed compute environment maxvCpus. Batch's own bound is your account's capacity; the project
   * bounds it so that a typo cannot run up a bill.
   */
  maxvCpus: { min: 1, max: 256, unit: 'vCPUs', source: 'project cost ceiling' },
  /** The default Fargate On-Demand vCPU quota of a new account (job definition parameters, resourceRequirements). */
  fargateOnDemandVcpuQuota: 6,
  /**
   * A job on EC2 reserves at least one whole vCPU and 4 MiB of memory (job definition parameters); the
   * upper bounds are the largest EC2 instance (448 vCPUs, 24 TiB), beyond which no job can ever start.
   */
  ec2Vcpus: { min: 1, max: 448, unit: 'vCPUs', source: 'Batch job definition resourceRequirements (EC2); largest EC2 instance' },
  ec2MemoryMiB: {
    min: 4,
    max: 24 * 1024 * 1024,
    unit: 'MiB',
    source: 'Batch job definition resourceRequirements (EC2); largest EC2 instance',
  },
  /** Fargate ephemeral storage: 21 to 200 GiB; 20 GiB when not set. */
  fargateEphemeralStorageGiB: { min: 21, max: 200, unit: 'GiB', source: 'Batch EphemeralStorage (Fargate)' },
  /** Job state time limit actions: a job may wait 600 s to 86,400 s at the head of the queue before the action. */
  jobStateTimeLimitSeconds: { min: 600, max: DAY_SECONDS, unit: 's', source: 'Batch job state time limit actions' },
  /** The project's default: cancel a job stuck in RUNNABLE because of a misconfiguration after 30 minutes. */
  defaultJobStateTimeLimitSeconds: 1800,
  /** Fargate jobs are typically provisioned in about 30 seconds; EC2 instances take a few minutes ("AWS Batch on AWS Fargate"). */
  fargateStartSeconds: 30,
  /** Beyond 16 vCPUs or 120 GiB, or for GPUs, a job needs EC2 ("AWS Batch on AWS Fargate", when to use Fargate). */
  fargateMaxVcpus: 16,
  fargateMaxMemoryGiB: 120,
} as const satisfies Record<string, number | Range>;

/**
 * The list prices the guide's idle-cost section quotes (USD, us-east-1, x86_64, when written): check
 * current prices for your Region. Not limits, but numbers the docs must not retype.
 */
export const BATCH_PRICES = {
  /** An interface VPC endpoint, per endpoint, Availability Zone and hour (AWS PrivateLink pricing). */
  interfaceEndpointHourUsd: PRICING.interfaceEndpointHourUsd,
  /** A standard-resolution CloudWatch alarm, per month (CloudWatch pricing). */
  alarmMonthUsd: PRICING.alarmMonthUsd,
  /** A customer-managed KMS key, per month (AWS KMS pricing). */
  kmsKeyMonthUsd: PRICING.kmsKeyMonthUsd,
  /** Fargate on Linux/x86_64, per vCPU-hour and per GB-hour (AWS Fargate pricing). */
  fargateVcpuHourUsd: PRICING.fargateVcpuHourUsd,
  fargateGbHourUsd: PRICING.fargateGbHourUsd,
} as const satisfies Record<string, number>;

/**
 * The vCPU and memory combinations a Fargate job may reserve (job definition parameters,
 * resourceRequirements; the same table as Fargate task sizes): memory in MiB from `min` to `max` in
 * steps of `step`, or exactly the listed values.
 */
export const FARGATE_SIZES: ReadonlyArray<{ readonly vcpu: number; readonly memoryMiB: readonly number[] }> = [
  { vcpu: 0.25, memoryMiB: [512, 1024, 2048] },
  { vcpu: 0.5, memoryMiB: steps(1024, 4096, 1024) },
  { vcpu: 1, memoryMiB: steps(2048, 8192, 1024) },
  { vcpu: 2, memoryMiB: steps(4096, 16_384, 1024) },
  { vcpu: 4, memoryMiB: steps(8192, 30_720, 1024) },
  { vcpu: 8, memoryMiB: steps(16_384, 61_440, 4096) },
  { vcpu: 16, memoryMiB: steps(32_768, 122_880, 8192) },
];

function steps(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

/** The memory sizes Fargate allows for `vcpu`, or undefined when `vcpu` is not a Fargate size. */
export function fargateMemoryFor(vcpu: number): readonly number[] | undefined {
  return FARGATE_SIZES.find((s) => s.vcpu === vcpu)?.memoryMiB;
}

/** Amazon S3 numbers the submitter enforces on uploaded objects (S3 User Guide). */
export const S3_OBJECTS = {
  /** Object keys: at most 1,024 bytes of UTF-8 ("Naming Amazon S3 objects"). */
  maxKeyBytes: 1024,
  /** One PUT uploads at most 5 GiB; larger objects need multipart upload, up to 5 TiB. */
  maxSinglePutBytes: 5 * GIB,
  maxObjectBytes: 5 * 1024 * GIB,
  /** Objects the submitter accepts: empty ones included, up to the largest S3 object. */
  objectBytes: { min: 0, max: 5 * 1024 * GIB, unit: 'bytes', source: 'S3 object size' },
  /** The project's default largest input: what one PUT can upload. */
  defaultMaxObjectBytes: 5 * GIB,
  /** The project's default threshold above which an object goes to the low-priority large-object queue. */
  defaultLargeObjectBytes: 1 * GIB,
  /** Lifecycle expiration: at least one day. */
  lifecycleDays: { min: 1, max: 36_500, unit: 'days', source: 'S3 lifecycle expiration' },
} as const satisfies Record<string, number | Range>;

/** The S3 -> Lambda -> Batch guide's limits table. */
export const BATCH_SETTINGS: readonly DocumentedSetting[] = [
  {
    setting: 'Job attempts (retry strategy)',
    prop: 'retryAttempts',
    allowed: BATCH.retryAttempts,
    serviceDefault: 1,
    projectDefault: BATCH.defaultRetryAttempts,
    citation: 'AWS Batch User Guide, "Automated job retries"',
  },
  {
    setting: 'evaluateOnExit rules',
    prop: 'retryStrategies',
    allowed: BATCH.evaluateOnExitRules,
    serviceDefault: 0,
    projectDefault: 2,
    citation: 'AWS Batch User Guide, "Automated job retries"',
  },
  {
    setting: 'Attempt timeout (a timed-out attempt is not retried)',
    prop: 'timeout',
    allowed: BATCH.attemptDurationSeconds,
    projectDefault: BATCH.defaultAttemptDurationSeconds,
    citation: 'AWS Batch User Guide, "Job timeouts"',
  },
  {
    setting: 'Compute environment maximum vCPUs',
    prop: 'maxvCpus',
    allowed: BATCH.maxvCpus,
    projectDefault: 4,
    citation: 'project bound; Fargate On-Demand vCPU quota of a new account: 6',
  },
  {
    setting: 'Job vCPUs on EC2 (whole vCPUs)',
    prop: 'vcpus',
    allowed: BATCH.ec2Vcpus,
    citation: 'AWS Batch User Guide, job definition parameters, resourceRequirements',
  },
  {
    setting: 'Job memory on EC2',
    prop: 'memoryMiB',
    allowed: BATCH.ec2MemoryMiB,
    citation: 'AWS Batch User Guide, job definition parameters, resourceRequirements',
  },
  {
    setting: 'Fargate ephemeral storage',
    prop: 'ephemeralStorageGiB',
    allowed: BATCH.fargateEphemeralStorageGiB,
    serviceDefault: 20,
    citation: 'AWS Batch API Reference, EphemeralStorage',
  },
  {
    setting: 'Time a misconfigured job may stay RUNNABLE before it is cancelled',
    prop: 'runnableTimeLimit',
    allowed: BATCH.jobStateTimeLimitSeconds,
    projectDefault: BATCH.defaultJobStateTimeLimitSeconds,
    citation: 'AWS Batch User Guide, job queues, "jobStateTimeLimitActions"',
  },
  {
    setting: 'Largest object the submitter accepts',
    prop: 'maxObjectSize',
    allowed: S3_OBJECTS.objectBytes,
    projectDefault: S3_OBJECTS.defaultMaxObjectBytes,
    citation: 'Amazon S3 User Guide, "Uploading objects" (5 GiB per PUT, 5 TiB per object)',
  },
  {
    setting: 'Objects at or above this size go to the large-object queue',
    prop: 'largeObjectSize',
    allowed: S3_OBJECTS.objectBytes,
    projectDefault: S3_OBJECTS.defaultLargeObjectBytes,
    citation: 'project setting (queue priorities: AWS Batch User Guide, "Job queue parameters")',
  },
];

const count = (n: number) => n.toLocaleString('en-US');

/** Quotas and facts the S3 -> Lambda -> Batch guide states in prose, rendered from the constants above. */
export const BATCH_FACTS: readonly string[] = [
  `Fargate job sizes: ${FARGATE_SIZES.map((s) => `${s.vcpu} vCPU with ${count(s.memoryMiB[0])}-${count(s.memoryMiB[s.memoryMiB.length - 1])} MiB`).join('; ')} (AWS Batch User Guide, job definition parameters).`,
  `A new account's Fargate On-Demand vCPU quota is ${BATCH.fargateOnDemandVcpuQuota} vCPUs: jobs beyond it wait in RUNNABLE until capacity frees up.`,
  `At most ${BATCH.computeEnvironmentsPerQueue} compute environments per job queue, ${BATCH.maxJobQueues} job queues and ${BATCH.maxComputeEnvironments} compute environments per Region; a queue cannot mix EC2 and Fargate environments ("AWS Batch service quotas", "Job queue parameters").`,
  `SubmitJob: at most ${count(BATCH.submitJobTransactionsPerSecond)} calls per second per account and ${count(BATCH.submitJobPayloadBytes / KIB)} KiB per request ("AWS Batch service quotas").`,
  `Job names: at most ${BATCH.maxJobNameLength} letters, digits, hyphens and underscores. Batch does not deduplicate by name: two SubmitJob calls with one name are two jobs.`,
  `Jobs typically start on Fargate in about ${BATCH.fargateStartSeconds} seconds; a new EC2 instance takes a few minutes ("AWS Batch on AWS Fargate").`,
  `SUCCEEDED and FAILED jobs stay visible to DescribeJobs and ListJobs for at least ${BATCH.jobHistoryDays} days ("Job states").`,
  `A job terminated by its attempt timeout is not retried; SIGTERM comes first, SIGKILL 30 seconds later ("Job timeouts").`,
  `S3 object keys: at most ${count(S3_OBJECTS.maxKeyBytes)} bytes; one PUT uploads at most ${count(S3_OBJECTS.maxSinglePutBytes / GIB)} GiB, a multipart upload up to ${count(S3_OBJECTS.maxObjectBytes / (1024 * GIB))} TiB.`,
];
