import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import { AlarmTopic } from '../shared/alarm-topic';
import { guardDuration, guardRange, PropError } from '../shared/guards';
import { HandlerFunction } from '../shared/handler-function';
import { APIGATEWAY } from '../shared/limits';
import { acknowledge } from '../shared/nag';
import type { ProfileSettings } from '../shared/profile';
import { SecureTable } from '../shared/secure-table';
import { ApiGatewayCloudWatchRole } from './cloudwatch-role';
import { RestCustomDomain } from './custom-domain';
import { functionAlarms } from './function-alarms';
import { HttpFrontDoor } from './http-front-door';
import { type EndpointType, RestFrontDoor } from './rest-front-door';
import type { Throttle } from './throttle';
import { RegionalWebAcl } from './web-acl';
import { WebSocketNotifications } from './websocket-notifications';

/** Props of {@link ApiLambdaStack}. */
export interface ApiLambdaStackProps extends StackProps {
  /** The profile's settings. */
  readonly settings: ProfileSettings;
  /**
   * Address subscribed to the alarm topic.
   * @default - no e-mail subscription
   */
  readonly alarmEmail?: string;
  /**
   * The REST API's endpoint type.
   * @default 'regional'
   */
  readonly endpointType?: EndpointType;
  /**
   * The interface endpoint of a private REST API.
   * @default - a VPC with an execute-api endpoint is created for a private API
   */
  readonly vpcEndpoint?: ec2.IInterfaceVpcEndpoint;
  /**
   * The VPC a private REST API's interface endpoint is created in, when no `vpcEndpoint` is given.
   * @default - a new VPC with isolated subnets only
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Custom domain of the REST API (with `hostedZoneId`).
   * @default - no custom domain
   */
  readonly domainName?: string;
  /**
   * The Route 53 public hosted zone of `domainName`.
   * @default - no custom domain
   */
  readonly hostedZoneId?: string;
  /**
   * Client ids the Lambda authorizer admits.
   * @default ['quotes-demo']
   */
  readonly allowedClients?: readonly string[];
  /**
   * How long API Gateway caches a Lambda authorizer decision per client id.
   * @default Duration.seconds(300), API Gateway's default
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * How long API Gateway waits for the quotes function.
   * @default Duration.seconds(10)
   */
  readonly integrationTimeout?: Duration;
}

/** Throttling of GET /quotes (a scan: the most expensive read). */
export const LIST_THROTTLE: Throttle = { rateLimit: 5, burstLimit: 10 };
/** Throttling of POST /quotes on both APIs. */
export const CREATE_THROTTLE: Throttle = { rateLimit: 10, burstLimit: 20 };
/** The JSON Schema (draft 4) of a quote in a POST or PUT body: the REST API's request model. */
export const QUOTE_MODEL_SCHEMA: apigw.JsonSchema = {
  schema: apigw.JsonSchemaVersion.DRAFT4,
  title: 'QuoteInput',
  type: apigw.JsonSchemaType.OBJECT,
  required: ['text', 'author'],
  additionalProperties: false,
  properties: {
    text: { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: 500 },
    author: { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: 100 },
    tags: {
      type: apigw.JsonSchemaType.ARRAY,
      maxItems: 5,
      items: { type: apigw.JsonSchemaType.STRING, pattern: '^[a-z0-9-]{1,32}$' },
    },
  },
};

const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The API front door pattern: a quotes service on DynamoDB behind three APIs. The REST API carries
 * what production needs: request validation against a JSON Schema model, stage and method
 * throttling, a usage plan with an API key and a quota, AWS WAF (managed rule groups and a per-IP
 * rate rule), JSON access logs, X-Ray, and one route per authorization kind (IAM, a Cognito user
 * pool, a Lambda request authorizer); optionally a custom domain with a versioned base path. The
 * HTTP API is the cheaper variant with a JWT authorizer and route throttling; the WebSocket API
 * broadcasts notifications. The account's CloudWatch role is ensured, never fought over.
 */
export class ApiLambdaStack extends Stack {
  public readonly alarms: AlarmTopic;
  public readonly cloudWatchRole: ApiGatewayCloudWatchRole;
  public readonly quotes: SecureTable;
  public readonly restHandler: HandlerFunction;
  public readonly httpHandler: HandlerFunction;
  public readonly authorizerHandler: HandlerFunction;
  public readonly userPool: cognito.UserPool;
  public readonly userPoolClient: cognito.UserPoolClient;
  public readonly webAcl: RegionalWebAcl;
  public readonly rest: RestFrontDoor;
  public readonly http: HttpFrontDoor;
  public readonly webSocket: WebSocketNotifications;
  public readonly customDomain?: RestCustomDomain;

  public constructor(scope: Construct, id: string, props: ApiLambdaStackProps) {
    super(scope, id, {
      description:
        'decoupling-patterns: API Gateway front door (REST with validation, keys, WAF and authorizers; HTTP; WebSocket) to Lambda',
      ...props,
    });
    const { settings } = props;
    const removalPolicy = settings.removalPolicy;
    const logRetention = settings.logRetention;
    const allowedClients = props.allowedClients ?? ['quotes-demo'];
    // API Gateway's own default (300 s), which the guide's limits table states as this pattern's too.
    const authorizerCacheTtl = props.authorizerCacheTtl ?? Duration.seconds(APIGATEWAY.defaultAuthorizerCacheSeconds);
    const integrationTimeout = props.integrationTimeout ?? Duration.seconds(10);
    this.validate(props, allowedClients, authorizerCacheTtl, integrationTimeout);

    this.alarms = new AlarmTopic(this, 'Alarms', { email: props.alarmEmail, removalPolicy });
    const alarmAction = this.alarms.action;
    this.cloudWatchRole = new ApiGatewayCloudWatchRole(this, 'CloudWatchRole', { logRetention });
    this.quotes = new SecureTable(this, 'Quotes', { partitionKey: 'id', removalPolicy });

    const handlerDefaults = { timeout: Duration.seconds(10), logRetention, removalPolicy };
    this.restHandler = new HandlerFunction(this, 'RestQuotes', {
      ...handlerDefaults,
      entry: 'api-lambda/rest-quotes.ts',
      description: 'Quotes service behind the REST API (Lambda proxy, payload format 1.0)',
      serviceName: 'api-lambda-rest-quotes',
      environment: { QUOTES_TABLE_NAME: this.quotes.table.tableName },
    });
    this.httpHandler = new HandlerFunction(this, 'HttpQuotes', {
      ...handlerDefaults,
      entry: 'api-lambda/http-quotes.ts',
      description: 'Quotes service behind the HTTP API (payload format 2.0)',
      serviceName: 'api-lambda-http-quotes',
      environment: { QUOTES_TABLE_NAME: this.quotes.table.tableName },
    });
    this.quotes.table.grant(
      this.restHandler,
      'dynamodb:GetItem',
      'dynamodb:Scan',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    );
    this.quotes.table.grant(this.httpHandler, 'dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:PutItem');
    this.authorizerHandler = new HandlerFunction(this, 'ClientAuthorizer', {
      ...handlerDefaults,
      timeout: Duration.seconds(5),
      memorySize: 128,
      entry: 'api-lambda/authorizer.ts',
      description: 'Lambda REQUEST authorizer: admits the client ids of its allow-list',
      serviceName: 'api-lambda-authorizer',
      environment: { ALLOWED_CLIENTS: allowedClients.join(',') },
    });

    this.userPool = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy,
    });
    acknowledge(
      this.userPool,
      'AwsSolutions-COG8',
      'Users are operators an administrator creates (no self sign-up) and MFA is required; the Plus tier threat protection is billed per monthly active user without a free tier. Set featurePlan PLUS for a pool with public sign-in.',
    );
    this.userPoolClient = this.userPool.addClient('QuotesClient', {
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
    });

    this.webAcl = new RegionalWebAcl(this, 'WebAcl', { alarmAction });
    this.rest = new RestFrontDoor(this, 'Rest', {
      endpointType: props.endpointType,
      vpcEndpoint: props.vpcEndpoint,
      vpc: props.vpc,
      methodThrottles: { '/quotes/GET': LIST_THROTTLE, '/quotes/POST': CREATE_THROTTLE },
      cloudWatchRole: this.cloudWatchRole.resource,
      webAcl: this.webAcl,
      logRetention,
      removalPolicy,
      alarmAction,
    });
    this.addRestRoutes(authorizerCacheTtl, integrationTimeout);

    this.http = new HttpFrontDoor(this, 'Http', { logRetention, removalPolicy, alarmAction });
    const httpIntegration = new HttpLambdaIntegration('Quotes', this.httpHandler, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      timeout: integrationTimeout,
    });
    const jwt = new HttpUserPoolAuthorizer('UserPoolJwt', this.userPool, { userPoolClients: [this.userPoolClient] });
    this.http.addRoute(apigwv2.HttpMethod.GET, '/quotes', httpIntegration);
    this.http.addRoute(apigwv2.HttpMethod.GET, '/quotes/{id}', httpIntegration);
    this.http.addRoute(apigwv2.HttpMethod.POST, '/quotes', httpIntegration, { authorizer: jwt, throttle: CREATE_THROTTLE });

    this.webSocket = new WebSocketNotifications(this, 'WebSocket', {
      authorizer: this.authorizerHandler,
      cloudWatchRole: this.cloudWatchRole.resource,
      logRetention,
      removalPolicy,
      alarmAction,
    });

    if (props.domainName && props.hostedZoneId) {
      this.customDomain = new RestCustomDomain(this, 'CustomDomain', {
        domainName: props.domainName,
        hostedZone: route53.PublicHostedZone.fromHostedZoneId(this, 'Zone', props.hostedZoneId),
        api: this.rest.api,
        stage: this.rest.stage,
        endpointType: this.rest.endpointType,
        basePath: this.rest.stageName,
      });
    }

    const functions: Record<string, HandlerFunction> = {
      RestQuotes: this.restHandler,
      HttpQuotes: this.httpHandler,
      ClientAuthorizer: this.authorizerHandler,
      Connect: this.webSocket.connectHandler,
      Disconnect: this.webSocket.disconnectHandler,
      Message: this.webSocket.messageHandler,
    };
    for (const [name, fn] of Object.entries(functions)) {
      functionAlarms(this, name, fn, alarmAction);
      acknowledge(
        fn,
        'Serverless-LambdaDLQ',
        'API Gateway invokes this function synchronously: a failure is the API response to the caller (and an alarm), there is no asynchronous event to dead-letter.',
      );
    }

    const outputs: Record<string, string> = {
      AlarmTopicArn: this.alarms.topic.topicArn,
      RestApiUrl: this.rest.url,
      RestApiId: this.rest.api.restApiId,
      RestEndpointType: this.rest.endpointType,
      ApiKeyId: this.rest.apiKey.keyId,
      AllowedClientId: allowedClients[0],
      ListBurstLimit: String(LIST_THROTTLE.burstLimit),
      HttpApiUrl: this.http.url,
      WebSocketUrl: this.webSocket.url,
      WebSocketCallbackUrl: this.webSocket.stage.callbackUrl,
      QuotesTableName: this.quotes.table.tableName,
      ConnectionsTableName: this.webSocket.connections.table.tableName,
      UserPoolId: this.userPool.userPoolId,
      UserPoolClientId: this.userPoolClient.userPoolClientId,
      WebAclArn: this.webAcl.webAcl.attrArn,
      RestAccessLogGroupName: this.rest.accessLogs.logGroupName,
    };
    if (this.customDomain) outputs.CustomDomainUrl = this.customDomain.url;
    for (const [outputId, value] of Object.entries(outputs)) new CfnOutput(this, outputId, { value });
  }

  /** GET /quotes and GET /quotes/{id} (API key), POST /quotes (Lambda authorizer), PUT /quotes/{id} (Cognito), DELETE /quotes/{id} (IAM). */
  private addRestRoutes(authorizerCacheTtl: Duration, integrationTimeout: Duration): void {
    const { api, validator } = this.rest;
    const integration = new apigw.LambdaIntegration(this.restHandler, {
      proxy: true,
      timeout: integrationTimeout,
      // One permission for the whole API instead of two per method.
      scopePermissionToMethod: false,
    });
    const model = api.addModel('QuoteInput', { contentType: 'application/json', modelName: 'QuoteInput', schema: QUOTE_MODEL_SCHEMA });
    const clientAuthorizer = new apigw.RequestAuthorizer(this, 'RestClientAuthorizer', {
      handler: this.authorizerHandler,
      identitySources: [apigw.IdentitySource.header('x-client-id')],
      resultsCacheTtl: authorizerCacheTtl,
    });
    const userPoolAuthorizer = new apigw.CognitoUserPoolsAuthorizer(this, 'RestUserPoolAuthorizer', { cognitoUserPools: [this.userPool] });

    const quotes = api.root.addResource('quotes');
    const quote = quotes.addResource('{id}');
    const keyed = { apiKeyRequired: true, requestValidator: validator };
    const body = { requestModels: { 'application/json': model } };
    const methods = {
      list: quotes.addMethod('GET', integration, { ...keyed, requestParameters: { 'method.request.querystring.limit': false } }),
      create: quotes.addMethod('POST', integration, {
        ...keyed,
        ...body,
        authorizationType: apigw.AuthorizationType.CUSTOM,
        authorizer: clientAuthorizer,
      }),
      get: quote.addMethod('GET', integration, { ...keyed, requestParameters: { 'method.request.path.id': true } }),
      update: quote.addMethod('PUT', integration, {
        ...keyed,
        ...body,
        requestParameters: { 'method.request.path.id': true },
        authorizationType: apigw.AuthorizationType.COGNITO,
        authorizer: userPoolAuthorizer,
      }),
      remove: quote.addMethod('DELETE', integration, {
        ...keyed,
        requestParameters: { 'method.request.path.id': true },
        authorizationType: apigw.AuthorizationType.IAM,
      }),
    };
    for (const method of [methods.list, methods.get]) {
      acknowledge(
        method,
        'AwsSolutions-APIG4',
        'Public reads of the quotes catalogue: callers are identified by API key (usage plan throttling and quota) behind AWS WAF; writes need an authorizer.',
      );
    }
    for (const method of [methods.list, methods.get, methods.create, methods.remove]) {
      acknowledge(
        method,
        'AwsSolutions-COG4',
        'The pattern shows one authorization kind per route: this route uses an API key only, the Lambda authorizer or IAM; PUT /quotes/{id} uses the Cognito user pool.',
      );
    }
  }

  private validate(props: ApiLambdaStackProps, allowedClients: readonly string[], cacheTtl: Duration, integrationTimeout: Duration): void {
    if ((props.domainName === undefined) !== (props.hostedZoneId === undefined)) {
      throw new PropError(
        this,
        props.domainName ? 'hostedZoneId' : 'domainName',
        'is missing: a custom domain needs both domainName and hostedZoneId',
      );
    }
    if (allowedClients.length === 0 || allowedClients.some((c) => !CLIENT_ID.test(c))) {
      throw new PropError(
        this,
        'allowedClients',
        `= ${JSON.stringify(allowedClients)}: give at least one id of letters, digits, _ or -, at most 64 characters`,
      );
    }
    guardDuration(this, 'authorizerCacheTtl', cacheTtl, APIGATEWAY.authorizerCacheSeconds);
    guardRange(this, 'integrationTimeout', integrationTimeout.toMilliseconds(), APIGATEWAY.integrationTimeoutMs);
  }
}
