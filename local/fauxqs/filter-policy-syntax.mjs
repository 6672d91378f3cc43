// What an SNS subscription filter policy may say, and the checks SNS makes when a subscription sets one
// ("Filter policy constraints in Amazon SNS"): its operators, "$or", numeric ranges and CIDR blocks. Used
// by the Subscribe and SetSubscriptionAttributes guards (subscriptions.mjs), and by the evaluation
// (filter-policy.mjs) for the parts both need: what counts as an "$or" and which addresses a CIDR block
// contains.

const OPERATORS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'anything-but', 'numeric', 'exists', 'cidr']);

/** A reason SNS gives for refusing a filter policy; the caller adds the "Invalid parameter: ..." prefix. */
export class FilterPolicyError extends Error {}

/** Is this "$or" value an OR of sub-policies? Otherwise SNS treats "$or" as a plain key ("AND/OR logic"). */
export function isOr(value) {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    value.every((branch) => branch !== null && typeof branch === 'object' && !Array.isArray(branch) && !Object.keys(branch).some((k) => OPERATORS.has(k)))
  );
}

// ---------------------------------------------------------------------------------------------------
// IP addresses (IPv4 and IPv6) for "cidr"

function ipv4Bytes(text) {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    bytes.push(Number(part));
  }
  return bytes;
}

/** 16-bit words of one side of an IPv6 "::", or undefined; an embedded IPv4 tail counts as two words. */
function ipv6Words(half) {
  if (half === '') return [];
  const words = [];
  const groups = half.split(':');
  for (const [i, group] of groups.entries()) {
    if (i === groups.length - 1 && group.includes('.')) {
      const v4 = ipv4Bytes(group);
      if (!v4) return undefined;
      words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
      words.push(Number.parseInt(group, 16));
    } else {
      return undefined;
    }
  }
  return words;
}

function ipv6Bytes(text) {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = ipv6Words(halves[0]);
  const tail = halves.length === 2 ? ipv6Words(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  return [...head, ...new Array(missing).fill(0), ...tail].flatMap((w) => [w >> 8, w & 0xff]);
}

function parseCidr(cidr) {
  const [address, bits] = cidr.split('/');
  const bytes = address.includes(':') ? ipv6Bytes(address) : ipv4Bytes(address);
  return { bytes, bits: Number(bits) };
}

/** Whether the IP address `value` is in the CIDR block `cidr` (both IPv4 or both IPv6). */
export function cidrContains(cidr, value) {
  const network = parseCidr(cidr);
  const address = value.includes(':') ? ipv6Bytes(value) : ipv4Bytes(value);
  if (!network.bytes || !address || address.length !== network.bytes.length) return false;
  for (let bit = 0; bit < network.bits; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((address[bit >> 3] & mask) !== (network.bytes[bit >> 3] & mask)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Validation, as SNS does it at Subscribe and SetSubscriptionAttributes ("Filter policy constraints in
// Amazon SNS"). The wording of the reasons is SNS's own where it is known.

export const FILTER_POLICY_LIMITS = Object.freeze({ maxBytes: 256 * 1024, maxKeys: 5, maxCombinations: 150 });

/**
 * Parses and checks a FilterPolicy for a scope; returns the policy or throws a FilterPolicyError with SNS's
 * reason. Limits: at most 5 keys (top-level keys for MessageBody), at most 150 combinations (the product
 * of the number of values of every key, each multiplied by the depth of its key, summed over "$or"
 * branches), at most 256 KB, no nesting for MessageAttributes.
 */
export function validateFilterPolicy(text, scope = 'MessageAttributes') {
  if (Buffer.byteLength(text, 'utf8') > FILTER_POLICY_LIMITS.maxBytes) {
    throw new FilterPolicyError(`Filter policy is too large: at most ${FILTER_POLICY_LIMITS.maxBytes} bytes`);
  }
  let policy;
  try {
    policy = JSON.parse(text);
  } catch (error) {
    throw new FilterPolicyError(`failed to parse JSON. ${error.message}`);
  }
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) {
    throw new FilterPolicyError('Filter policy must be a JSON object');
  }
  if (Object.keys(policy).length > FILTER_POLICY_LIMITS.maxKeys) {
    throw new FilterPolicyError(`Filter policy can not have more than ${FILTER_POLICY_LIMITS.maxKeys} keys`);
  }
  const combinations = checkPolicy(policy, scope, 1, 1);
  if (combinations > FILTER_POLICY_LIMITS.maxCombinations) throw new FilterPolicyError('Filter policy is too complex');
  return policy;
}

/** Checks a (sub-)policy; returns the number of combinations, starting from `combinations`. */
function checkPolicy(policy, scope, depth, combinations) {
  let total = combinations;
  for (const [key, rule] of Object.entries(policy)) {
    if (key === '$or' && isOr(rule)) {
      let sum = 0;
      for (const branch of rule) sum += checkPolicy(branch, scope, depth, total);
      total = sum;
    } else if (Array.isArray(rule)) {
      if (rule.length === 0) throw new FilterPolicyError('Empty arrays are not allowed');
      for (const condition of rule) checkCondition(condition);
      total *= rule.length * depth;
    } else if (rule !== null && typeof rule === 'object') {
      if (scope !== 'MessageBody') {
        throw Object.assign(new FilterPolicyError('Filter policy scope MessageAttributes does not support nested filter policy'), {
          bare: true,
        });
      }
      total = checkPolicy(rule, scope, depth + 1, total);
    } else {
      throw new FilterPolicyError(`"${key}" must be an object or an array`);
    }
  }
  return total;
}

function checkCondition(condition) {
  if (condition === null || ['string', 'number', 'boolean'].includes(typeof condition)) return;
  if (Array.isArray(condition)) throw new FilterPolicyError('Match value must be String, number, true, false, or null');
  const entries = Object.entries(condition);
  if (entries.length !== 1) throw new FilterPolicyError('Only one key allowed in match expression');
  const [operator, operand] = entries[0];
  switch (operator) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      if (typeof operand !== 'string') throw new FilterPolicyError(`${operator} match pattern must be a string`);
      return;
    case 'exists':
      if (typeof operand !== 'boolean') throw new FilterPolicyError('exists match pattern must be either true or false.');
      return;
    case 'anything-but':
      checkAnythingBut(operand);
      return;
    case 'numeric':
      checkNumeric(operand);
      return;
    case 'cidr':
      checkCidr(operand);
      return;
    default:
      throw new FilterPolicyError(`Unrecognized match type ${operator}`);
  }
}

function checkAnythingBut(operand) {
  if (Array.isArray(operand)) {
    if (operand.length === 0) throw new FilterPolicyError('Empty arrays are not allowed');
    for (const value of operand) {
      if (!['string', 'number'].includes(typeof value)) throw new FilterPolicyError('Inside anything but list, start|null|boolean is not supported.');
    }
    return;
  }
  if (operand !== null && typeof operand === 'object') {
    const entries = Object.entries(operand);
    if (entries.length !== 1) throw new FilterPolicyError('Only one key allowed in match expression');
    const [operator, value] = entries[0];
    if (operator !== 'prefix') throw new FilterPolicyError(`Unsupported anything-but pattern: ${operator}`);
    if (typeof value !== 'string') throw new FilterPolicyError('prefix match pattern must be a string');
    return;
  }
  if (!['string', 'number'].includes(typeof operand)) {
    throw new FilterPolicyError('Inside anything but list, start|null|boolean is not supported.');
  }
}

const RANGE_OPERATORS = new Set(['<', '<=', '=', '>', '>=']);

function checkNumeric(expression) {
  if (!Array.isArray(expression) || expression.length === 0) throw new FilterPolicyError('Invalid member in numeric match: ]');
  const [first, firstValue, second, secondValue, ...rest] = expression;
  if (typeof first !== 'string') throw new FilterPolicyError(`Invalid member in numeric match: ${first}`);
  if (!RANGE_OPERATORS.has(first)) throw new FilterPolicyError(`Unrecognized numeric range operator: ${first}`);
  if (typeof firstValue !== 'number') throw new FilterPolicyError(`Value of ${first === '=' ? 'equals' : first} must be numeric`);
  if (expression.length === 2) return;
  if (first !== '>' && first !== '>=') throw new FilterPolicyError('Too many elements in numeric expression');
  if (typeof second !== 'string') throw new FilterPolicyError(`Bad value in numeric range: ${second}`);
  if (second !== '<' && second !== '<=') throw new FilterPolicyError(`Bad numeric range operator: ${second}`);
  if (typeof secondValue !== 'number') throw new FilterPolicyError(`Value of ${second} must be numeric`);
  if (secondValue <= firstValue) throw new FilterPolicyError('Bottom must be less than top');
  if (rest.length > 0) throw new FilterPolicyError('Too many terms in numeric range expression');
}

function checkCidr(operand) {
  if (typeof operand !== 'string') throw new FilterPolicyError('prefix match pattern must be a string');
  const parts = operand.split('/');
  if (parts.length !== 2) throw new FilterPolicyError("Malformed CIDR, one '/' required");
  if (!/^\d+$/.test(parts[1])) throw new FilterPolicyError('Malformed CIDR, mask bits must be an integer');
  const { bytes, bits } = parseCidr(operand);
  if (!bytes || bits > bytes.length * 8) throw new FilterPolicyError(`Nonstandard IP address: ${parts[0]}`);
}
