// Authorization before the integration runs. Lambda authorizers run locally like any function and
// their policy decides (explicit deny, allow, or neither), with the result cached per identity for
// the authorizer's TTL. IAM, Cognito user pool and JWT authorizers are checked for what can be
// checked without AWS: a SigV4 Authorization header, a JWT's shape, issuer, audience and expiry.
// Signatures and IAM policies are not verified (listed when the runtime starts).
import type { SyncInvoke } from '../services/service';
import type { LambdaAuthorizer, TokenAuthorizer } from './model';

/** The request values identity sources and authorizer events read. */
export interface AuthorizationRequest {
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly stageVariables: Readonly<Record<string, string>>;
  /** The execute-api ARN of the method or route: `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`. */
  readonly methodArn: string;
}

/** What authorization decided: the context for the integration, or the response API Gateway gives. */
export type Decision =
  | { readonly ok: true; readonly context: Record<string, unknown> }
  | { readonly ok: false; readonly status: number; readonly body: Record<string, unknown> };

const UNAUTHORIZED: Decision = { ok: false, status: 401, body: { message: 'Unauthorized' } };

/** A value of an identity source (`method.request.header.X`, `route.request.querystring.X`, `stageVariables.X`). */
export function identityValue(source: string, request: AuthorizationRequest): string | undefined {
  const match = /^(?:method|route)\.request\.(header|querystring)\.(.+)$/.exec(source.trim());
  if (match) return match[1] === 'header' ? request.headers[match[2].toLowerCase()] : request.query[match[2]];
  const variable = /^stageVariables\.(.+)$/.exec(source.trim());
  return variable ? request.stageVariables[variable[1]] : undefined;
}

interface Statement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: string | string[];
}

/** Whether an execute-api ARN pattern (with `*` and `?`) covers an ARN. */
function arnMatches(pattern: string, arn: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return regex.test(arn);
}

/** The decision of an authorizer's IAM policy for one method ARN: an explicit deny wins, then an allow. */
export function evaluatePolicy(policy: unknown, methodArn: string): 'allow' | 'deny' | 'none' {
  const statements = ([] as Statement[]).concat((policy as { Statement?: Statement | Statement[] } | undefined)?.Statement ?? []);
  const applies = (s: Statement) =>
    [s.Action ?? []].flat().some((a) => a === '*' || a === 'execute-api:*' || a === 'execute-api:Invoke') &&
    [s.Resource ?? []].flat().some((r) => arnMatches(r, methodArn));
  if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return 'deny';
  return statements.some((s) => s.Effect === 'Allow' && applies(s)) ? 'allow' : 'none';
}

/** Runs Lambda authorizers: the function is invoked with the REQUEST (or TOKEN) event, its policy is cached per identity. */
export class LambdaAuthorizers {
  private readonly cache = new Map<
    string,
    { expires: number; result: { policyDocument?: unknown; context?: Record<string, unknown>; principalId?: string } }
  >();

  public constructor(private readonly invokerOf: (functionRef: string) => SyncInvoke | undefined) {}

  /** Authorizes a request; `event` is the authorizer event without `type` and `methodArn`. */
  public async authorize(authorizer: LambdaAuthorizer, request: AuthorizationRequest, event: Record<string, unknown>): Promise<Decision> {
    const identities = authorizer.identitySources.map((source) => identityValue(source, request));
    if (authorizer.identityRequired && identities.some((v) => v === undefined || v === '')) return UNAUTHORIZED;
    const cacheKey = `${authorizer.id}\u0000${identities.join('\u0000')}`;
    let result = authorizer.cacheSeconds > 0 ? this.cache.get(cacheKey) : undefined;
    if (!result || result.expires < Date.now()) {
      const invoke = this.invokerOf(authorizer.functionRef);
      if (!invoke) return { ok: false, status: 500, body: { message: null } };
      const input =
        authorizer.type === 'TOKEN'
          ? { type: 'TOKEN', authorizationToken: identities[0], methodArn: request.methodArn }
          : { type: 'REQUEST', methodArn: request.methodArn, ...event };
      const outcome = await invoke(input);
      if (!outcome.ok)
        return outcome.error.errorMessage === 'Unauthorized' ? UNAUTHORIZED : { ok: false, status: 500, body: { message: null } };
      const answer = (outcome.result ?? {}) as { policyDocument?: unknown; context?: Record<string, unknown>; principalId?: string };
      if (!answer.policyDocument) return { ok: false, status: 500, body: { message: null } };
      result = { expires: Date.now() + authorizer.cacheSeconds * 1000, result: answer };
      if (authorizer.cacheSeconds > 0) this.cache.set(cacheKey, result);
    }
    const verdict = evaluatePolicy(result.result.policyDocument, request.methodArn);
    if (verdict === 'deny')
      return { ok: false, status: 403, body: { Message: 'User is not authorized to access this resource with an explicit deny' } };
    if (verdict === 'none') return { ok: false, status: 403, body: { Message: 'User is not authorized to access this resource' } };
    return { ok: true, context: { ...(result.result.context ?? {}), principalId: result.result.principalId } };
  }
}

/** The claims of a JWT (not verified: its signature cannot be checked locally), or undefined when it is not one. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    return claims !== null && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A Cognito user pool or JWT authorizer's check: a bearer token from the right issuer, for the right audience, not expired. */
export function checkToken(authorizer: TokenAuthorizer, headers: Readonly<Record<string, string>>, now = Date.now()): Decision {
  const raw = headers[authorizer.header.toLowerCase()];
  if (!raw) return UNAUTHORIZED;
  const token = raw.replace(/^Bearer\s+/i, '');
  const claims = jwtClaims(token);
  if (!claims) return UNAUTHORIZED;
  if (!authorizer.issuers.includes(String(claims.iss))) return UNAUTHORIZED;
  if (typeof claims.exp === 'number' && claims.exp * 1000 < now) return UNAUTHORIZED;
  if (authorizer.audiences.length > 0) {
    const audiences = [claims.aud, claims.client_id].flat().filter((a) => typeof a === 'string');
    if (!audiences.some((a) => authorizer.audiences.includes(a as string))) return UNAUTHORIZED;
  }
  return { ok: true, context: authorizer.kind === 'jwt' ? { jwt: { claims, scopes: null } } : { claims } };
}

/** An IAM-authorized method's check: the request must carry a SigV4 Authorization header (not verified locally). */
export function checkSigV4(headers: Readonly<Record<string, string>>): Decision {
  return /^AWS4-HMAC-SHA256 Credential=/.test(headers.authorization ?? '')
    ? { ok: true, context: {} }
    : { ok: false, status: 403, body: { message: 'Missing Authentication Token' } };
}
