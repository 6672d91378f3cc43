import { type CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IDependable } from 'constructs';
import { thresholdAlarm } from '../shared/alarms';
import { HandlerFunction } from '../shared/handler-function';
import { acknowledge } from '../shared/nag';
import { SecureTable } from '../shared/secure-table';
import { nagEnv } from './nag-env';
import { guardThrottle, type Throttle } from './throttle';

/** Props of {@link WebSocketNotifications}. */
export interface WebSocketNotificationsProps {
  /** The Lambda REQUEST authorizer of `$connect` (identity source: the `clientId` query string parameter). */
  readonly authorizer: lambda.IFunction;
  /**
   * The stage's name.
   * @default 'v1'
   */
  readonly stageName?: string;
  /**
   * Default route throttling of the stage.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: Throttle;
  /**
   * The stage logs through the account's CloudWatch role: it depends on this.
   * @default - no dependency (the account must already have a role)
   */
  readonly cloudWatchRole?: IDependable;
  /**
   * Retention of the access log group and the functions' log groups.
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the connections table and the log groups.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Where the integration and execution error alarms notify.
   * @default - no alarm actions
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/** The access log line of the WebSocket API: one JSON object per message or connection event. */
export const WEBSOCKET_ACCESS_LOG_FORMAT = apigw.AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    eventType: '$context.eventType',
    routeKey: '$context.routeKey',
    connectionId: '$context.connectionId',
    status: '$context.status',
    integrationLatency: '$context.integrationLatency',
    authorizerError: '$context.authorizer.error',
    errorMessage: '$context.error.message',
  }),
);

/**
 * A WebSocket API for real-time notifications: `$connect` behind a Lambda REQUEST authorizer records
 * the connection in a table (with a TTL of the 2-hour connection limit), `$disconnect` forgets it,
 * and the `sendMessage` route (selected by `$request.body.action`) broadcasts to every connection
 * through the stage's `@connections` management API, removing connections that are gone (410).
 * JSON access logs, default route throttling, alarms on integration and execution errors.
 */
export class WebSocketNotifications extends Construct {
  public readonly api: apigwv2.WebSocketApi;
  public readonly stage: apigwv2.WebSocketStage;
  public readonly connections: SecureTable;
  public readonly connectHandler: HandlerFunction;
  public readonly disconnectHandler: HandlerFunction;
  public readonly messageHandler: HandlerFunction;
  public readonly accessLogs: logs.LogGroup;
  public readonly alarms: cloudwatch.Alarm[] = [];

  public constructor(scope: Construct, id: string, props: WebSocketNotificationsProps) {
    super(scope, id);
    const throttle = props.throttle ?? { rateLimit: 50, burstLimit: 100 };
    guardThrottle(this, 'throttle', throttle);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_WEEK;

    this.connections = new SecureTable(this, 'Connections', {
      partitionKey: 'connectionId',
      timeToLiveAttribute: 'expiresAt',
      removalPolicy,
    });
    const handler = (handlerId: string, entry: string, description: string) =>
      new HandlerFunction(this, handlerId, {
        entry,
        description,
        serviceName: `api-lambda-${entry.replace(/^api-lambda\/|\.ts$/g, '')}`,
        timeout: Duration.seconds(10),
        logRetention,
        removalPolicy,
        environment: { CONNECTIONS_TABLE_NAME: this.connections.table.tableName },
      });
    this.connectHandler = handler('Connect', 'api-lambda/ws-connect.ts', 'Records a WebSocket connection the authorizer admitted');
    this.disconnectHandler = handler('Disconnect', 'api-lambda/ws-disconnect.ts', 'Forgets a closed WebSocket connection');
    this.messageHandler = handler('Message', 'api-lambda/ws-message.ts', 'Broadcasts a sendMessage frame to every WebSocket connection');
    this.connections.table.grant(this.connectHandler, 'dynamodb:PutItem');
    this.connections.table.grant(this.disconnectHandler, 'dynamodb:DeleteItem');
    this.connections.table.grant(this.messageHandler, 'dynamodb:Scan', 'dynamodb:DeleteItem');

    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      description: 'Quotes notifications: real-time broadcast over WebSocket',
      routeSelectionExpression: '$request.body.action',
      connectRouteOptions: {
        integration: new WebSocketLambdaIntegration('Connect', this.connectHandler),
        authorizer: new WebSocketLambdaAuthorizer('Authorizer', props.authorizer, {
          identitySource: ['route.request.querystring.clientId'],
        }),
      },
      disconnectRouteOptions: { integration: new WebSocketLambdaIntegration('Disconnect', this.disconnectHandler) },
    });
    this.api.addRoute('sendMessage', { integration: new WebSocketLambdaIntegration('Message', this.messageHandler) });
    for (const route of ['$disconnect-Route', 'sendMessage-Route']) {
      acknowledge(
        this.api.node.findChild(route),
        'AwsSolutions-APIG4',
        'A WebSocket API authorizes once, on $connect; later routes of the connection carry no credentials of their own.',
      );
    }

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention, removalPolicy });
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stageName ?? 'v1',
      autoDeploy: true,
      throttle,
      detailedMetricsEnabled: true,
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(this.accessLogs), format: WEBSOCKET_ACCESS_LOG_FORMAT },
    });
    if (props.cloudWatchRole) this.stage.node.addDependency(props.cloudWatchRole);
    this.messageHandler.addEnvironment('CONNECTIONS_URL', this.stage.callbackUrl);
    this.stage.grantManagementApiAccess(this.messageHandler);
    const env = nagEnv(this);
    acknowledge(
      this.messageHandler.executionRole.node.findChild('DefaultPolicy'),
      `AwsSolutions-IAM5[Resource::arn:${env.partition}:execute-api:${env.region}:${env.account}:<${Stack.of(this).getLogicalId(this.api.node.defaultChild as CfnElement)}>/${this.stage.stageName}/*/@connections/*]`,
      'execute-api:ManageConnections on the @connections of this API stage only; connection ids are assigned by API Gateway at $connect, so they cannot be named in advance.',
    );

    const metric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: this.api.apiId, Stage: this.stage.stageName },
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    this.alarms.push(
      thresholdAlarm(this, 'IntegrationErrorAlarm', {
        description: 'WebSocket route integrations (the Lambda handlers) failed',
        metric: metric('IntegrationError'),
        threshold: 5,
        action: props.alarmAction,
      }),
      thresholdAlarm(this, 'ExecutionErrorAlarm', {
        description: 'API Gateway failed to run WebSocket routes',
        metric: metric('ExecutionError'),
        threshold: 5,
        action: props.alarmAction,
      }),
    );

    // A send that fails (other than 410 Gone) does not fail the broadcast: the handler counts it in the
    // `failed` field of its `broadcast` log line, which this filter turns into a metric per function.
    const failedSends = { namespace: 'DecouplingPatterns/WebSocket', metricName: 'FailedSends' };
    this.messageHandler.functionLogGroup.addMetricFilter('FailedSendsFilter', {
      filterPattern: logs.FilterPattern.all(
        logs.FilterPattern.stringValue('$.message', '=', 'broadcast'),
        logs.FilterPattern.numberValue('$.failed', '>', 0),
      ),
      metricNamespace: failedSends.namespace,
      metricName: failedSends.metricName,
      metricValue: '$.failed',
      dimensions: { FunctionName: '$.function_name' },
    });
    this.alarms.push(
      thresholdAlarm(this, 'FailedSendsAlarm', {
        description:
          'WebSocket broadcasts could not send 5 or more frames to open connections in 5 minutes (not 410 Gone: throttling or errors)',
        metric: new cloudwatch.Metric({
          ...failedSends,
          dimensionsMap: { FunctionName: this.messageHandler.functionName },
          statistic: 'Sum',
          period: Duration.minutes(5),
        }),
        threshold: 5,
        action: props.alarmAction,
      }),
    );
  }

  /** The URL clients connect to (`wss://<api-id>.execute-api.<region>.amazonaws.com/<stage>`). */
  public get url(): string {
    return this.stage.url;
  }
}
