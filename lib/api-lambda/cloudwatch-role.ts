import { ArnFormat, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HandlerFunction } from '../shared/handler-function';
import { acknowledge } from '../shared/nag';
import { nagEnv } from './nag-env';

/** Props of {@link ApiGatewayCloudWatchRole}. */
export interface ApiGatewayCloudWatchRoleProps {
  /**
   * Retention of the ensuring function's log group.
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The region's API Gateway CloudWatch Logs role, without fighting over it.
 *
 * REST and WebSocket APIs write execution and access logs through one role per account and region,
 * the `cloudwatchRoleArn` of the API Gateway account setting (`AWS::ApiGateway::Account`). A stack
 * that declares that resource takes the setting over: two stacks (or two copies of one) overwrite
 * each other, and destroying one leaves the setting naming a deleted role, so every other API of
 * the region silently loses its logs. This construct declares no `AWS::ApiGateway::Account`. A small
 * custom resource ensures the setting instead: a setting that names an existing role is kept as it
 * is; an unset or dangling one (a fresh account, where the first stage with logging would fail with
 * "CloudWatch Logs role ARN must be set in account settings") is set to this construct's role. The
 * role is retained when the stack is destroyed, because the account may now depend on it; delete
 * never unsets the setting. Stages with logging depend on {@link resource}.
 */
export class ApiGatewayCloudWatchRole extends Construct {
  /** The role API Gateway assumes to write logs (used only when the account had no working role). */
  public readonly role: iam.Role;
  /** The function that ensures the account setting. */
  public readonly handler: HandlerFunction;
  /** The custom resource; stages that log must depend on it. */
  public readonly resource: CustomResource;

  public constructor(scope: Construct, id: string, props: ApiGatewayCloudWatchRoleProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const env = nagEnv(this);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: "API Gateway's account-wide CloudWatch Logs role (execution and access logs of REST and WebSocket APIs)",
      inlinePolicies: {
        PushToCloudWatchLogs: new iam.PolicyDocument({
          // The actions of the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs, scoped to this account and region.
          statements: [
            new iam.PolicyStatement({
              actions: [
                'logs:CreateLogGroup',
                'logs:CreateLogStream',
                'logs:DescribeLogGroups',
                'logs:DescribeLogStreams',
                'logs:PutLogEvents',
                'logs:GetLogEvents',
                'logs:FilterLogEvents',
              ],
              resources: [
                stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
              ],
            }),
          ],
        }),
      },
    });
    // The account setting may name this role after the stack is gone: keep it (IAM roles cost nothing).
    this.role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    acknowledge(
      this.role,
      `AwsSolutions-IAM5[Resource::arn:${env.partition}:logs:${env.region}:${env.account}:log-group:*]`,
      "The role is the region's API Gateway logging role, shared by every REST and WebSocket API of the account; API Gateway names the execution log groups itself (API-Gateway-Execution-Logs_<api>/<stage>), so the role cannot be scoped to this stack's groups.",
    );

    this.handler = new HandlerFunction(this, 'Ensure', {
      entry: 'api-lambda/cloudwatch-role.ts',
      description: "Ensures the region's API Gateway CloudWatch Logs role without replacing a working one",
      serviceName: 'api-lambda-cloudwatch-role',
      timeout: Duration.minutes(2),
      memorySize: 128,
      logRetention: props.logRetention,
    });
    const accountArn = stack.formatArn({ service: 'apigateway', account: '', resource: '/account', arnFormat: ArnFormat.NO_RESOURCE_NAME });
    this.handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['apigateway:GET', 'apigateway:PATCH'], resources: [accountArn] }));
    this.handler.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:GetRole'],
        resources: [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: '*' })],
      }),
    );
    this.handler.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'apigateway.amazonaws.com' } },
      }),
    );
    acknowledge(
      this.handler.executionRole.node.findChild('DefaultPolicy'),
      `AwsSolutions-IAM5[Resource::arn:${env.partition}:iam::${env.account}:role/*]`,
      'iam:GetRole (read only) on any role: the function checks whether the role the account setting names still exists, and that role can be any role of the account.',
    );
    acknowledge(
      this.handler,
      'Serverless-LambdaDLQ',
      'CloudFormation invokes the custom resource synchronously and waits for its answer; there is no asynchronous event to dead-letter.',
    );
    acknowledge(
      this.handler,
      'Serverless-LambdaAsyncFailureDestination',
      'CloudFormation invokes the custom resource and the function reports every outcome, failures included, to CloudFormation itself.',
    );

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.handler.functionArn,
      resourceType: 'Custom::ApiGatewayCloudWatchRole',
      properties: { RoleArn: this.role.roleArn },
    });
  }
}
