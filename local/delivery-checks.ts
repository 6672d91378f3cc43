import type { Template } from './template';

/** Resolves a template value (the runtime's intrinsic resolver, bound to a stack). */
export type Resolver = (value: unknown, where: string) => unknown;

/** Whether SNS can deliver to an endpoint, and if not, why (one line). */
export interface DeliveryCheck {
  readonly ok: boolean;
  readonly reason?: string;
}

interface Statement {
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const ALLOWED: DeliveryCheck = { ok: true };

/** The service principals of a policy statement's Principal (`*` for anyone). */
export function servicePrincipals(principal: unknown): string[] {
  if (principal === '*') return ['*'];
  const service = (principal as { Service?: unknown } | undefined)?.Service;
  return [service ?? []].flat().map(String);
}

/** Whether a statement's Action (with `*` wildcards) covers `wanted`. */
export function coversAction(actions: string | string[] | undefined, wanted: string): boolean {
  return [actions ?? []].flat().some((action) => {
    if (action === '*') return true;
    const [service, name] = action.split(':');
    const [wantedService, wantedName] = wanted.split(':');
    if (service.toLowerCase() !== wantedService.toLowerCase()) return false;
    const pattern = new RegExp(`^${name.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
    return pattern.test(wantedName);
  });
}

/** Whether the statement's source conditions (aws:SourceArn, aws:SourceAccount) hold for a source ARN (`topicArn`). */
export function sourceMatches(condition: Statement['Condition'], topicArn: string, account: string): boolean {
  for (const [operator, entries] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(entries)) {
      const values = [expected].flat().map(String);
      if (
        /^aws:SourceArn$/i.test(key) &&
        /^(ArnEquals|ArnLike|StringEquals|StringLike)$/.test(operator) &&
        !values.some((v) => globMatch(v, topicArn))
      )
        return false;
      if (/^aws:SourceAccount$/i.test(key) && /^String(Equals|Like)$/.test(operator) && !values.some((v) => globMatch(v, account)))
        return false;
    }
  }
  return true;
}

/** Whether `value` matches an IAM-style pattern with `*` and `?` wildcards. */
export function globMatch(pattern: string, value: string): boolean {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(value);
}

/**
 * Whether SNS can encrypt for a queue: with SSE-SQS or no encryption, yes; with the AWS managed key
 * `alias/aws/sqs`, never (its policy cannot be changed); with a key of the template, only when the
 * key policy allows `sns.amazonaws.com` kms:GenerateDataKey and kms:Decrypt for this topic. A key
 * from outside the template cannot be checked and is assumed to allow it.
 */
export function snsCanUseQueueKey(
  template: Template,
  queueLogicalId: string,
  topicArn: string,
  account: string,
  resolve: Resolver,
): DeliveryCheck {
  const kmsKeyId = template.Resources[queueLogicalId]?.Properties?.KmsMasterKeyId;
  if (kmsKeyId === undefined) return ALLOWED;
  if (kmsKeyId === 'alias/aws/sqs')
    return { ok: false, reason: `queue ${queueLogicalId} uses the AWS managed key alias/aws/sqs, which SNS cannot use` };
  const keyRef = (kmsKeyId as { 'Fn::GetAtt'?: [string, string]; Ref?: string }) ?? {};
  const keyId = keyRef['Fn::GetAtt']?.[0] ?? keyRef.Ref;
  const key = keyId ? template.Resources[keyId] : undefined;
  if (!keyId || key?.Type !== 'AWS::KMS::Key') return ALLOWED;
  const policy = resolve(key.Properties?.KeyPolicy, `Resources.${keyId}.Properties.KeyPolicy`) as { Statement?: Statement[] } | undefined;
  const allows = (action: string) =>
    (policy?.Statement ?? []).some(
      (s) =>
        s.Effect === 'Allow' &&
        servicePrincipals(s.Principal).some((p) => p === 'sns.amazonaws.com' || p === '*') &&
        coversAction(s.Action, action) &&
        sourceMatches(s.Condition, topicArn, account),
    );
  const missing = ['kms:GenerateDataKey', 'kms:Decrypt'].filter((action) => !allows(action));
  if (missing.length === 0) return ALLOWED;
  return {
    ok: false,
    reason: `the policy of key ${keyId} (queue ${queueLogicalId}) does not let sns.amazonaws.com ${missing.join(' and ')} for this topic`,
  };
}

/** Whether SNS may invoke a function: an AWS::Lambda::Permission for sns.amazonaws.com and this topic. */
export function snsMayInvoke(
  template: Template,
  functionNames: readonly string[],
  functionLogicalId: string,
  topicArn: string,
  resolve: Resolver,
): DeliveryCheck {
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Permission') continue;
    const where = `Resources.${logicalId}.Properties`;
    const p = resource.Properties ?? {};
    const target = String(resolve(p.FunctionName, `${where}.FunctionName`));
    if (!functionNames.includes(target)) continue;
    if (String(p.Principal) !== 'sns.amazonaws.com' || !coversAction(String(p.Action), 'lambda:InvokeFunction')) continue;
    const source = p.SourceArn === undefined ? undefined : String(resolve(p.SourceArn, `${where}.SourceArn`));
    if (source === undefined || globMatch(source, topicArn)) return ALLOWED;
  }
  return {
    ok: false,
    reason: `function ${functionLogicalId} has no AWS::Lambda::Permission letting sns.amazonaws.com invoke it for this topic`,
  };
}
