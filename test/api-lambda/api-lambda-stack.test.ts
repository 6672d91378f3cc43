import { App, Duration, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ApiLambdaStack, RegionalWebAcl, RestFrontDoor } from '../../lib/api-lambda';
import { STACK_IDS } from '../../lib/app';
import { appTemplate, errorOf, NO_BUNDLING, settings, testStack } from '../helpers';

const ID = STACK_IDS.apiLambda;

/** The logical id of the REST method `<verb> <path>` (`GET /quotes/{id}`). */
function methodId(template: Template, verb: string, path: string): string {
  const prefix = `RestApi${path.replace(/[^A-Za-z0-9]/g, '')}${verb}`;
  const ids = Object.keys(template.findResources('AWS::ApiGateway::Method')).filter((id) => new RegExp(`^${prefix}[0-9A-F]{8}$`).test(id));
  expect(ids).toHaveLength(1);
  return ids[0];
}

describe('Decoupling-ApiLambda, sandbox profile', () => {
  const template = appTemplate(ID);
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] }
  >;
  const method = (verb: string, path: string) => resources[methodId(template, verb, path)].Properties;

  test('snapshot (asset hashes normalised)', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('REST API: regional endpoint by default, no CloudWatch role of its own', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
      ApiKeySourceType: 'HEADER',
    });
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  test('stage: JSON access logs, X-Ray, detailed metrics, ERROR execution logs without bodies, stage and method throttling, version variable', () => {
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0].Properties;
    expect(stage.StageName).toBe('v1');
    expect(stage.TracingEnabled).toBe(true);
    expect(stage.Variables).toEqual({ apiVersion: 'v1' });
    expect(JSON.parse(stage.AccessLogSetting.Format)).toEqual(
      expect.objectContaining({
        requestId: '$context.requestId',
        status: '$context.status',
        validationError: '$context.error.validationErrorString',
      }),
    );
    expect(JSON.stringify(stage.AccessLogSetting.DestinationArn)).toMatch(/"Ref":"RestAccessLogs[0-9A-F]{8}"/);
    expect(stage.MethodSettings).toEqual(
      expect.arrayContaining([
        {
          DataTraceEnabled: false,
          HttpMethod: '*',
          LoggingLevel: 'ERROR',
          MetricsEnabled: true,
          ResourcePath: '/*',
          ThrottlingBurstLimit: 200,
          ThrottlingRateLimit: 100,
        },
        // A method's settings replace the stage's: logging and metrics are repeated with the throttling.
        {
          DataTraceEnabled: false,
          HttpMethod: 'GET',
          LoggingLevel: 'ERROR',
          MetricsEnabled: true,
          ResourcePath: '/~1quotes',
          ThrottlingBurstLimit: 10,
          ThrottlingRateLimit: 5,
        },
        {
          DataTraceEnabled: false,
          HttpMethod: 'POST',
          LoggingLevel: 'ERROR',
          MetricsEnabled: true,
          ResourcePath: '/~1quotes',
          ThrottlingBurstLimit: 20,
          ThrottlingRateLimit: 10,
        },
      ]),
    );
  });

  test('usage plan: throttling and a daily quota, with the API key in it', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 50, BurstLimit: 100 },
      Quota: { Limit: 10000, Period: 'DAY' },
      ApiStages: [
        { ApiId: { Ref: Match.stringLikeRegexp('^RestApi') }, Stage: { Ref: Match.stringLikeRegexp('^RestApiDeploymentStagev1') } },
      ],
    });
    template.hasResourceProperties('AWS::ApiGateway::ApiKey', { Enabled: true, Value: Match.absent() });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', {
      KeyType: 'API_KEY',
      KeyId: { Ref: Match.stringLikeRegexp('^RestApiApiKey') },
    });
  });

  test('validator and model: bodies and parameters; the draft-4 quote schema on POST and PUT; the 400 names the fields', () => {
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      ContentType: 'application/json',
      Name: 'QuoteInput',
      Schema: Match.objectLike({
        $schema: 'http://json-schema.org/draft-04/schema#',
        required: ['text', 'author'],
        additionalProperties: false,
      }),
    });
    for (const [verb, path] of [
      ['GET', '/quotes'],
      ['POST', '/quotes'],
      ['GET', '/quotes/{id}'],
      ['PUT', '/quotes/{id}'],
      ['DELETE', '/quotes/{id}'],
    ]) {
      expect([verb, path, method(verb, path).RequestValidatorId]).toEqual([
        verb,
        path,
        { Ref: expect.stringMatching(/^RestApiValidator/) },
      ]);
      expect([verb, path, method(verb, path).ApiKeyRequired]).toEqual([verb, path, true]);
    }
    for (const [verb, path] of [
      ['POST', '/quotes'],
      ['PUT', '/quotes/{id}'],
    ]) {
      expect(method(verb, path).RequestModels).toEqual({ 'application/json': { Ref: expect.stringMatching(/^RestApiQuoteInput/) } });
    }
    expect(method('GET', '/quotes/{id}').RequestParameters).toEqual({ 'method.request.path.id': true });
    expect(method('GET', '/quotes').RequestParameters).toEqual({ 'method.request.querystring.limit': false });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_BODY',
      StatusCode: '400',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('validationErrorString') },
    });
  });

  test('authorization, one route each: Lambda REQUEST authorizer on POST, Cognito on PUT, IAM on DELETE, none on the reads', () => {
    expect(method('POST', '/quotes')).toEqual(
      expect.objectContaining({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: expect.stringMatching(/^RestClientAuthorizer/) } }),
    );
    expect(method('PUT', '/quotes/{id}')).toEqual(
      expect.objectContaining({
        AuthorizationType: 'COGNITO_USER_POOLS',
        AuthorizerId: { Ref: expect.stringMatching(/^RestUserPoolAuthorizer/) },
      }),
    );
    expect(method('DELETE', '/quotes/{id}').AuthorizationType).toBe('AWS_IAM');
    expect(method('GET', '/quotes').AuthorizationType).toBe('NONE');
    expect(method('GET', '/quotes/{id}').AuthorizationType).toBe('NONE');
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.x-client-id',
      AuthorizerResultTtlInSeconds: 300,
    });
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      ProviderARNs: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Users'), 'Arn'] }],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ALLOWED_CLIENTS: 'quotes-demo' }) },
    });
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
  });

  test('Lambda proxy integration with a 10 s timeout and one permission for the whole API', () => {
    expect(method('GET', '/quotes').Integration).toEqual(
      expect.objectContaining({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', TimeoutInMillis: 10000 }),
    );
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Permission',
      { FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RestQuotes'), 'Arn'] } },
      1,
    );
  });

  test('WAF: managed common and known-bad-inputs groups and a per-IP rate rule; the association waits for the stage', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: [
        Match.objectLike({
          Name: 'AWSManagedRulesCommonRuleSet',
          Priority: 0,
          Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } },
        }),
        Match.objectLike({ Name: 'AWSManagedRulesKnownBadInputsRuleSet', Priority: 1 }),
        Match.objectLike({
          Name: 'RateLimitPerIp',
          Priority: 2,
          Action: { Block: {} },
          Statement: { RateBasedStatement: { Limit: 500, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
        }),
      ],
    });
    const [association] = Object.values(template.findResources('AWS::WAFv2::WebACLAssociation'));
    const stageId = Object.keys(template.findResources('AWS::ApiGateway::Stage'))[0];
    expect(association.DependsOn).toContain(stageId);
  });

  test('the CloudWatch role singleton: no AWS::ApiGateway::Account; an ensure custom resource every logging stage depends on; the role is retained', () => {
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    const [crId] = Object.keys(template.findResources('Custom::ApiGatewayCloudWatchRole'));
    template.hasResourceProperties('Custom::ApiGatewayCloudWatchRole', {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CloudWatchRoleEnsure'), 'Arn'] },
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CloudWatchRole[0-9A-F]{8}$'), 'Arn'] },
    });
    for (const type of ['AWS::ApiGateway::Stage', 'AWS::ApiGatewayV2::Stage']) {
      for (const [id, stage] of Object.entries(template.findResources(type))) {
        if (stage.Properties.AccessLogSetting || stage.Properties.AccessLogSettings) {
          const http = stage.Properties.StageName === '$default';
          // HTTP APIs log through a service-linked role, not the account setting.
          if (!http) expect([id, stage.DependsOn]).toEqual([id, expect.arrayContaining([crId])]);
        }
      }
    }
    template.hasResource('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })] } },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['apigateway:GET', 'apigateway:PATCH'] }),
          Match.objectLike({ Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'apigateway.amazonaws.com' } } }),
        ]),
      },
    });
  });

  test('HTTP API: JWT authorizer (Cognito) on POST only, default and route throttling, access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: [{ Ref: Match.stringLikeRegexp('^UsersQuotesClient') }], Issuer: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /quotes', AuthorizationType: 'JWT' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /quotes', AuthorizationType: 'NONE' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100, DetailedMetricsEnabled: true }),
      RouteSettings: { 'POST /quotes': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 } },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HttpAccessLogs'), 'Arn'] }, Format: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  });

  test('WebSocket API: $connect behind the Lambda authorizer, routes by action, connections with a TTL, management grant', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.clientId'],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$connect', AuthorizationType: 'CUSTOM' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$disconnect', AuthorizationType: 'NONE' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'sendMessage' });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'execute-api:ManageConnections' })]) },
    });
  });

  test('alarms: 5XX and 4XX rates and p99 latency per API, errors and throttles per function, WAF blocked requests; all to the alarm topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5XXError', Statistic: 'Average', Threshold: 0.05 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '4XXError', Statistic: 'Average', Threshold: 0.25 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Latency', ExtendedStatistic: 'p99', Threshold: 3000 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5xx', Statistic: 'Average' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/WAFV2', MetricName: 'BlockedRequests', Threshold: 100 });
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'Errors' }, 6);
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'Throttles' }, 6);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
    }
  });

  test('outputs: the three URLs, the key id, tables, pool and WAF; no custom domain without context', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(
      [
        'AlarmTopicArn',
        'AllowedClientId',
        'ApiKeyId',
        'ConnectionsTableName',
        'HttpApiUrl',
        'ListBurstLimit',
        'QuotesTableName',
        'RestAccessLogGroupName',
        'RestApiId',
        'RestApiUrl',
        'RestEndpointType',
        'UserPoolClientId',
        'UserPoolId',
        'WebAclArn',
        'WebSocketCallbackUrl',
        'WebSocketUrl',
      ].sort(),
    );
    template.resourceCountIs('AWS::ApiGateway::DomainName', 0);
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
  });
});

/** Only this pattern's stack, with the props the app would pass for the context (fewer stacks to build). */
function stackTemplate(props: Partial<ConstructorParameters<typeof ApiLambdaStack>[2]> = {}): Template {
  return Template.fromStack(new ApiLambdaStack(new App({ context: NO_BUNDLING }), ID, { settings: settings(), ...props }));
}

describe('endpoint types and the custom domain', () => {
  test('edge-optimized', () => {
    stackTemplate({ endpointType: 'edge' }).hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['EDGE'] },
    });
  });

  test('private: an execute-api interface endpoint and a resource policy limiting the API to it', () => {
    const template = stackTemplate({ endpointType: 'private' });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
    expect(JSON.stringify(Object.values(template.findResources('AWS::EC2::VPCEndpoint'))[0].Properties.ServiceName)).toContain(
      '.execute-api',
    );
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['PRIVATE'], VpcEndpointIds: [{ Ref: Match.stringLikeRegexp('ExecuteApiEndpoint') }] },
      Policy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'execute-api:Invoke',
            Condition: { StringNotEquals: { 'aws:SourceVpce': [{ Ref: Match.stringLikeRegexp('ExecuteApiEndpoint') }] } },
          }),
        ]),
      },
    });
  });

  test('a custom domain: DNS-validated certificate, TLS 1.2, base path v1 to the stage, alias record', () => {
    const template = stackTemplate({ domainName: 'api.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' });
    template.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'api.example.com', ValidationMethod: 'DNS' });
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'api.example.com',
      SecurityPolicy: 'TLS_1_2',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    template.hasResourceProperties('AWS::ApiGateway::BasePathMapping', {
      BasePath: 'v1',
      Stage: { Ref: Match.stringLikeRegexp('^RestApiDeploymentStagev1') },
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'api.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
    });
    expect(template.findOutputs('CustomDomainUrl').CustomDomainUrl.Value).toEqual({
      'Fn::Join': ['', ['https://', { Ref: expect.stringMatching(/DomainName/) }, '/v1/']],
    });
  });

  test.each([
    [{ apiEndpointType: 'public' }, 'Invalid context apiEndpointType="public": allowed regional | edge | private (default regional)'],
    [
      { apiDomainName: 'API.example.com', apiHostedZoneId: 'Z1' },
      'Invalid context apiDomainName="API.example.com": allowed a lower-case domain name such as api.example.com, or unset',
    ],
    [
      { apiDomainName: 'api.example.com' },
      'Invalid context apiHostedZoneId=undefined: allowed a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ, or unset; it is required with apiDomainName',
    ],
    [
      { apiHostedZoneId: 'Zabc' },
      'Invalid context apiHostedZoneId="Zabc": allowed a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ, or unset',
    ],
  ])('bad context %j', (context, message) => {
    expect(() => appTemplate(ID, context)).toThrow(message);
  });
});

describe('guards', () => {
  const stack = () => testStack();
  test.each([
    [
      { throttle: { rateLimit: 10_001, burstLimit: 10 } },
      'Test/Rest: throttle.rateLimit = 10001 requests/s is out of range: allowed 0 to 10000 requests/s (API Gateway quotas, account throttle)',
    ],
    [
      { throttle: { rateLimit: 10, burstLimit: 5001 } },
      'Test/Rest: throttle.burstLimit = 5001 requests is out of range: allowed 0 to 5000 requests (API Gateway quotas, account throttle)',
    ],
    [
      { methodThrottles: { '/quotes/GET': { rateLimit: -1, burstLimit: 1 } } },
      'Test/Rest: methodThrottles[/quotes/GET].rateLimit = -1 requests/s is out of range',
    ],
    [
      { methodThrottles: { 'quotes GET': { rateLimit: 1, burstLimit: 1 } } },
      'Test/Rest: methodThrottles key "quotes GET" is not /<resource path>/<HTTP method>, for example /quotes/GET',
    ],
    [{ dailyQuota: 0 }, 'Test/Rest: dailyQuota = 0 requests is out of range: allowed 1 to 2147483647 requests'],
    [{ stageName: 'v 1' }, 'Test/Rest: stageName = "v 1": allowed letters, digits, - and _, at most 128 characters'],
    [{ endpointType: 'regional' as const, vpc: {} as never }, 'Test/Rest: vpc applies to private APIs only, not to a regional one'],
  ])('RestFrontDoor %j', (props, message) => {
    expect(errorOf(() => new RestFrontDoor(stack(), 'Rest', props))).toContain(message);
  });

  test.each([
    [
      { rateLimit: 9 },
      'Test/WebAcl: rateLimit = 9 requests is out of range: allowed 10 to 2000000000 requests (AWS WAF rate-based rule statement)',
    ],
    [{ rateWindowSeconds: 30 }, 'Test/WebAcl: rateWindowSeconds = 30 s is not an AWS WAF evaluation window: allowed 60, 120, 300, 600 s'],
  ])('RegionalWebAcl %j', (props, message) => {
    expect(errorOf(() => new RegionalWebAcl(stack(), 'WebAcl', props))).toBe(message);
  });

  const app = () => new App({ context: NO_BUNDLING });
  test.each([
    [
      { authorizerCacheTtl: Duration.hours(2) },
      'Api: authorizerCacheTtl = 7200 s is out of range: allowed 0 to 3600 s (API Gateway Lambda authorizers)',
    ],
    [
      { integrationTimeout: Duration.seconds(30) },
      'Api: integrationTimeout = 30000 ms is out of range: allowed 50 to 29000 ms (API Gateway quotas, integration timeout)',
    ],
    [
      { allowedClients: ['ok', 'not ok'] },
      'Api: allowedClients = ["ok","not ok"]: give at least one id of letters, digits, _ or -, at most 64 characters',
    ],
    [{ domainName: 'api.example.com' }, 'Api: hostedZoneId is missing: a custom domain needs both domainName and hostedZoneId'],
    [
      { endpointType: 'edge' as const, domainName: 'api.example.com', hostedZoneId: 'Z1' },
      "Api/CustomDomain: endpointType = edge needs the certificate in us-east-1, and this stack's region is not set (environment-agnostic): deploy it with env region us-east-1, or use a regional endpoint",
    ],
    [
      { endpointType: 'private' as const, domainName: 'api.example.com', hostedZoneId: 'Z1' },
      'Api/CustomDomain: endpointType = private: a private API cannot have this public custom domain; use regional or edge',
    ],
  ])('ApiLambdaStack %j', (props, message) => {
    expect(errorOf(() => new ApiLambdaStack(app(), 'Api', { settings: settings(), ...props }))).toBe(message);
  });

  test('an edge-optimized custom domain is accepted in us-east-1', () => {
    const stack = new ApiLambdaStack(app(), 'Api', {
      settings: settings(),
      endpointType: 'edge',
      domainName: 'api.example.com',
      hostedZoneId: 'Z1',
      env: { account: '111111111111', region: 'us-east-1' },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::DomainName', { EndpointConfiguration: { Types: ['EDGE'] } });
  });

  test('a construct without a web ACL still builds (the stack adds one)', () => {
    const s: Stack = stack();
    new RestFrontDoor(s, 'Rest').api.root.addMethod('GET');
    Template.fromStack(s).resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });
});
