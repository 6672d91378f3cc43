import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import { guardDuration, guardInteger, PropError } from '../shared/guards';
import { STEP_FUNCTIONS, STEP_FUNCTIONS_DEFAULTS } from '../shared/limits';

/**
 * The errors worth a retry, per integration: throttling, the service's internal errors and, for the
 * calls whose effect is idempotent or at-least-once anyway, `States.Timeout` (the call may or may not
 * have happened; doing it again is safe). Never `States.TaskFailed` or `States.ALL`: they also match
 * permanent errors (a missing table, a validation error, a denied key), which a retry only delays.
 *
 * Step Functions names an integration's error `<Service>.<exception>` (Developer Guide, "Handling
 * errors in Step Functions workflows"). Where the API's error code and the SDK's exception class
 * differ (DynamoDB `RequestLimitExceeded`, SQS `RequestThrottled`...), both spellings are listed:
 * an error name that never occurs costs nothing, a missed one is a failed execution.
 */
export const TRANSIENT_ERRORS = {
  /** The Lambda service's own transient errors (Developer Guide, "Handle transient Lambda service exceptions"). */
  lambda: [
    'Lambda.ClientExecutionTimeoutException',
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
  /** DynamoDB item writes (`dynamodb:putItem`, `dynamodb:deleteItem`): throttling and internal errors. */
  dynamodb: [
    'DynamoDB.ProvisionedThroughputExceededException',
    'DynamoDB.RequestLimitExceeded',
    'DynamoDB.ThrottlingException',
    'DynamoDB.InternalServerError',
    'DynamoDB.InternalServerErrorException',
    'States.Timeout',
  ],
  /** SNS publish: throttling (of SNS and of its key) and internal errors. */
  sns: ['SNS.ThrottledException', 'SNS.KMSThrottlingException', 'SNS.InternalErrorException', 'States.Timeout'],
  /** SQS send: throttling (of SQS and of its key) and internal errors. */
  sqs: [
    'SQS.RequestThrottled',
    'SQS.RequestThrottledException',
    'SQS.KmsThrottled',
    'SQS.KmsThrottledException',
    'SQS.ThrottlingException',
    'SQS.InternalError',
    'States.Timeout',
  ],
} as const satisfies Record<string, readonly string[]>;

/** How a task retries transient errors: exponential backoff with full jitter, capped. */
export interface TransientRetry {
  /**
   * Wait before the first retry.
   * @default Duration.seconds(1)
   */
  readonly interval?: Duration;
  /**
   * Retries after the first attempt (0 turns retrying off).
   * @default 3
   */
  readonly maxAttempts?: number;
  /**
   * Multiplier of the wait at each retry; at least 1.
   * @default 2
   */
  readonly backoffRate?: number;
  /**
   * Cap on any one wait, whatever the backoff reaches.
   * @default Duration.seconds(10)
   */
  readonly maxDelay?: Duration;
}

/**
 * The Retry field for `errors` with the given policy, validated against the Amazon States Language
 * bounds. Jitter is always FULL: many executions failing together (a throttled table, a gateway
 * outage) then retry spread out instead of in lockstep.
 */
export function transientRetryProps(
  scope: IConstruct,
  prop: string,
  errors: readonly string[],
  retry: TransientRetry = {},
): sfn.RetryProps {
  const interval = retry.interval ?? Duration.seconds(STEP_FUNCTIONS_DEFAULTS.retryIntervalSeconds);
  const maxAttempts = retry.maxAttempts ?? STEP_FUNCTIONS_DEFAULTS.retryMaxAttempts;
  const backoffRate = retry.backoffRate ?? STEP_FUNCTIONS_DEFAULTS.retryBackoffRate;
  const maxDelay = retry.maxDelay ?? Duration.seconds(STEP_FUNCTIONS_DEFAULTS.retryMaxDelaySeconds);
  guardDuration(scope, `${prop}.interval`, interval, STEP_FUNCTIONS.retryIntervalSeconds);
  guardInteger(scope, `${prop}.maxAttempts`, maxAttempts, STEP_FUNCTIONS.retryMaxAttempts);
  guardDuration(scope, `${prop}.maxDelay`, maxDelay, STEP_FUNCTIONS.retryMaxDelaySeconds);
  if (!(backoffRate >= STEP_FUNCTIONS.retryMinBackoffRate)) {
    throw new PropError(scope, `${prop}.backoffRate`, `= ${backoffRate} is out of range: at least ${STEP_FUNCTIONS.retryMinBackoffRate}`);
  }
  if (maxDelay.toSeconds() < interval.toSeconds()) {
    throw new PropError(scope, `${prop}.maxDelay`, `= ${maxDelay.toSeconds()} s is shorter than the interval (${interval.toSeconds()} s)`);
  }
  return { errors: [...errors], interval, maxAttempts, backoffRate, maxDelay, jitterStrategy: sfn.JitterType.FULL };
}
