/**
 * Whether a bucket policy of the template lets AppFlow do what a flow needs (User Guide, "Amazon S3
 * bucket policies for Amazon AppFlow"). AppFlow checks this when it creates the flow, so a missing
 * statement fails the deployment; the local runtime refuses to start the same way.
 */

interface Statement {
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Action?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The request context AppFlow's calls carry. */
export interface AppFlowCaller {
  readonly account: string;
  readonly flowArn: string;
}

function glob(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

function isAppFlow(principal: unknown): boolean {
  if (principal === '*') return true;
  const p = principal as { Service?: unknown; AWS?: unknown } | undefined;
  return [p?.Service ?? []].flat().includes('appflow.amazonaws.com') || [p?.AWS ?? []].flat().includes('*');
}

/** Whether every condition holds for AppFlow's call (keys it does not send fail, except with IfExists). */
function conditionsHold(condition: Statement['Condition'], caller: AppFlowCaller): boolean {
  const context: Record<string, string> = {
    'aws:sourceaccount': caller.account,
    'aws:sourcearn': caller.flowArn,
    'aws:securetransport': 'true',
  };
  for (const [rawOperator, entries] of Object.entries(condition ?? {})) {
    const ifExists = rawOperator.endsWith('IfExists');
    const operator = rawOperator.replace(/IfExists$/, '');
    for (const [key, expected] of Object.entries(entries)) {
      const actual = context[key.toLowerCase()];
      if (actual === undefined) {
        if (ifExists) continue;
        return false;
      }
      const values = [expected].flat().map(String);
      const ok =
        operator === 'StringEquals' || operator === 'ArnEquals' || operator === 'Bool'
          ? values.includes(actual)
          : operator === 'StringEqualsIgnoreCase'
            ? values.some((v) => v.toLowerCase() === actual.toLowerCase())
            : operator === 'StringLike' || operator === 'ArnLike'
              ? values.some((v) => glob(v, actual))
              : operator === 'StringNotEquals' || operator === 'ArnNotEquals'
                ? !values.includes(actual)
                : operator === 'StringNotLike' || operator === 'ArnNotLike'
                  ? !values.some((v) => glob(v, actual))
                  : false;
      if (!ok) return false;
    }
  }
  return true;
}

function applies(statement: Statement, action: string, resource: string, caller: AppFlowCaller): boolean {
  return (
    isAppFlow(statement.Principal) &&
    [statement.Action ?? []].flat().some((a) => glob(a, action, true)) &&
    [statement.Resource ?? []].flat().some((r) => glob(r, resource)) &&
    conditionsHold(statement.Condition, caller)
  );
}

/**
 * The first (action, resource) pair the policy does not allow AppFlow, or undefined when it allows
 * every one: an Allow statement must apply and no Deny statement may.
 */
export function missingGrant(
  statements: readonly Statement[],
  wanted: ReadonlyArray<readonly [action: string, resource: string]>,
  caller: AppFlowCaller,
): string | undefined {
  for (const [action, resource] of wanted) {
    const allowed = statements.some((s) => s.Effect === 'Allow' && applies(s, action, resource, caller));
    const denied = statements.some((s) => s.Effect === 'Deny' && applies(s, action, resource, caller));
    if (!allowed || denied) return `${action} on ${resource}${denied ? ' (denied)' : ''}`;
  }
  return undefined;
}
