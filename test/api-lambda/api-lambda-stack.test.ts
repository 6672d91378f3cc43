import { Match, type Template } from 'aws-cdk-lib/assertions';
import { STACK_IDS } from '../../lib/app';
import { appTemplate } from '../helpers';

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
      // A route's settings replace the stage default for that route: detailed metrics are repeated with the throttling.
      RouteSettings: { 'POST /quotes': { DetailedMetricsEnabled: true, ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 } },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HttpAccessLogs'), 'Arn'] }, Format: Match.anyValue() },
    });
    // CloudFormation refuses RouteSettings naming a route not created yet: the stage waits for every route it names.
    const routeIds = Object.fromEntries(
      Object.entries(template.findResources('AWS::ApiGatewayV2::Route')).map(([id, r]) => [r.Properties.RouteKey as string, id]),
    );
    const [httpStage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage', { Properties: { StageName: '$default' } }));
    const named = Object.keys(httpStage.Properties.RouteSettings);
    expect(named).toEqual(['POST /quotes']);
    expect(httpStage.DependsOn).toEqual(expect.arrayContaining(named.map((key) => routeIds[key])));
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
    // A failed send does not end a broadcast: the count in its log line becomes a metric per function, with an alarm.
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: Match.stringLikeRegexp('^WebSocketMessageLogGroup') },
      FilterPattern: '{ ($.message = "broadcast") && ($.failed > 0) }',
      MetricTransformations: [
        {
          MetricNamespace: 'DecouplingPatterns/WebSocket',
          MetricName: 'FailedSends',
          MetricValue: '$.failed',
          Dimensions: [{ Key: 'FunctionName', Value: '$.function_name' }],
        },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'DecouplingPatterns/WebSocket',
      MetricName: 'FailedSends',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^WebSocketMessage[0-9A-F]{8}$') } }],
      Statistic: 'Sum',
      Threshold: 5,
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
