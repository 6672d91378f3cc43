import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag finding on one construct (the narrowest that owns it), with the reason a
 * security reviewer reads in the validation report. `rule` is the id the report prints, for example
 * `AwsSolutions-IAM5[Resource::*]` or `Serverless-LambdaDLQ`.
 */
export function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: rule, reason });
}

/** The reason X-Ray tracing needs a wildcard resource: its write actions have no resource-level scope. */
export const XRAY_WILDCARD_REASON =
  'X-Ray PutTraceSegments and PutTelemetryRecords do not support resource-level permissions (Service Authorization Reference), so tracing needs Resource "*".';
