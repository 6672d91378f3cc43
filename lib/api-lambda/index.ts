import type { App } from 'aws-cdk-lib';
import { ContextError, oneOfKey, stringKey } from '../shared/context-keys';
import { APIGATEWAY_FACTS, APIGATEWAY_SETTINGS } from '../shared/limits';
import type { PatternDefinition } from '../shared/pattern';
import { ApiLambdaStack } from './api-lambda-stack';
import { ENDPOINT_TYPES } from './rest-front-door';

export * from './api-alarms';
export * from './api-lambda-stack';
export * from './cloudwatch-role';
export * from './custom-domain';
export * from './function-alarms';
export * from './http-front-door';
export * from './rest-front-door';
export * from './throttle';
export * from './web-acl';
export * from './websocket-notifications';

/** Context key: the REST API's endpoint type. */
export const API_ENDPOINT_TYPE_KEY = oneOfKey(
  'apiEndpointType',
  ENDPOINT_TYPES,
  "the API pattern's REST endpoint: regional, edge (CloudFront) or private (an interface VPC endpoint)",
  ' (default regional)',
);
/** Context key: a custom domain name for the REST API. */
export const API_DOMAIN_NAME_KEY = stringKey(
  'apiDomainName',
  /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
  'a lower-case domain name such as api.example.com',
  "the API pattern's custom domain, with a certificate and a versioned base path (needs apiHostedZoneId)",
);
/** Context key: the Route 53 public hosted zone of the custom domain. */
export const API_HOSTED_ZONE_ID_KEY = stringKey(
  'apiHostedZoneId',
  /^Z[A-Z0-9]{1,31}$/,
  'a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ',
  'the public hosted zone of apiDomainName (certificate validation and the alias record)',
);

/** The API Gateway -> Lambda pattern. */
export const pattern: PatternDefinition = {
  name: 'api-lambda',
  stackId: 'Decoupling-ApiLambda',
  title: 'API Gateway -> Lambda (REST with validation, keys, WAF and authorizers; HTTP; WebSocket)',
  contextKeys: [API_ENDPOINT_TYPE_KEY, API_DOMAIN_NAME_KEY, API_HOSTED_ZONE_ID_KEY],
  reuses: [],
  guide: { settings: APIGATEWAY_SETTINGS, facts: APIGATEWAY_FACTS },
  build: (scope: App, config) => {
    const domainName = config.get(API_DOMAIN_NAME_KEY);
    const hostedZoneId = config.get(API_HOSTED_ZONE_ID_KEY);
    if ((domainName === undefined) !== (hostedZoneId === undefined)) {
      const [given, missing] = domainName ? [API_DOMAIN_NAME_KEY, API_HOSTED_ZONE_ID_KEY] : [API_HOSTED_ZONE_ID_KEY, API_DOMAIN_NAME_KEY];
      throw new ContextError(missing.name, undefined, `${missing.allowed}; it is required with ${given.name}`);
    }
    return new ApiLambdaStack(scope, pattern.stackId, {
      settings: config.settings,
      alarmEmail: config.alarmEmail,
      endpointType: config.get(API_ENDPOINT_TYPE_KEY),
      domainName,
      hostedZoneId,
    });
  },
};
