import { Lazy, RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../shared/nag';
import { apiAlarms } from './api-alarms';
import { guardThrottle, type Throttle } from './throttle';

/** Props of {@link HttpFrontDoor}. */
export interface HttpFrontDoorProps {
  /**
   * Default route throttling of the `$default` stage, for every route without its own.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: Throttle;
  /**
   * Retention of the access log group.
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the access log group.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Where the 5XX, 4XX and latency alarms notify.
   * @default - no alarm actions
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/** Options of {@link HttpFrontDoor.addRoute}. */
export interface HttpRouteOptions {
  /**
   * The route's authorizer (for example a JWT authorizer on a Cognito user pool).
   * @default - no authorization: a public route
   */
  readonly authorizer?: apigwv2.IHttpRouteAuthorizer;
  /**
   * The route's own throttling.
   * @default - the stage's default route throttling
   */
  readonly throttle?: Throttle;
}

/** Per-route CloudWatch metrics, on the stage default and on every route with settings of its own. */
const HTTP_DETAILED_METRICS = true;

/** The access log line of an HTTP API: one JSON object per request. */
export const HTTP_ACCESS_LOG_FORMAT = apigw.AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationStatus: '$context.integrationStatus',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    errorMessage: '$context.error.message',
  }),
);

/**
 * An HTTP API (API Gateway v2) front door: the cheaper, simpler variant (no API keys, usage plans,
 * request validation or AWS WAF; JWT authorizers built in). One `$default` stage, auto-deployed,
 * with JSON access logs (HTTP APIs write them through a service-linked role, not the account's
 * CloudWatch role), default route throttling, per-route throttling, and alarms on the 5XX and 4XX
 * rates and the p99 latency.
 */
export class HttpFrontDoor extends Construct {
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly accessLogs: logs.LogGroup;
  public readonly throttle: Throttle;
  public readonly alarms: cloudwatch.Alarm[] = [];
  private readonly routeThrottles: Record<string, Throttle> = {};

  public constructor(scope: Construct, id: string, props: HttpFrontDoorProps = {}) {
    super(scope, id);
    this.throttle = props.throttle ?? { rateLimit: 50, burstLimit: 100 };
    guardThrottle(this, 'throttle', this.throttle);
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'Quotes HTTP API: the low-cost variant of the API front door',
      createDefaultStage: false,
    });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: this.throttle,
      detailedMetricsEnabled: HTTP_DETAILED_METRICS,
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(this.accessLogs), format: HTTP_ACCESS_LOG_FORMAT },
    });
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    cfnStage.addPropertyOverride(
      'RouteSettings',
      Lazy.any({
        produce: () =>
          Object.keys(this.routeThrottles).length === 0
            ? undefined
            : Object.fromEntries(
                // A route's settings replace the stage default for that route: repeat detailed metrics with its throttling.
                Object.entries(this.routeThrottles).map(([key, t]) => [
                  key,
                  { DetailedMetricsEnabled: HTTP_DETAILED_METRICS, ThrottlingRateLimit: t.rateLimit, ThrottlingBurstLimit: t.burstLimit },
                ]),
              ),
      }),
    );

    this.alarms.push(
      ...apiAlarms(
        this,
        this.stage,
        {
          serverErrorRate: 'More than 5% of HTTP API requests failed with 5xx over 5 minutes',
          clientErrorRate: 'More than 25% of HTTP API requests were refused with 4xx over 5 minutes',
          latencyP99: 'HTTP API p99 latency at or above 3 s for 15 minutes',
        },
        props.alarmAction,
      ),
    );
  }

  /** Adds a route (`GET /quotes`) with an integration, an optional authorizer and optional route throttling. */
  public addRoute(
    method: apigwv2.HttpMethod,
    path: string,
    integration: apigwv2.HttpRouteIntegration,
    options: HttpRouteOptions = {},
  ): apigwv2.HttpRoute {
    const routeKey = `${method} ${path}`;
    if (options.throttle) guardThrottle(this, `routeThrottle[${routeKey}]`, options.throttle);
    const [route] = this.api.addRoutes({ path, methods: [method], integration, authorizer: options.authorizer });
    if (options.throttle) {
      this.routeThrottles[routeKey] = options.throttle;
      // CloudFormation refuses RouteSettings that name a route which does not exist yet.
      this.stage.node.addDependency(route);
    }
    if (!options.authorizer) {
      acknowledge(
        route,
        'AwsSolutions-APIG4',
        `${routeKey} is a public read route of the HTTP API by design; it is throttled and writes need a JWT.`,
      );
    }
    return route;
  }

  /** The stage's invoke URL (`https://<api-id>.execute-api.<region>.amazonaws.com/`). */
  public get url(): string {
    return this.stage.url;
  }
}
