/**
 * List prices the guides and the README quote for what bills while idle, and that the idle-cost
 * tables (scripts/costs.ts) multiply by what each synthesized template holds. US East (N. Virginia),
 * on-demand, as this project last checked the AWS pricing pages (see `PRICING_AS_OF`): prices change
 * and differ by Region, so the guides say to check the current page before deploying.
 */

/** When and where the prices below were read. */
export const PRICING_AS_OF = { year: 2025, region: 'us-east-1' } as const;

/** Unit prices, in USD. */
export const PRICING = {
  /** Hours in a month, as AWS pricing pages count them. */
  hoursPerMonth: 730,
  /** A customer-managed KMS key, per month (AWS KMS pricing; rotations add key versions). */
  kmsKeyMonthUsd: 1,
  /** A standard-resolution CloudWatch alarm, per alarm metric and month (Amazon CloudWatch pricing). */
  alarmMonthUsd: 0.1,
  /** A Secrets Manager secret, per month (AWS Secrets Manager pricing). */
  secretMonthUsd: 0.4,
  /** An interface VPC endpoint, per endpoint, Availability Zone and hour (AWS PrivateLink pricing). */
  interfaceEndpointHourUsd: 0.01,
  /** A NAT gateway, per hour, before data processed (Amazon VPC pricing). */
  natGatewayHourUsd: 0.045,
  /** An AWS WAF web ACL, per month (AWS WAF pricing). */
  wafWebAclMonthUsd: 5,
  /** An AWS WAF rule or managed rule group in a web ACL, per month (AWS WAF pricing). */
  wafRuleMonthUsd: 1,
  /** AWS WAF requests inspected, per million (AWS WAF pricing). */
  wafMillionRequestsUsd: 0.6,
  /** Fargate on Linux/x86_64, per vCPU-hour and per GB-hour (AWS Fargate pricing). */
  fargateVcpuHourUsd: 0.04048,
  fargateGbHourUsd: 0.004445,
  /** API Gateway, first request tier: REST API per million requests (Amazon API Gateway pricing). */
  apiGatewayRestMillionRequestsUsd: 3.5,
  /** HTTP API per million requests. */
  apiGatewayHttpMillionRequestsUsd: 1,
  /** WebSocket API per million messages, and per million connection minutes. */
  apiGatewayWebSocketMillionMessagesUsd: 1,
  apiGatewayWebSocketMillionConnectionMinutesUsd: 0.25,
  /** An AppFlow flow run (Amazon AppFlow pricing; data processed is billed on top). */
  appflowRunUsd: 0.001,
} as const satisfies Record<string, number>;
