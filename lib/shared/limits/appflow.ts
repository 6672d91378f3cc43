import type { DocumentedSetting, Range } from '../limits';

const GIB = 1024 * 1024 * 1024;
const MIB = 1024 * 1024;

/**
 * Amazon AppFlow quotas and settings (AppFlow User Guide, "Quotas for Amazon AppFlow" and the Amazon S3
 * connector page; AppFlow API Reference; the service notes: "scheduled transfer of aggregate data to
 * Amazon S3, limited to 100 gigabytes per flow").
 */
export const APPFLOW = {
  /** Data one flow run can process: 100 GB (User Guide, "Quotas for Amazon AppFlow"; the notes). */
  maxBytesPerRun: { min: 1, max: 100 * GIB, unit: 'bytes', source: 'AppFlow quotas: 100 GB per flow run' },
  /** One Amazon S3 source file: at most 125 MB (User Guide, "Amazon S3" requirements). */
  maxS3SourceFileBytes: 125 * MIB,
  /** Flows per account and Region (User Guide, "Quotas for Amazon AppFlow"). */
  flowsPerAccount: 1000,
  /** Flow runs per account and month. */
  runsPerMonth: 10_000_000,
  /** Concurrent flow runs per account. */
  concurrentRuns: 1000,
  /** Flow names: 1 to 256 characters of `[a-zA-Z0-9][\w!@#.-]+` (API Reference, CreateFlow flowName). */
  flowNameLength: { min: 1, max: 256, unit: 'characters', source: 'AppFlow CreateFlow flowName' },
  /** Flow descriptions: at most 2,048 characters of `[\w!@#\-.?,\s]*` (API Reference, CreateFlow description). */
  descriptionLength: { min: 0, max: 2048, unit: 'characters', source: 'AppFlow CreateFlow description' },
  /** Amazon S3 bucket prefixes of a source or destination: at most 512 characters (API Reference, S3SourceProperties). */
  bucketPrefixLength: { min: 0, max: 512, unit: 'characters', source: 'AppFlow S3SourceProperties bucketPrefix' },
  /** Connector profile names: 1 to 256 characters of `[\w/!@#+=.-]+` (API Reference, CreateConnectorProfile). */
  connectorProfileNameLength: { min: 1, max: 256, unit: 'characters', source: 'AppFlow connectorProfileName' },
  /** Scheduled flows: consecutive failed runs before AppFlow deactivates the flow, 1 to 100 (ScheduledTriggerProperties). */
  flowErrorDeactivationThreshold: { min: 1, max: 100, unit: 'runs', source: 'AppFlow ScheduledTriggerProperties' },
  /** Scheduled flows: the optional offset added to the schedule's interval, 0 to 36,000 s (ScheduledTriggerProperties). */
  scheduleOffsetSeconds: { min: 0, max: 36_000, unit: 's', source: 'AppFlow ScheduledTriggerProperties scheduleOffset' },
  /** Scheduled flows: a schedule expression of at most 256 characters (ScheduledTriggerProperties). */
  scheduleExpressionLength: { min: 1, max: 256, unit: 'characters', source: 'AppFlow ScheduledTriggerProperties' },
  /** Truncate tasks: the length a value is cut to (TRUNCATE_LENGTH), at least 1 character. */
  truncateLength: { min: 1, max: 65_535, unit: 'characters', source: 'AppFlow Task TRUNCATE_LENGTH' },
  /** Mask tasks with MASK_FIRST_N / MASK_LAST_N: how many characters are masked (MASK_LENGTH), at least 1. */
  maskLength: { min: 1, max: 65_535, unit: 'characters', source: 'AppFlow Task MASK_LENGTH' },
} as const satisfies Record<string, number | Range>;

/** The AppFlow guide's limits table. */
export const APPFLOW_SETTINGS: readonly DocumentedSetting[] = [
  {
    setting: 'Data per flow run (checked against the flow’s declared maximum)',
    prop: 'maxBytesPerRun',
    allowed: APPFLOW.maxBytesPerRun,
    citation: 'AppFlow User Guide, "Quotas for Amazon AppFlow"; service notes (100 GB per flow)',
  },
  {
    setting: 'Flow name (generated: unique per stack and construct path)',
    prop: '—',
    allowed: APPFLOW.flowNameLength,
    citation: 'AppFlow API Reference, CreateFlow',
  },
  {
    setting: 'Flow description',
    prop: 'description',
    allowed: APPFLOW.descriptionLength,
    citation: 'AppFlow API Reference, CreateFlow',
  },
  {
    setting: 'Amazon S3 bucket prefix (source or destination)',
    prop: 'prefix',
    allowed: APPFLOW.bucketPrefixLength,
    citation: 'AppFlow API Reference, S3SourceProperties / S3DestinationProperties',
  },
  {
    setting: 'Connector profile name (SaaS sources)',
    prop: 'connectorProfileName',
    allowed: APPFLOW.connectorProfileNameLength,
    citation: 'AppFlow API Reference, CreateConnectorProfile',
  },
  {
    setting: 'Consecutive failed scheduled runs before AppFlow deactivates the flow',
    prop: 'flowErrorDeactivationThreshold',
    allowed: APPFLOW.flowErrorDeactivationThreshold,
    citation: 'AppFlow API Reference, ScheduledTriggerProperties',
  },
  {
    setting: 'Schedule offset',
    prop: 'offset',
    allowed: APPFLOW.scheduleOffsetSeconds,
    serviceDefault: 0,
    projectDefault: 0,
    citation: 'AppFlow API Reference, ScheduledTriggerProperties',
  },
  {
    setting: 'Schedule expression length (`rate(<n>minutes|hours|days)` or `cron(...)`)',
    prop: 'expression',
    allowed: APPFLOW.scheduleExpressionLength,
    citation: 'AppFlow API Reference, ScheduledTriggerProperties',
  },
  {
    setting: 'Truncate length',
    prop: 'length (Transform.truncate)',
    allowed: APPFLOW.truncateLength,
    citation: 'AppFlow API Reference, Task (TRUNCATE_LENGTH)',
  },
  {
    setting: 'Masked characters (first or last n)',
    prop: 'length (Transform.maskFirst / maskLast)',
    allowed: APPFLOW.maskLength,
    citation: 'AppFlow API Reference, Task (MASK_LENGTH)',
  },
];

const count = (n: number) => n.toLocaleString('en-US');

/** Quotas the AppFlow guide states in prose, rendered from the constants above. */
export const APPFLOW_FACTS: readonly string[] = [
  `One flow run processes at most ${count(APPFLOW.maxBytesPerRun.max / GIB)} GB (AppFlow User Guide, "Quotas for Amazon AppFlow"; the service notes' "scheduled transfer of aggregate data to Amazon S3, limited to 100 gigabytes per flow"); some sources allow less per run (their connector pages).`,
  `Amazon S3 sources: files in a folder (prefix) of a bucket in the flow's Region, CSV with a header row or JSON Lines, each file at most ${count(APPFLOW.maxS3SourceFileBytes / MIB)} MB; every file under the prefix is read by every run (User Guide, "Amazon S3").`,
  `Per account and Region: ${count(APPFLOW.flowsPerAccount)} flows, ${count(APPFLOW.runsPerMonth)} flow runs a month, ${count(APPFLOW.concurrentRuns)} concurrent runs (User Guide, "Quotas for Amazon AppFlow").`,
  'Triggers: on demand (StartFlow runs it now), on a schedule (`rate(<n>minutes|hours|days)` or `cron(...)`, active from deployment) and on event (Salesforce change data capture and platform events); scheduled and event flows run only when their status is Active.',
];
