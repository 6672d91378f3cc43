// Whether EventBridge may deliver a rule's events to a target, as the template's resource policies
// and keys decide. A target without the permission is not retried on AWS: its events go straight
// to the target's dead-letter queue, or are dropped (EventBridge User Guide, "Event retry policy and
// using dead-letter queues"). Identity policies are not read; explicit denies are not evaluated.
import { coversAction, type DeliveryCheck, globMatch, type Resolver, servicePrincipals, sourceMatches } from '../delivery-checks';
import type { Template } from '../template';

const PRINCIPAL = 'events.amazonaws.com';
const ALLOWED: DeliveryCheck = { ok: true };

interface Statement {
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** What the check needs of the stack: its template and a resolver of its values. */
export interface TemplateView {
  readonly template: Template;
  readonly resolve: Resolver;
}

/** The target kinds the local runtime delivers to. */
export type TargetKind = 'sqs' | 'sns' | 'lambda' | 'states' | 'events';

/** The kind of a target by its ARN, or undefined when the local runtime does not deliver to it. */
export function targetKind(arn: string): TargetKind | undefined {
  const service = arn.split(':')[2];
  return (['sqs', 'sns', 'lambda', 'states', 'events'] as const).find((k) => k === service);
}

/**
 * Whether EventBridge may deliver events of the rule `ruleArn` to `targetArn`: a queue or topic policy
 * (and key policy, for a customer-managed key) that lets events.amazonaws.com send for this rule, a
 * Lambda permission for it, a role for a state machine. A target outside the template cannot be
 * checked and is assumed to allow it.
 */
export function eventsMayDeliver(
  view: TemplateView,
  targetArn: string,
  ruleArn: string,
  account: string,
  roleArn: string | undefined,
): DeliveryCheck {
  switch (targetKind(targetArn)) {
    case 'sqs':
      return queueAllows(view, targetArn, ruleArn, account);
    case 'sns':
      return topicAllows(view, targetArn, ruleArn, account);
    case 'lambda':
      return functionAllows(view, targetArn, ruleArn);
    case 'states':
      return roleArn
        ? ALLOWED
        : { ok: false, reason: 'a state machine target needs a RoleArn that EventBridge assumes to start executions' };
    default:
      return ALLOWED;
  }
}

/** The logical id of the resource of `type` whose `attribute` (or Ref) resolves to `value`. */
function logicalIdOf(view: TemplateView, type: string, value: string, attribute?: string): string | undefined {
  for (const [id, resource] of Object.entries(view.template.Resources)) {
    if (resource.Type !== type) continue;
    try {
      const resolved = view.resolve(attribute ? { 'Fn::GetAtt': [id, attribute] } : { Ref: id }, `Resources.${id}`);
      if (resolved === value) return id;
    } catch {
      // not resolvable locally: not this one
    }
  }
  return undefined;
}

function policyAllows(document: unknown, action: string, ruleArn: string, account: string): boolean {
  const statements = ((document as { Statement?: Statement[] } | undefined)?.Statement ?? []) as Statement[];
  return statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      servicePrincipals(s.Principal).some((p) => p === PRINCIPAL || p === '*') &&
      coversAction(s.Action, action) &&
      sourceMatches(s.Condition, ruleArn, account),
  );
}

/** Whether some resource policy of `policyType` attached (through `listProperty`) to `attachedTo` allows the action. */
function resourcePolicyAllows(
  view: TemplateView,
  policyType: string,
  listProperty: string,
  attachedTo: string,
  action: string,
  ruleArn: string,
  account: string,
): boolean {
  for (const [id, resource] of Object.entries(view.template.Resources)) {
    if (resource.Type !== policyType) continue;
    const where = `Resources.${id}.Properties`;
    const attached = [view.resolve(resource.Properties?.[listProperty], `${where}.${listProperty}`) ?? []].flat().map(String);
    if (!attached.includes(attachedTo)) continue;
    const document = view.resolve(resource.Properties?.PolicyDocument, `${where}.PolicyDocument`);
    if (policyAllows(document, action, ruleArn, account)) return true;
  }
  return false;
}

function keyAllows(view: TemplateView, keyId: unknown, owner: string, ruleArn: string, account: string): DeliveryCheck {
  if (keyId === undefined) return ALLOWED;
  if (typeof keyId === 'string' && keyId.startsWith('alias/aws/')) {
    return { ok: false, reason: `${owner} is encrypted with the AWS managed key ${keyId}, which EventBridge cannot use` };
  }
  const reference = keyId as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
  const keyLogicalId = reference['Fn::GetAtt']?.[0] ?? reference.Ref;
  const key = keyLogicalId ? view.template.Resources[keyLogicalId] : undefined;
  if (!keyLogicalId || key?.Type !== 'AWS::KMS::Key') return ALLOWED;
  const policy = view.resolve(key.Properties?.KeyPolicy, `Resources.${keyLogicalId}.Properties.KeyPolicy`);
  const missing = ['kms:GenerateDataKey', 'kms:Decrypt'].filter((action) => !policyAllows(policy, action, ruleArn, account));
  if (missing.length === 0) return ALLOWED;
  return { ok: false, reason: `the policy of key ${keyLogicalId} (${owner}) does not let ${PRINCIPAL} ${missing.join(' and ')}` };
}

function queueAllows(view: TemplateView, queueArn: string, ruleArn: string, account: string): DeliveryCheck {
  const queueId = logicalIdOf(view, 'AWS::SQS::Queue', queueArn, 'Arn');
  if (!queueId) return ALLOWED;
  const url = String(view.resolve({ Ref: queueId }, `Resources.${queueId}`));
  if (!resourcePolicyAllows(view, 'AWS::SQS::QueuePolicy', 'Queues', url, 'sqs:SendMessage', ruleArn, account)) {
    return { ok: false, reason: `no queue policy of queue ${queueId} lets ${PRINCIPAL} sqs:SendMessage for this rule` };
  }
  return keyAllows(view, view.template.Resources[queueId].Properties?.KmsMasterKeyId, `queue ${queueId}`, ruleArn, account);
}

function topicAllows(view: TemplateView, topicArn: string, ruleArn: string, account: string): DeliveryCheck {
  const topicId = logicalIdOf(view, 'AWS::SNS::Topic', topicArn);
  if (!topicId) return ALLOWED;
  if (!resourcePolicyAllows(view, 'AWS::SNS::TopicPolicy', 'Topics', topicArn, 'sns:Publish', ruleArn, account)) {
    return { ok: false, reason: `no topic policy of topic ${topicId} lets ${PRINCIPAL} sns:Publish for this rule` };
  }
  return keyAllows(view, view.template.Resources[topicId].Properties?.KmsMasterKeyId, `topic ${topicId}`, ruleArn, account);
}

function functionAllows(view: TemplateView, functionArn: string, ruleArn: string): DeliveryCheck {
  const functionId = logicalIdOf(view, 'AWS::Lambda::Function', functionArn, 'Arn');
  if (!functionId) return ALLOWED;
  const names = [functionArn, String(view.resolve({ Ref: functionId }, `Resources.${functionId}`))];
  for (const [id, resource] of Object.entries(view.template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Permission') continue;
    const p = resource.Properties ?? {};
    const where = `Resources.${id}.Properties`;
    if (!names.includes(String(view.resolve(p.FunctionName, `${where}.FunctionName`)))) continue;
    if (String(p.Principal) !== PRINCIPAL || !coversAction(String(p.Action), 'lambda:InvokeFunction')) continue;
    const source = p.SourceArn === undefined ? undefined : String(view.resolve(p.SourceArn, `${where}.SourceArn`));
    if (source === undefined || globMatch(source, ruleArn)) return ALLOWED;
  }
  return { ok: false, reason: `function ${functionId} has no AWS::Lambda::Permission letting ${PRINCIPAL} invoke it for this rule` };
}
