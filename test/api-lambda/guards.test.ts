import { App, Duration, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import {
  ApiLambdaStack,
  HttpFrontDoor,
  RegionalWebAcl,
  RestCustomDomain,
  RestFrontDoor,
  WebSocketNotifications,
} from '../../lib/api-lambda';
import { errorOf, NO_BUNDLING, settings, testStack } from '../helpers';

/** A function that exists elsewhere: the constructs only need its ARN. */
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:111111111111:function:existing';

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
    [{ endpointType: 'regional' as const, vpc: {} as never }, 'Test/Rest: vpc applies to private APIs only, and endpointType is regional'],
    [
      { endpointType: 'edge' as const, vpcEndpoint: {} as never },
      'Test/Rest: vpcEndpoint applies to private APIs only, and endpointType is edge',
    ],
    [{ endpointType: 'public' as never }, 'Test/Rest: endpointType = "public" is not one of regional, edge, private'],
    [
      { endpointType: 'private' as const, vpc: {} as never, vpcEndpoint: {} as never },
      "Test/Rest: vpc and vpcEndpoint are both given: the endpoint's own VPC is used; give only one",
    ],
    [
      { usagePlanThrottle: { rateLimit: 50, burstLimit: 1.5 } },
      'Test/Rest: usagePlanThrottle.burstLimit = 1.5 must be a whole number of requests',
    ],
    [
      { usagePlanThrottle: { rateLimit: 10_001, burstLimit: 100 } },
      'Test/Rest: usagePlanThrottle.rateLimit = 10001 requests/s is out of range: allowed 0 to 10000 requests/s (API Gateway quotas, account throttle)',
    ],
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

  test.each([
    [
      { throttle: { rateLimit: 10_001, burstLimit: 100 } },
      'Test/Http: throttle.rateLimit = 10001 requests/s is out of range: allowed 0 to 10000 requests/s (API Gateway quotas, account throttle)',
    ],
    [
      { throttle: { rateLimit: 50, burstLimit: 5001 } },
      'Test/Http: throttle.burstLimit = 5001 requests is out of range: allowed 0 to 5000 requests (API Gateway quotas, account throttle)',
    ],
  ])('HttpFrontDoor %j', (props, message) => {
    expect(errorOf(() => new HttpFrontDoor(stack(), 'Http', props))).toBe(message);
  });

  test.each([
    [
      { rateLimit: -1, burstLimit: 20 },
      'Test/Http: routeThrottle[POST /quotes].rateLimit = -1 requests/s is out of range: allowed 0 to 10000 requests/s (API Gateway quotas, account throttle)',
    ],
    [{ rateLimit: 10, burstLimit: 2.5 }, 'Test/Http: routeThrottle[POST /quotes].burstLimit = 2.5 must be a whole number of requests'],
  ])('HttpFrontDoor.addRoute throttle %j', (throttle, message) => {
    const http = new HttpFrontDoor(stack(), 'Http');
    const integration = new HttpLambdaIntegration('Quotes', lambda.Function.fromFunctionArn(http, 'Fn', FUNCTION_ARN));
    expect(errorOf(() => http.addRoute(apigwv2.HttpMethod.POST, '/quotes', integration, { throttle }))).toBe(message);
    // Refused before the route exists: no half-added route is left behind.
    expect(http.api.node.tryFindChild('POST--quotes')).toBeUndefined();
  });

  test.each([
    [
      { rateLimit: 10_001, burstLimit: 100 },
      'Test/WebSocket: throttle.rateLimit = 10001 requests/s is out of range: allowed 0 to 10000 requests/s (API Gateway quotas, account throttle)',
    ],
    [
      { rateLimit: 50, burstLimit: -1 },
      'Test/WebSocket: throttle.burstLimit = -1 requests is out of range: allowed 0 to 5000 requests (API Gateway quotas, account throttle)',
    ],
  ])('WebSocketNotifications throttle %j', (throttle, message) => {
    const s = stack();
    const authorizer = lambda.Function.fromFunctionArn(s, 'Authorizer', FUNCTION_ARN);
    expect(errorOf(() => new WebSocketNotifications(s, 'WebSocket', { authorizer, throttle }))).toBe(message);
  });

  test.each([
    ['v/1', 'Test/Domain: basePath = "v/1": allowed letters, digits, ., _ and -'],
    ['', 'Test/Domain: basePath = "": allowed letters, digits, ., _ and -'],
  ])('RestCustomDomain basePath %j', (basePath, message) => {
    const s = stack();
    const rest = new RestFrontDoor(s, 'Rest');
    const hostedZone = route53.PublicHostedZone.fromHostedZoneAttributes(s, 'Zone', {
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      zoneName: 'example.com',
    });
    const props = { domainName: 'api.example.com', hostedZone, api: rest.api, stage: rest.stage, endpointType: 'regional' as const };
    expect(errorOf(() => new RestCustomDomain(s, 'Domain', { ...props, basePath }))).toBe(message);
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
