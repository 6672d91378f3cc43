import type { DocumentedSetting, Range } from '../limits';

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * AWS Step Functions quotas and settings (Step Functions Developer Guide, "Step Functions service
 * quotas", "Quotas for Standard Workflows", "Quotas for Express Workflows", the Amazon States
 * Language reference and the API Reference).
 */
export const STEP_FUNCTIONS = {
  /** Standard workflows: an execution runs for at most one year (365 days). */
  standardTimeoutSeconds: { min: 1, max: 365 * DAY, unit: 's', source: 'Step Functions, Standard maximum execution time' },
  /** Express workflows: an execution runs for at most 5 minutes. */
  expressTimeoutSeconds: { min: 1, max: 5 * MINUTE, unit: 's', source: 'Step Functions, Express maximum execution time' },
  /** State names: 1 to 80 characters (API Reference, StateEnteredEventDetails). */
  stateNameLength: { min: 1, max: 80, unit: 'characters', source: 'Step Functions, state name length' },
  /**
   * Inline Map states run at most 40 iterations at once; MaxConcurrency 0 means "as many as
   * possible", which this project refuses: a bound is the point of the setting.
   */
  inlineMapConcurrency: { min: 1, max: 40, unit: 'iterations', source: 'Step Functions, inline Map concurrency' },
  /** Task TimeoutSeconds and HeartbeatSeconds: positive whole seconds, at most 99,999,999. */
  taskTimeoutSeconds: { min: 1, max: 99_999_999, unit: 's', source: 'Amazon States Language, Task state' },
  /** Retry IntervalSeconds: 1 to 99,999,999 (the service default is 1). */
  retryIntervalSeconds: { min: 1, max: 99_999_999, unit: 's', source: 'Amazon States Language, Retry' },
  /** Retry MaxAttempts: 0 (never retry) to 99,999,999 (the service default is 3). */
  retryMaxAttempts: { min: 0, max: 99_999_999, unit: 'attempts', source: 'Amazon States Language, Retry' },
  /** Retry BackoffRate: at least 1.0 (the service default is 2.0). */
  retryMinBackoffRate: 1,
  /** Retry MaxDelaySeconds: 1 to 31,622,400 (366 days). */
  retryMaxDelaySeconds: { min: 1, max: 31_622_400, unit: 's', source: 'Amazon States Language, Retry' },
  /** Wait Seconds: 0 to 99,999,999. */
  waitSeconds: { min: 0, max: 99_999_999, unit: 's', source: 'Amazon States Language, Wait state' },
  /** Input or output of a task, state or execution: at most 256 KiB as UTF-8. */
  maxPayloadBytes: 256 * 1024,
  /** Standard workflows: at most 25,000 events in an execution's history. */
  maxHistoryEvents: 25_000,
  /** Standard workflows: the execution history is kept 90 days after the execution closes. */
  historyRetentionDays: 90,
  /** Open Standard executions per account and Region (Express executions do not count). */
  maxOpenExecutions: 1_000_000,
  /** The Task TimeoutSeconds the service applies when a task sets none. */
  defaultTaskTimeoutSeconds: 99_999_999,
  /** Names of state machines and executions: at most 80 characters. */
  maxNameLength: 80,
} as const satisfies Record<string, number | Range>;

/** The defaults this project uses for the Step Functions pattern (the guide's "this project" column). */
export const STEP_FUNCTIONS_DEFAULTS = {
  /** The order workflow's execution timeout: room for the approval and a ship date weeks ahead. */
  orderTimeoutSeconds: 30 * DAY,
  /** The ingestion workflow's execution timeout: a synchronous caller waits for it. */
  ingestionTimeoutSeconds: MINUTE,
  /** How long an approver has to decide (the approval task's TimeoutSeconds). */
  approvalTimeoutSeconds: 7 * DAY,
  /** How long until an approver must claim the request with a heartbeat (HeartbeatSeconds). */
  approvalHeartbeatSeconds: DAY,
  /** Concurrent reservations in the Map over line items. */
  reservationConcurrency: 5,
  /** Timeout of every task that calls a service and returns (Lambda, DynamoDB, SNS, SQS). */
  taskTimeoutSeconds: 30,
  /** The order workflow's fixed Wait (seconds) before shipping: a cancellation window. */
  coolingOffSeconds: 10,
  /** Retry of transient errors: first interval, attempts, backoff rate, maximum delay (jitter FULL). */
  retryIntervalSeconds: 1,
  retryMaxAttempts: 3,
  retryBackoffRate: 2,
  retryMaxDelaySeconds: 10,
} as const;

/** The Step Functions guide's limits table. */
export const STEP_FUNCTIONS_SETTINGS: readonly DocumentedSetting[] = [
  {
    setting: 'Standard execution timeout (TimeoutSeconds)',
    prop: 'timeout (order workflow)',
    allowed: STEP_FUNCTIONS.standardTimeoutSeconds,
    serviceDefault: STEP_FUNCTIONS.standardTimeoutSeconds.max,
    projectDefault: STEP_FUNCTIONS_DEFAULTS.orderTimeoutSeconds,
    citation: 'Step Functions Developer Guide, "Quotas for Standard Workflows"',
  },
  {
    setting: 'Express execution timeout (TimeoutSeconds)',
    prop: 'timeout (ingestion workflow)',
    allowed: STEP_FUNCTIONS.expressTimeoutSeconds,
    serviceDefault: STEP_FUNCTIONS.expressTimeoutSeconds.max,
    projectDefault: STEP_FUNCTIONS_DEFAULTS.ingestionTimeoutSeconds,
    citation: 'Step Functions Developer Guide, "Quotas for Express Workflows"',
  },
  {
    setting: 'Approval task timeout (TimeoutSeconds of the callback task)',
    prop: 'approvalTimeout',
    allowed: STEP_FUNCTIONS.taskTimeoutSeconds,
    serviceDefault: STEP_FUNCTIONS.defaultTaskTimeoutSeconds,
    projectDefault: STEP_FUNCTIONS_DEFAULTS.approvalTimeoutSeconds,
    citation: 'Amazon States Language, Task state; never longer than the execution timeout or the approval queue retention',
  },
  {
    setting: 'Approval heartbeat (HeartbeatSeconds of the callback task)',
    prop: 'approvalHeartbeat',
    allowed: STEP_FUNCTIONS.taskTimeoutSeconds,
    projectDefault: STEP_FUNCTIONS_DEFAULTS.approvalHeartbeatSeconds,
    citation: 'Amazon States Language, Task state; shorter than the task timeout',
  },
  {
    setting: 'Task timeout of the other tasks',
    prop: 'taskTimeout',
    allowed: STEP_FUNCTIONS.taskTimeoutSeconds,
    serviceDefault: STEP_FUNCTIONS.defaultTaskTimeoutSeconds,
    projectDefault: STEP_FUNCTIONS_DEFAULTS.taskTimeoutSeconds,
    citation: 'Amazon States Language, Task state',
  },
  {
    setting: 'Map MaxConcurrency (inline Map)',
    prop: 'reservationConcurrency',
    allowed: STEP_FUNCTIONS.inlineMapConcurrency,
    projectDefault: STEP_FUNCTIONS_DEFAULTS.reservationConcurrency,
    citation: 'Step Functions Developer Guide, "Map state processing modes"',
  },
  {
    setting: 'Wait state seconds (cooling-off)',
    prop: 'coolingOff',
    allowed: STEP_FUNCTIONS.waitSeconds,
    projectDefault: STEP_FUNCTIONS_DEFAULTS.coolingOffSeconds,
    citation: 'Amazon States Language, Wait state',
  },
  {
    setting: 'Retry IntervalSeconds (transient errors)',
    prop: 'transientRetry.interval',
    allowed: STEP_FUNCTIONS.retryIntervalSeconds,
    serviceDefault: 1,
    projectDefault: STEP_FUNCTIONS_DEFAULTS.retryIntervalSeconds,
    citation: 'Amazon States Language, "Retrying after an error"',
  },
  {
    setting: 'Retry MaxAttempts (transient errors)',
    prop: 'transientRetry.maxAttempts',
    allowed: STEP_FUNCTIONS.retryMaxAttempts,
    serviceDefault: 3,
    projectDefault: STEP_FUNCTIONS_DEFAULTS.retryMaxAttempts,
    citation: 'Amazon States Language, "Retrying after an error"',
  },
  {
    setting: 'Retry MaxDelaySeconds (caps the backoff; JitterStrategy FULL)',
    prop: 'transientRetry.maxDelay',
    allowed: STEP_FUNCTIONS.retryMaxDelaySeconds,
    projectDefault: STEP_FUNCTIONS_DEFAULTS.retryMaxDelaySeconds,
    citation: 'Amazon States Language, "Retrying after an error"',
  },
];

const count = (n: number) => n.toLocaleString('en-US');

/** Quotas the Step Functions guide states in prose, rendered from the constants above. */
export const STEP_FUNCTIONS_FACTS: readonly string[] = [
  `Standard workflows: exactly-once execution, up to one year (${count(STEP_FUNCTIONS.standardTimeoutSeconds.max)} s) per execution, an auditable history of at most ${count(STEP_FUNCTIONS.maxHistoryEvents)} events kept ${STEP_FUNCTIONS.historyRetentionDays} days after the execution closes (Step Functions Developer Guide, "Quotas for Standard Workflows").`,
  `Express workflows: at-least-once execution, up to 5 minutes (${count(STEP_FUNCTIONS.expressTimeoutSeconds.max)} s) per execution, no history kept by the service: CloudWatch Logs is the record (same guide, "Quotas for Express Workflows").`,
  `Input and output of a task, state or execution: at most ${count(STEP_FUNCTIONS.maxPayloadBytes)} bytes (256 KiB) of UTF-8 (same guide).`,
  `State names: ${STEP_FUNCTIONS.stateNameLength.min} to ${STEP_FUNCTIONS.stateNameLength.max} characters; with CloudWatch Logs logging on, only A-Z, a-z, 0-9, - and _ (API Reference, StateEnteredEventDetails). State machine and execution names: at most ${STEP_FUNCTIONS.maxNameLength} characters.`,
  `Inline Map states run at most ${STEP_FUNCTIONS.inlineMapConcurrency.max} iterations at once; distributed Map runs up to 10,000 child executions (Step Functions Developer Guide, "Map state processing modes").`,
  `Open Standard executions: ${count(STEP_FUNCTIONS.maxOpenExecutions)} per account and Region; Express executions do not count (Step Functions Developer Guide, "Step Functions service quotas").`,
  `A Task without TimeoutSeconds waits ${count(STEP_FUNCTIONS.defaultTaskTimeoutSeconds)} s (about three years, so in practice the execution timeout): every task of this pattern sets its own.`,
];
