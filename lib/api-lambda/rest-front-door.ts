import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IDependable } from 'constructs';
import { guardInteger, PropError } from '../shared/guards';
import { APIGATEWAY } from '../shared/limits';
import { acknowledge } from '../shared/nag';
import { apiAlarms } from './api-alarms';
import { guardThrottle, type Throttle } from './throttle';
import type { RegionalWebAcl } from './web-acl';

/** Where a REST API is reachable: a regional endpoint, CloudFront's edge network, or only from a VPC. */
export const ENDPOINT_TYPES = ['regional', 'edge', 'private'] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];

/** Props of {@link RestFrontDoor}. */
export interface RestFrontDoorProps {
  /**
   * The endpoint type.
   * @default 'regional'
   */
  readonly endpointType?: EndpointType;
  /**
   * The interface VPC endpoint (`execute-api`) a private API accepts requests from. Private only.
   * @default - one is created in `vpc`
   */
  readonly vpcEndpoint?: ec2.IInterfaceVpcEndpoint;
  /**
   * The VPC to create the interface endpoint in, for a private API without `vpcEndpoint`.
   * @default - a new VPC with isolated subnets only (no NAT gateway)
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The stage's name, also the version segment of its URL (`/v1/...`).
   * @default 'v1'
   */
  readonly stageName?: string;
  /**
   * Stage variables, passed to the integration in every request.
   * @default - `{ apiVersion: <stageName> }`
   */
  readonly stageVariables?: Record<string, string>;
  /**
   * The stage's default throttling, for every method without its own.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly throttle?: Throttle;
  /**
   * Method throttling, by `/<resource path>/<HTTP method>` (for example `/quotes/GET`).
   * @default - the stage default for every method
   */
  readonly methodThrottles?: Readonly<Record<string, Throttle>>;
  /**
   * The usage plan's throttling per API key.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly usagePlanThrottle?: Throttle;
  /**
   * Requests per API key per day.
   * @default 10000
   */
  readonly dailyQuota?: number;
  /**
   * Stages that log (access logs, execution logs) need the account's CloudWatch role: they depend on this.
   * @default - no dependency (the account must already have a role)
   */
  readonly cloudWatchRole?: IDependable;
  /**
   * The web ACL associated with the stage.
   * @default - no AWS WAF
   */
  readonly webAcl?: RegionalWebAcl;
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

const STAGE_NAME = /^[A-Za-z0-9_-]+$/;

/** The address range of the VPC a private API's endpoint is created in, when none is given. */
export const PRIVATE_API_VPC_CIDR = '10.0.0.0/16';

/** Execution logs at ERROR without request or response bodies, and detailed metrics, for every method. */
const STAGE_METHOD_SETTINGS = { metricsEnabled: true, loggingLevel: apigw.MethodLoggingLevel.ERROR, dataTraceEnabled: false };

/** The access log line: one JSON object per request, with what explains a refusal (authorizer, WAF, validation, key). */
export const ACCESS_LOG_FORMAT = apigw.AccessLogFormat.custom(
  JSON.stringify({
    requestId: apigw.AccessLogField.contextRequestId(),
    extendedRequestId: apigw.AccessLogField.contextExtendedRequestId(),
    ip: apigw.AccessLogField.contextIdentitySourceIp(),
    requestTime: apigw.AccessLogField.contextRequestTime(),
    httpMethod: apigw.AccessLogField.contextHttpMethod(),
    resourcePath: apigw.AccessLogField.contextResourcePath(),
    status: apigw.AccessLogField.contextStatus(),
    protocol: apigw.AccessLogField.contextProtocol(),
    responseLength: apigw.AccessLogField.contextResponseLength(),
    responseLatency: apigw.AccessLogField.contextResponseLatency(),
    integrationLatency: apigw.AccessLogField.contextIntegrationLatency(),
    integrationStatus: apigw.AccessLogField.contextIntegrationStatus(),
    apiKeyId: apigw.AccessLogField.contextIdentityApiKeyId(),
    principal: apigw.AccessLogField.contextAuthorizerPrincipalId(),
    authorizerError: apigw.AccessLogField.contextAuthorizerError(),
    wafResponseCode: apigw.AccessLogField.contextWafResponseCode(),
    errorMessage: apigw.AccessLogField.contextErrorMessage(),
    validationError: apigw.AccessLogField.contextErrorValidationErrorString(),
  }),
);

/**
 * A REST API front door with production settings: regional by default (edge-optimized or private
 * by prop; private APIs accept requests only through an interface VPC endpoint, by resource
 * policy), one stage with JSON access logs, X-Ray tracing, detailed metrics, execution logs at
 * ERROR without bodies, stage and method throttling; a request validator for bodies and
 * parameters whose 400 names the fields; a usage plan with throttling and a daily quota, and an
 * API key in it; optional AWS WAF; alarms on the 5XX and 4XX rates and the p99 latency.
 * Routes are added to {@link api} by the caller.
 */
export class RestFrontDoor extends Construct {
  public readonly api: apigw.RestApi;
  public readonly stage: apigw.Stage;
  public readonly endpointType: EndpointType;
  /** The stage's name, the version segment of its URL. */
  public readonly stageName: string;
  public readonly accessLogs: logs.LogGroup;
  /** Validates bodies against the method's model and required parameters before the integration runs. */
  public readonly validator: apigw.RequestValidator;
  public readonly usagePlan: apigw.UsagePlan;
  public readonly apiKey: apigw.IApiKey;
  /** The interface endpoint a private API is reached through. */
  public readonly vpcEndpoint?: ec2.IInterfaceVpcEndpoint;
  public readonly throttle: Throttle;
  public readonly alarms: cloudwatch.Alarm[] = [];

  public constructor(scope: Construct, id: string, props: RestFrontDoorProps = {}) {
    super(scope, id);
    this.endpointType = props.endpointType ?? 'regional';
    const stageName = props.stageName ?? 'v1';
    this.stageName = stageName;
    this.throttle = props.throttle ?? { rateLimit: 100, burstLimit: 200 };
    const usagePlanThrottle = props.usagePlanThrottle ?? { rateLimit: 50, burstLimit: 100 };
    const dailyQuota = props.dailyQuota ?? 10_000;
    this.validate(props, stageName, usagePlanThrottle, dailyQuota);

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    if (this.endpointType === 'private') this.vpcEndpoint = props.vpcEndpoint ?? this.createVpcEndpoint(props.vpc);
    const methodOptions = Object.fromEntries(
      // A method's settings replace the stage's for that method: repeat logging and metrics with its throttling.
      Object.entries(props.methodThrottles ?? {}).map(([path, t]) => [
        path,
        { ...STAGE_METHOD_SETTINGS, throttlingRateLimit: t.rateLimit, throttlingBurstLimit: t.burstLimit },
      ]),
    );
    this.api = new apigw.RestApi(this, 'Api', {
      description: 'Quotes REST API: the front door of the API front door pattern',
      endpointConfiguration: {
        types: [
          { regional: apigw.EndpointType.REGIONAL, edge: apigw.EndpointType.EDGE, private: apigw.EndpointType.PRIVATE }[this.endpointType],
        ],
        vpcEndpoints: this.vpcEndpoint ? [this.vpcEndpoint] : undefined,
      },
      cloudWatchRole: false,
      apiKeySourceType: apigw.ApiKeySourceType.HEADER,
      deployOptions: {
        stageName,
        variables: props.stageVariables ?? { apiVersion: stageName },
        tracingEnabled: true,
        ...STAGE_METHOD_SETTINGS,
        throttlingRateLimit: this.throttle.rateLimit,
        throttlingBurstLimit: this.throttle.burstLimit,
        methodOptions,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: ACCESS_LOG_FORMAT,
      },
    });
    // The stack outputs the URL under a stable id; drop RestApi's own generated output.
    this.api.node.tryRemoveChild('Endpoint');
    if (this.vpcEndpoint) this.api.grantInvokeFromVpcEndpointsOnly([this.vpcEndpoint]);
    this.stage = this.api.deploymentStage;
    if (props.cloudWatchRole) this.stage.node.addDependency(props.cloudWatchRole);

    this.validator = this.api.addRequestValidator('Validator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    // The validator's 400 names what is wrong (the default body says only "Invalid request body").
    this.api.addGatewayResponse('BadRequestBody', {
      type: apigw.ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      templates: {
        'application/json': '{"message":"invalid request body: $util.escapeJavaScript($context.error.validationErrorString)"}',
      },
    });

    this.usagePlan = this.api.addUsagePlan('UsagePlan', {
      description: 'Quotes clients: throttled per key, with a daily quota',
      throttle: usagePlanThrottle,
      quota: { limit: dailyQuota, period: apigw.Period.DAY },
      apiStages: [{ api: this.api, stage: this.stage }],
    });
    this.apiKey = this.api.addApiKey('ApiKey', { description: 'The demo client key of the quotes usage plan' });
    this.usagePlan.addApiKey(this.apiKey);
    if (props.webAcl) props.webAcl.associate('StageAssociation', this.stage.stageArn, this.stage);
    else acknowledge(this.stage, 'AwsSolutions-APIG3', 'AWS WAF is optional for this construct; the pattern stack associates its web ACL.');

    this.alarms.push(
      ...apiAlarms(
        this,
        this.api,
        {
          serverErrorRate: 'More than 5% of REST API requests failed with 5XX over 5 minutes',
          clientErrorRate:
            'More than 25% of REST API requests were refused with 4XX over 5 minutes (bad clients, missing keys, throttling)',
          latencyP99: 'REST API p99 latency at or above 3 s for 15 minutes',
        },
        props.alarmAction,
      ),
    );
  }

  private validate(props: RestFrontDoorProps, stageName: string, usagePlanThrottle: Throttle, dailyQuota: number): void {
    if (!(ENDPOINT_TYPES as readonly string[]).includes(this.endpointType)) {
      throw new PropError(this, 'endpointType', `= ${JSON.stringify(this.endpointType)} is not one of ${ENDPOINT_TYPES.join(', ')}`);
    }
    if (!STAGE_NAME.test(stageName) || stageName.length > APIGATEWAY.maxStageNameLength) {
      throw new PropError(
        this,
        'stageName',
        `= ${JSON.stringify(stageName)}: allowed letters, digits, - and _, at most ${APIGATEWAY.maxStageNameLength} characters`,
      );
    }
    if (this.endpointType !== 'private' && (props.vpcEndpoint || props.vpc)) {
      throw new PropError(
        this,
        props.vpcEndpoint ? 'vpcEndpoint' : 'vpc',
        `applies to private APIs only, and endpointType is ${this.endpointType}`,
      );
    }
    if (props.vpcEndpoint && props.vpc) {
      throw new PropError(this, 'vpc', "and vpcEndpoint are both given: the endpoint's own VPC is used; give only one");
    }
    const throttles: Array<[string, Throttle]> = [
      ['throttle', this.throttle],
      ['usagePlanThrottle', usagePlanThrottle],
      ...Object.entries(props.methodThrottles ?? {}).map(([path, t]): [string, Throttle] => [`methodThrottles[${path}]`, t]),
    ];
    for (const [name, t] of throttles) guardThrottle(this, name, t);
    for (const path of Object.keys(props.methodThrottles ?? {})) {
      if (!/^\/\S*\/(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|\*)$/.test(path)) {
        throw new PropError(
          this,
          'methodThrottles',
          `key ${JSON.stringify(path)} is not /<resource path>/<HTTP method>, for example /quotes/GET`,
        );
      }
    }
    guardInteger(this, 'dailyQuota', dailyQuota, APIGATEWAY.quotaLimit);
  }

  private createVpcEndpoint(vpc: ec2.IVpc | undefined): ec2.IInterfaceVpcEndpoint {
    const network =
      vpc ??
      new ec2.Vpc(this, 'Vpc', {
        ipAddresses: ec2.IpAddresses.cidr(PRIVATE_API_VPC_CIDR),
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
        flowLogs: {
          Rejected: {
            destination: ec2.FlowLogDestination.toCloudWatchLogs(
              new logs.LogGroup(this, 'FlowLogs', { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY }),
            ),
            trafficType: ec2.FlowLogTrafficType.REJECT,
          },
        },
      });
    // The VPC's own range, written out when this construct made the VPC (a given VPC's may be a token).
    const cidr = vpc ? vpc.vpcCidrBlock : PRIVATE_API_VPC_CIDR;
    const securityGroup = new ec2.SecurityGroup(this, 'ExecuteApiEndpointSecurityGroup', {
      vpc: network,
      description: 'execute-api interface endpoint: HTTPS from the VPC only, nothing outbound',
      allowAllOutbound: false,
    });
    securityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(APIGATEWAY.httpsPort), 'HTTPS to the private API from the VPC');
    if (Token.isUnresolved(cidr)) {
      acknowledge(
        securityGroup,
        'AwsSolutions-EC23',
        "The only ingress rule admits TCP 443 from the given VPC's own CIDR block (a deploy-time value cdk-nag cannot read), never 0.0.0.0/0 or ::/0.",
      );
    }
    return new ec2.InterfaceVpcEndpoint(this, 'ExecuteApiEndpoint', {
      vpc: network,
      service: ec2.InterfaceVpcEndpointAwsService.APIGATEWAY,
      privateDnsEnabled: true,
      open: false,
      securityGroups: [securityGroup],
      subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    });
  }

  /** The stage's invoke URL (`https://<api-id>.execute-api.<region>.amazonaws.com/<stage>/`). */
  public get url(): string {
    return this.api.url;
  }

  /** The execute-api ARN of every method of the stage, for resource policies and grants. */
  public get stageMethodsArn(): string {
    return Stack.of(this).formatArn({ service: 'execute-api', resource: this.api.restApiId, resourceName: `${this.stage.stageName}/*/*` });
  }
}
