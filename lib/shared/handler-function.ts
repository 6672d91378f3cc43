import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { guardDuration, guardInteger, PropError } from './guards';
import { HANDLERS_DIR, handlerCode } from './handler-bundling';
import { LAMBDA_SQS } from './limits';
import { acknowledge, VPC_NETWORK_INTERFACE_ACTIONS, VPC_WILDCARD_REASON, XRAY_WILDCARD_REASON } from './nag';

/** The Node.js runtime every handler uses. */
export const HANDLER_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Props of {@link HandlerFunction}. */
export interface HandlerFunctionProps {
  /** Handler source relative to `lambda/`, for example `sqs-dlq/consumer.ts`; it exports `handler`. */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** Powertools service name (the `service` key of every log line). */
  readonly serviceName: string;
  /**
   * Function timeout.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Memory in MB; CPU is proportional to it.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Extra environment variables.
   * @default - only the Powertools settings
   */
  readonly environment?: Record<string, string>;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the log group.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Reserved concurrency.
   * @default - unreserved
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Runs the function in this VPC (its role may then manage the function's network interfaces).
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of `vpc` the function uses.
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the function in `vpc`.
   * @default - a new security group that allows all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/**
 * A Node.js Lambda function with the project's defaults: the handler bundled by esbuild in-process
 * (minified, source maps, `@aws-sdk/*` left to the runtime; see `handler-bundling.ts` for why not
 * `NodejsFunction`), arm64, the current Node.js runtime, active X-Ray tracing, its own log group
 * with retention, and a role that may write only to that log group (no AWS managed policy).
 */
export class HandlerFunction extends lambda.Function {
  /** The function's log group. */
  public readonly functionLogGroup: logs.LogGroup;
  /** The execution role (only inline policies: its log group, tracing, and what the caller grants). */
  public readonly executionRole: iam.Role;
  /**
   * The role's X-Ray policy, apart from its default policy: the only place where the cdk-nag finding
   * `AwsSolutions-IAM5[Resource::*]` is acknowledged, so a wildcard granted later is still reported.
   */
  public readonly tracingPolicy: iam.Policy;

  public constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    const timeout = props.timeout ?? Duration.seconds(30);
    const memorySize = props.memorySize ?? 256;
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.description}`,
    });
    logGroup.grantWrite(role);

    const entryPath = path.join(HANDLERS_DIR, props.entry);
    if (!existsSync(entryPath)) {
      throw new PropError(scope, `${id}.entry`, `= ${props.entry} does not exist under lambda/`);
    }
    super(scope, id, {
      code: handlerCode(props.entry),
      handler: 'index.handler',
      description: props.description,
      runtime: HANDLER_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      timeout,
      memorySize,
      role,
      logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
    });
    guardDuration(this, 'timeout', timeout, LAMBDA_SQS.timeoutSeconds);
    guardInteger(this, 'memorySize', memorySize, LAMBDA_SQS.memoryMb);
    this.functionLogGroup = logGroup;
    this.executionRole = role;

    // Active tracing. The L2's `tracing` prop would put X-Ray's Resource "*" statement in the role's
    // default policy, where acknowledging cdk-nag's `Resource::*` finding would also hide any later
    // wildcard grant. X-Ray's statement gets a policy of its own instead, acknowledged there alone.
    (this.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: lambda.Tracing.ACTIVE };
    this.tracingPolicy = new iam.Policy(role, 'Tracing', {
      roles: [role],
      statements: [new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] })],
    });
    acknowledge(this.tracingPolicy, 'AwsSolutions-IAM5[Resource::*]', XRAY_WILDCARD_REASON);
    this.node.addDependency(this.tracingPolicy);
    // A function in a VPC manages its network interfaces with its own role (a role passed to
    // lambda.Function does not get AWSLambdaVPCAccessExecutionRole). Those actions only take
    // Resource "*": they get a policy of their own too, acknowledged there alone.
    if (props.vpc) {
      const networkPolicy = new iam.Policy(role, 'NetworkInterfaces', {
        roles: [role],
        statements: [new iam.PolicyStatement({ actions: [...VPC_NETWORK_INTERFACE_ACTIONS], resources: ['*'] })],
      });
      acknowledge(networkPolicy, 'AwsSolutions-IAM5[Resource::*]', VPC_WILDCARD_REASON);
      this.node.addDependency(networkPolicy);
    }
  }
}
