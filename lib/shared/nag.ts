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

/** What a function in a VPC (or an event source with network interfaces in one) needs to manage them. */
export const VPC_NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

/** The reason network-interface management needs a wildcard resource. */
export const VPC_WILDCARD_REASON =
  'Lambda manages the network interfaces of a VPC function with the execution role and checks these actions when the function is created (the actions of the AWSLambdaVPCAccessExecutionRole managed policy, which grants them on "*"); ec2:Describe* has no resource-level permissions and the interface ids are not known in advance.';
