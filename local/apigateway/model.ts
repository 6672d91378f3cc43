// The APIs of a template as the local API Gateway serves them: what each resource's resolved
// properties say, gathered per API once every resource of the stack exists.

/** Lambda authorizer settings, REST (`AWS::ApiGateway::Authorizer`) or WebSocket (`AWS::ApiGatewayV2::Authorizer` REQUEST). */
export interface LambdaAuthorizer {
  readonly kind: 'lambda';
  readonly logicalId: string;
  readonly id: string;
  /** REQUEST or TOKEN. */
  readonly type: string;
  readonly functionRef: string;
  /** Identity sources as the template writes them (`method.request.header.x-client-id`, `route.request.querystring.clientId`). */
  readonly identitySources: readonly string[];
  readonly cacheSeconds: number;
  /** A missing identity source is a 401 without calling the function (caching on, TOKEN, WebSocket). */
  readonly identityRequired: boolean;
}

/** A Cognito user pool authorizer (REST) or a JWT authorizer (HTTP API): tokens are checked for shape, issuer, audience and expiry. */
export interface TokenAuthorizer {
  readonly kind: 'cognito' | 'jwt';
  readonly logicalId: string;
  readonly id: string;
  /** Accepted issuers (`https://cognito-idp.<region>.amazonaws.com/<pool id>`). */
  readonly issuers: readonly string[];
  /** Accepted audiences (HTTP API JWT); empty: any. */
  readonly audiences: readonly string[];
  /** The header that carries the token. */
  readonly header: string;
}

export type Authorizer = LambdaAuthorizer | TokenAuthorizer;

/** What runs behind a method or route: a Lambda proxy integration. */
export interface LambdaProxy {
  readonly functionRef: string;
  readonly timeoutMs: number;
  /** 1.0 or 2.0 (HTTP APIs); REST is always 1.0. */
  readonly payloadFormat: '1.0' | '2.0';
}

/** One method of a REST API resource. */
export interface RestMethod {
  readonly logicalId: string;
  readonly httpMethod: string;
  /** NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS. */
  readonly authorization: string;
  readonly authorizer?: Authorizer;
  readonly apiKeyRequired: boolean;
  readonly validator?: { readonly body: boolean; readonly parameters: boolean };
  /** Models by content type: their JSON Schemas. */
  readonly models: Readonly<Record<string, unknown>>;
  /** `method.request.<where>.<name>` -> required. */
  readonly parameters: Readonly<Record<string, boolean>>;
  readonly integration?: LambdaProxy;
  /** Why the integration is not served, when it is not a Lambda proxy. */
  readonly unsupported?: string;
}

export interface RestResource {
  readonly id: string;
  /** The full path template, `/quotes/{id}`. */
  readonly path: string;
  readonly methods: Map<string, RestMethod>;
}

export interface RestStage {
  readonly logicalId: string;
  readonly name: string;
  readonly variables: Readonly<Record<string, string>>;
}

/** A gateway response the template customises (`BAD_REQUEST_BODY`...). */
export interface GatewayResponse {
  readonly statusCode?: number;
  readonly templates: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
}

export interface RestApi {
  readonly protocol: 'REST';
  readonly id: string;
  readonly logicalId: string;
  readonly stackName: string;
  readonly resources: RestResource[];
  readonly stages: Map<string, RestStage>;
  readonly gatewayResponses: Map<string, GatewayResponse>;
}

export interface V2Route {
  readonly logicalId: string;
  readonly routeKey: string;
  /** NONE, AWS_IAM, JWT or CUSTOM. */
  readonly authorization: string;
  readonly authorizer?: Authorizer;
  readonly integration?: LambdaProxy;
  readonly unsupported?: string;
}

export interface V2Stage {
  readonly logicalId: string;
  readonly name: string;
  readonly variables: Readonly<Record<string, string>>;
}

export interface V2Api {
  readonly protocol: 'HTTP' | 'WEBSOCKET';
  readonly id: string;
  readonly logicalId: string;
  readonly stackName: string;
  readonly routeSelectionExpression?: string;
  readonly routes: Map<string, V2Route>;
  readonly stages: Map<string, V2Stage>;
}

export type LocalApi = RestApi | V2Api;

/** The function ARN of a Lambda integration URI (`arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`), or the ARN itself. */
export function functionOfUri(uri: string): string | undefined {
  const match = /:lambda:path\/[^/]+\/functions\/(.+)\/invocations$/.exec(uri);
  if (match) return match[1];
  return uri.startsWith('arn:aws:lambda:') ? uri : undefined;
}
