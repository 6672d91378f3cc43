import { createHash } from 'node:crypto';
import { LocalGateway } from '../apigateway/gateway';
import { generateKeyValue, KeyStore } from '../apigateway/keys';
import {
  type Authorizer,
  functionOfUri,
  type GatewayResponse,
  type LambdaProxy,
  type LocalApi,
  type RestMethod,
  type RestResource,
  type V2Route,
} from '../apigateway/model';
import type { LambdaService } from './lambda';
import type { Created, LocalService, ResourceInput, ServiceHost, ServiceModule, StackContext } from './service';

/** A resource of the stack as created: its type, logical id, identity and resolved properties. */
interface Recorded {
  readonly type: string;
  readonly logicalId: string;
  readonly id: string;
  readonly props: Record<string, unknown>;
}

const REST = 'AWS::ApiGateway::';
const V2 = 'AWS::ApiGatewayV2::';
/** Types created and served. */
const SERVED = [
  'RestApi',
  'Resource',
  'Method',
  'Deployment',
  'Stage',
  'Authorizer',
  'RequestValidator',
  'Model',
  'GatewayResponse',
  'ApiKey',
  'UsagePlan',
  'UsagePlanKey',
].map((t) => REST + t);
const SERVED_V2 = ['Api', 'Route', 'Integration', 'Authorizer', 'Stage', 'Deployment'].map((t) => V2 + t);
/** Types accepted and listed with the reason they do not run locally. */
const LISTED: Readonly<Record<string, string>> = {
  'AWS::ApiGateway::Account': 'account-level API Gateway setting (CloudWatch role): nothing to do locally',
  'Custom::ApiGatewayCloudWatchRole': 'account-level API Gateway setting (CloudWatch role): nothing to do locally',
  'AWS::ApiGateway::DomainName': 'custom domain: not served locally; the API answers on its local execute-api host',
  'AWS::ApiGateway::BasePathMapping': 'custom domain base path: not served locally; use the stage path',
  'AWS::ApiGatewayV2::DomainName': 'custom domain: not served locally',
  'AWS::ApiGatewayV2::ApiMapping': 'custom domain mapping: not served locally',
  'AWS::WAFv2::WebACL': 'AWS WAF: rules are not evaluated locally (managed rule groups, rate-based rules)',
  'AWS::WAFv2::WebACLAssociation': 'AWS WAF association: not enforced locally',
};

/** A stable 10-character API id, like API Gateway's, from the stack and logical id. */
function apiId(stackName: string, logicalId: string): string {
  const digest = createHash('sha256').update(`${stackName}/${logicalId}`).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...digest.subarray(0, 10)].map((b) => alphabet[b % alphabet.length]).join('');
}

const str = (value: unknown): string | undefined => (value === undefined || value === null ? undefined : String(value));
const bool = (value: unknown): boolean => value === true || value === 'true';

/**
 * Amazon API Gateway on loopback: REST APIs (Lambda proxy, payload format 1.0), HTTP APIs (2.0 and
 * 1.0) and WebSocket APIs, served from the template on one port by host name. What decides a
 * response before the function runs is applied: request validators with the template's draft-4
 * models, API keys and the usage plan's quota, Lambda authorizers (run locally, policy honoured);
 * IAM, Cognito and JWT authorization are checked for a signature header or a well-formed token from
 * the right issuer, without verifying it. Throttling, AWS WAF and custom domains are listed, not
 * enforced. `localUrl` turns the template's execute-api URLs into the local ones.
 */
export const apigatewayService: ServiceModule = {
  name: 'apigateway',
  async start(host: ServiceHost): Promise<LocalService> {
    const keys = new KeyStore();
    const lambda = () => host.service<LambdaService>('lambda');
    const gateway = new LocalGateway({
      region: host.region,
      accountId: host.accountId,
      keys,
      invoker: (ref) => {
        const fn = lambda().functionByRef(ref);
        return fn ? (event) => fn.invoke(event) : undefined;
      },
      onError: (error) => host.onError(error),
    });
    await gateway.start();
    const recorded = new Map<string, Recorded[]>();
    const ids = new Map<string, LocalApi['protocol']>();

    const record = (input: ResourceInput, id: string): void => {
      const props = Object.fromEntries(Object.keys(input.resource.Properties ?? {}).map((name) => [name, input.prop(name)]));
      const list = recorded.get(input.stack.stackName) ?? [];
      list.push({ type: input.resource.Type, logicalId: input.logicalId, id, props });
      recorded.set(input.stack.stackName, list);
    };

    const create = (input: ResourceInput): Created | undefined => {
      const type = input.resource.Type;
      const reason = LISTED[type];
      if (reason) {
        input.list(reason);
        return undefined;
      }
      const stackName = input.stack.stackName;
      if (type === `${REST}RestApi` || type === `${V2}Api`) {
        if (type === `${V2}Api`) input.refuse(['Body', 'BodyS3Location', 'Target', 'RouteKey', 'CredentialsArn']);
        else input.refuse(['Body', 'BodyS3Location']);
        const id = apiId(stackName, input.logicalId);
        const protocol = type === `${REST}RestApi` ? 'REST' : (String(input.prop('ProtocolType')) as 'HTTP' | 'WEBSOCKET');
        ids.set(id, protocol);
        record(input, id);
        const endpoint = `${protocol === 'WEBSOCKET' ? 'wss' : 'https'}://${id}.execute-api.${host.region}.amazonaws.com`;
        return { ref: id, attributes: { RootResourceId: `${id}root`, RestApiId: id, ApiId: id, ApiEndpoint: endpoint } };
      }
      const id =
        type === `${REST}Stage` || type === `${V2}Stage`
          ? String(input.prop('StageName'))
          : type === `${REST}Model`
            ? String(input.prop('Name') ?? input.physicalName)
            : apiId(stackName, input.logicalId);
      if (type === `${REST}ApiKey`) {
        const value = str(input.prop('Value')) ?? generateKeyValue();
        keys.keys.set(id, { id, value, name: str(input.prop('Name')) ?? input.physicalName, enabled: bool(input.prop('Enabled')) });
      }
      record(input, id);
      return {
        ref: id,
        attributes: { ResourceId: id, AuthorizerId: id, IntegrationId: id, RouteId: id, DeploymentId: id, APIKeyId: id, Id: id },
      };
    };

    return {
      name: 'apigateway',
      resourceTypes: [...SERVED, ...SERVED_V2, ...Object.keys(LISTED)],
      endpoint: gateway.endpoint,
      endpointVariable: 'API_GATEWAY',
      async create(input) {
        return create(input);
      },
      async wire(stack) {
        const resources = recorded.get(stack.stackName) ?? [];
        recorded.delete(stack.stackName);
        for (const api of buildApis(stack, resources, keys, host.region)) gateway.apis.set(api.id, api);
      },
      localUrl(value) {
        const match = /^(https|wss):\/\/([a-z0-9]{10})\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\/.*)?$/.exec(value);
        if (!match || !ids.has(match[2])) return undefined;
        return `${gateway.baseUrl(match[2], match[1] === 'wss' ? 'ws' : 'http')}${match[3] ?? ''}`;
      },
      drain: () => gateway.drain(),
      stop: () => gateway.stop(),
    };
  },
};

/** The APIs of one stack, from its recorded resources; lists what is accepted but not enforced. */
function buildApis(stack: StackContext, resources: readonly Recorded[], keys: KeyStore, region: string): LocalApi[] {
  const of = (type: string) => resources.filter((r) => r.type === type);
  const byId = (type: string, id: unknown) => resources.find((r) => r.type === type && r.id === id);
  const list = (r: Recorded, reason: string) => stack.list(r.logicalId, r.type, reason);
  const apis: LocalApi[] = [];

  const lambdaAuthorizer = (r: Recorded, v2: boolean): Authorizer | undefined => {
    const type = String(r.props[v2 ? 'AuthorizerType' : 'Type']);
    if (type === 'JWT' || type === 'COGNITO_USER_POOLS') {
      const jwt = r.props.JwtConfiguration as { Issuer?: string; Audience?: string[] } | undefined;
      const pools = (r.props.ProviderARNs as string[] | undefined) ?? [];
      const source = String([r.props.IdentitySource ?? 'method.request.header.Authorization'].flat()[0]);
      list(
        r,
        `${type === 'JWT' ? 'JWT' : 'Cognito user pool'} authorizer: a bearer token from the right issuer${type === 'JWT' ? ' and audience' : ''}, not expired, is required; its signature is not verified locally`,
      );
      return {
        kind: type === 'JWT' ? 'jwt' : 'cognito',
        logicalId: r.logicalId,
        id: r.id,
        issuers:
          type === 'JWT'
            ? [String(jwt?.Issuer)]
            : pools.map((arn) => `https://cognito-idp.${region}.amazonaws.com/${arn.split(/[/:]/).pop()}`),
        audiences: jwt?.Audience ?? [],
        header: source.replace(/^(\$request\.header\.|method\.request\.header\.)/, ''),
      };
    }
    const functionRef = functionOfUri(String(r.props.AuthorizerUri ?? ''));
    if (!functionRef) return undefined;
    const sources = [r.props.IdentitySource ?? []]
      .flat()
      .flatMap((s) => String(s).split(','))
      .map((s) => s.trim())
      .filter(Boolean);
    const cacheSeconds = v2 ? 0 : Number(r.props.AuthorizerResultTtlInSeconds ?? 300);
    return {
      kind: 'lambda',
      logicalId: r.logicalId,
      id: r.id,
      type,
      functionRef,
      identitySources: sources,
      cacheSeconds,
      identityRequired: v2 || cacheSeconds > 0 || type === 'TOKEN',
    };
  };

  // REST APIs
  for (const api of of(`${REST}RestApi`)) {
    const belongs = (r: Recorded) => r.props.RestApiId === api.id;
    const paths = new Map<string, string>([[`${api.id}root`, '/']]);
    const pathOf = (id: string): string => {
      const known = paths.get(id);
      if (known) return known;
      const r = byId(`${REST}Resource`, id);
      if (!r) throw new Error(`${stack.stackName}: API Gateway resource ${id} is not in the template`);
      const parent = pathOf(String(r.props.ParentId));
      const path = `${parent === '/' ? '' : parent}/${String(r.props.PathPart)}`;
      paths.set(id, path);
      return path;
    };
    const resources = new Map<string, RestResource>();
    const resourceOf = (id: string) => {
      let found = resources.get(id);
      if (!found) {
        found = { id, path: pathOf(id), methods: new Map() };
        resources.set(id, found);
      }
      return found;
    };
    const authorizers = new Map(
      of(`${REST}Authorizer`)
        .filter(belongs)
        .map((r) => [r.id, lambdaAuthorizer(r, false)]),
    );
    const models = new Map(
      of(`${REST}Model`)
        .filter(belongs)
        .map((r) => [r.id, typeof r.props.Schema === 'string' ? JSON.parse(r.props.Schema) : r.props.Schema]),
    );
    for (const m of of(`${REST}Method`).filter(belongs)) {
      const integration = m.props.Integration as
        | { Type?: string; Uri?: string; TimeoutInMillis?: number; IntegrationHttpMethod?: string }
        | undefined;
      const functionRef = integration?.Type === 'AWS_PROXY' ? functionOfUri(String(integration.Uri ?? '')) : undefined;
      const validator = m.props.RequestValidatorId ? byId(`${REST}RequestValidator`, m.props.RequestValidatorId) : undefined;
      const authorization = String(m.props.AuthorizationType ?? 'NONE');
      const method: RestMethod = {
        logicalId: m.logicalId,
        httpMethod: String(m.props.HttpMethod).toUpperCase(),
        authorization,
        authorizer: m.props.AuthorizerId ? authorizers.get(String(m.props.AuthorizerId)) : undefined,
        apiKeyRequired: bool(m.props.ApiKeyRequired),
        validator: validator
          ? { body: bool(validator.props.ValidateRequestBody), parameters: bool(validator.props.ValidateRequestParameters) }
          : undefined,
        models: Object.fromEntries(
          Object.entries((m.props.RequestModels ?? {}) as Record<string, string>).map(([ct, name]) => [ct, models.get(name)]),
        ),
        parameters: Object.fromEntries(
          Object.entries((m.props.RequestParameters ?? {}) as Record<string, unknown>).map(([k, v]) => [k, bool(v)]),
        ),
        integration: functionRef
          ? { functionRef, timeoutMs: Number(integration?.TimeoutInMillis ?? 29_000), payloadFormat: '1.0' }
          : undefined,
        unsupported: functionRef ? undefined : `${integration?.Type ?? 'no'} integration: only Lambda proxy integrations are emulated`,
      };
      if (!functionRef) list(m, method.unsupported as string);
      if (authorization === 'AWS_IAM')
        list(m, 'IAM authorization: a SigV4 Authorization header is required; the signature and IAM policies are not verified locally');
      resourceOf(String(m.props.ResourceId)).methods.set(method.httpMethod, method);
    }
    const stages = new Map(
      of(`${REST}Stage`)
        .filter(belongs)
        .map((s) => {
          list(
            s,
            'stage and method throttling are not enforced locally (AWS answers 429 beyond them); access logs, tracing and metrics are not emulated',
          );
          return [s.id, { logicalId: s.logicalId, name: s.id, variables: (s.props.Variables ?? {}) as Record<string, string> }] as const;
        }),
    );
    const gatewayResponses = new Map<string, GatewayResponse>(
      of(`${REST}GatewayResponse`)
        .filter(belongs)
        .map((g) => [
          String(g.props.ResponseType),
          {
            statusCode: g.props.StatusCode === undefined ? undefined : Number(g.props.StatusCode),
            templates: (g.props.ResponseTemplates ?? {}) as Record<string, string>,
            headers: Object.fromEntries(
              Object.entries((g.props.ResponseParameters ?? {}) as Record<string, string>)
                .filter(([k]) => k.startsWith('gatewayresponse.header.'))
                .map(([k, v]) => [k.slice('gatewayresponse.header.'.length).toLowerCase(), v.replace(/^'|'$/g, '')]),
            ),
          },
        ]),
    );
    if ((stack.template.Resources[api.logicalId]?.Properties as { Policy?: unknown } | undefined)?.Policy !== undefined) {
      list(api, 'resource policy (for example a private API limited to its VPC endpoint): not enforced locally');
    }
    // Every resource exists even without methods (its path answers Missing Authentication Token).
    for (const r of of(`${REST}Resource`).filter(belongs)) resourceOf(r.id);
    apis.push({
      protocol: 'REST',
      id: api.id,
      logicalId: api.logicalId,
      stackName: stack.stackName,
      resources: [...resources.values()],
      stages,
      gatewayResponses,
    });
  }

  // Usage plans and their keys
  for (const plan of of(`${REST}UsagePlan`)) {
    const quota = plan.props.Quota as { Limit?: number; Period?: string; Offset?: number } | undefined;
    keys.plans.set(plan.id, {
      id: plan.id,
      stages: ((plan.props.ApiStages ?? []) as Array<{ ApiId?: string; Stage?: string }>).map((s) => `${s.ApiId}/${s.Stage}`),
      quota:
        quota?.Limit === undefined
          ? undefined
          : { limit: Number(quota.Limit), period: (quota.Period ?? 'DAY') as 'DAY', offset: Number(quota.Offset ?? 0) },
      keyIds: new Set(),
    });
    if (plan.props.Throttle) list(plan, 'usage plan throttling is not enforced locally; its quota is');
  }
  for (const link of of(`${REST}UsagePlanKey`)) keys.plans.get(String(link.props.UsagePlanId))?.keyIds.add(String(link.props.KeyId));

  // HTTP and WebSocket APIs
  for (const api of of(`${V2}Api`)) {
    const belongs = (r: Recorded) => r.props.ApiId === api.id;
    const protocol = String(api.props.ProtocolType) as 'HTTP' | 'WEBSOCKET';
    const integrations = new Map(
      of(`${V2}Integration`)
        .filter(belongs)
        .map((i): [string, LambdaProxy | string] => {
          const functionRef = i.props.IntegrationType === 'AWS_PROXY' ? functionOfUri(String(i.props.IntegrationUri ?? '')) : undefined;
          if (!functionRef) {
            list(i, `${String(i.props.IntegrationType)} integration: only Lambda proxy integrations are emulated`);
            return [i.id, `${String(i.props.IntegrationType)} integration: not emulated locally`];
          }
          const format = protocol === 'HTTP' ? (String(i.props.PayloadFormatVersion ?? '2.0') as '1.0' | '2.0') : '1.0';
          return [
            i.id,
            { functionRef, timeoutMs: Number(i.props.TimeoutInMillis ?? (protocol === 'HTTP' ? 30_000 : 29_000)), payloadFormat: format },
          ];
        }),
    );
    const authorizers = new Map(
      of(`${V2}Authorizer`)
        .filter(belongs)
        .map((r) => [r.id, lambdaAuthorizer(r, true)]),
    );
    const routes = new Map<string, V2Route>();
    for (const r of of(`${V2}Route`).filter(belongs)) {
      const target = /^integrations\/(.+)$/.exec(String(r.props.Target ?? ''))?.[1];
      const integration = target ? integrations.get(target) : undefined;
      const authorization = String(r.props.AuthorizationType ?? 'NONE');
      if (authorization === 'AWS_IAM')
        list(r, 'IAM authorization: a SigV4 Authorization header is required; the signature and IAM policies are not verified locally');
      routes.set(String(r.props.RouteKey), {
        logicalId: r.logicalId,
        routeKey: String(r.props.RouteKey),
        authorization,
        authorizer: r.props.AuthorizerId ? authorizers.get(String(r.props.AuthorizerId)) : undefined,
        integration: typeof integration === 'object' ? integration : undefined,
        unsupported: typeof integration === 'string' ? integration : integration ? undefined : 'no integration',
      });
    }
    const stages = new Map(
      of(`${V2}Stage`)
        .filter(belongs)
        .map((s) => {
          if (s.props.DefaultRouteSettings || s.props.RouteSettings)
            list(s, 'stage and route throttling are not enforced locally (AWS answers 429 beyond them); access logs are not emulated');
          return [
            s.id,
            { logicalId: s.logicalId, name: s.id, variables: (s.props.StageVariables ?? {}) as Record<string, string> },
          ] as const;
        }),
    );
    apis.push({
      protocol,
      id: api.id,
      logicalId: api.logicalId,
      stackName: stack.stackName,
      routeSelectionExpression: str(api.props.RouteSelectionExpression),
      routes,
      stages,
    });
  }
  return apis;
}
