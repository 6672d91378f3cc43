// Refuses a bad filter policy where SNS refuses it: at Subscribe and SetSubscriptionAttributes, with SNS's
// error (InvalidParameter, "Invalid parameter: ... FilterPolicy: <reason>"). fauxqs stores any text and,
// when it cannot parse it at publish time, delivers every message.
import { FilterPolicyError, validateFilterPolicy } from './filter-policy-syntax.mjs';

const SCOPES = new Set(['MessageAttributes', 'MessageBody']);

/** Subscribe's Attributes.entry.N.key / value parameters, by key. */
function subscribeAttributes(params) {
  const attributes = {};
  for (const [key, value] of Object.entries(params)) {
    const match = /^Attributes\.entry\.(\d+)\.key$/.exec(key);
    if (match) attributes[value] = params[`Attributes.entry.${match[1]}.value`];
  }
  return attributes;
}

export function subscriptionGuards({ SnsError }) {
  /** Throws SNS's error for a policy refused in `scope`; `prefix` is "Invalid parameter: " plus, for Subscribe, "Attributes Reason: ". */
  function check(policy, scope, prefix) {
    if (policy === undefined || policy === '') return;
    try {
      validateFilterPolicy(policy, scope);
    } catch (error) {
      if (!(error instanceof FilterPolicyError)) throw error;
      throw new SnsError('InvalidParameter', `${prefix}${error.bare ? '' : 'FilterPolicy: '}${error.message}`);
    }
  }

  function checkScope(scope, prefix) {
    if (scope !== undefined && !SCOPES.has(scope)) {
      throw new SnsError(
        'InvalidParameter',
        `${prefix}FilterPolicyScope: Invalid value [${scope}]. Please use either MessageBody or MessageAttributes`,
      );
    }
  }

  function subscribe(params, _args, next) {
    const attributes = subscribeAttributes(params);
    const prefix = 'Invalid parameter: Attributes Reason: ';
    checkScope(attributes.FilterPolicyScope, prefix);
    check(attributes.FilterPolicy, attributes.FilterPolicyScope ?? 'MessageAttributes', prefix);
    return next();
  }

  function setSubscriptionAttributes(params, [snsStore], next) {
    const subscription = snsStore.getSubscription(params.SubscriptionArn);
    if (subscription === undefined) return next(); // fauxqs answers NotFound
    const prefix = 'Invalid parameter: ';
    const current = subscription.attributes;
    if (params.AttributeName === 'FilterPolicy') {
      check(params.AttributeValue, current.FilterPolicyScope ?? 'MessageAttributes', prefix);
    } else if (params.AttributeName === 'FilterPolicyScope') {
      checkScope(params.AttributeValue ?? '', prefix);
      check(current.FilterPolicy, params.AttributeValue, prefix);
    }
    return next();
  }

  return { sns: { Subscribe: [subscribe], SetSubscriptionAttributes: [setSubscriptionAttributes] } };
}
