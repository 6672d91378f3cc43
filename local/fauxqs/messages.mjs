// What SQS and SNS accept in a message, and how they count it. Pure functions: each check returns
// undefined or the { code, message } AWS answers with (the launcher's layer turns it into the error fauxqs
// serialises, so the SDK surfaces AWS's error name and text).
//
// Sources: Amazon SQS Developer Guide ("Amazon SQS message quotas", "Amazon SQS message attributes") and
// API Reference (SendMessage, SendMessageBatch); Amazon SNS Developer Guide ("Amazon SNS message
// attributes", "Publishing large messages") and API Reference (Publish, PublishBatch, MessageAttributeValue).

export const SQS_LIMITS = Object.freeze({
  /** The largest MaximumMessageSize, and the cap on a SendMessageBatch's total (1 MiB since August 2025). */
  maxMessageBytes: 1024 * 1024,
  batchTotalBytes: 1024 * 1024,
  maxBatchEntries: 10,
  maxMessageAttributes: 10,
});

export const SNS_LIMITS = Object.freeze({
  /** Publish and the PublishBatch total, unless the topic's MaximumMessageSize says otherwise (up to 1 MiB). */
  defaultMaxMessageBytes: 256 * 1024,
  maxBatchEntries: 10,
  /** Raw delivery to an SQS subscription carries at most 10 attributes; more and SNS discards the delivery. */
  maxRawSqsAttributes: 10,
});

/** Characters SQS allows in a body and in attribute values: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF. */
export const INVALID_MESSAGE_BODY_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const INVALID_CHARACTERS =
  'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF';

const bytes = (text) => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));
/** Binary values travel base64-encoded; SQS and SNS count the decoded bytes. */
const binaryBytes = (base64) => (base64 === undefined ? 0 : Buffer.byteLength(base64, 'base64'));

/** Body plus, for every attribute, its name, data type and value: what both services count toward the limit. */
export function calculateMessageSize(body, attributes) {
  let size = bytes(body);
  for (const [name, attribute] of Object.entries(attributes ?? {})) {
    size += bytes(name) + bytes(attribute.DataType) + bytes(attribute.StringValue) + binaryBytes(attribute.BinaryValue);
  }
  return size;
}

/** A queue's limit: its MaximumMessageSize attribute (1,024 to 1,048,576 bytes), else 1 MiB. */
export const sqsMaxMessageBytes = (queue) => Number(queue.attributes.MaximumMessageSize ?? SQS_LIMITS.maxMessageBytes);

const baseType = (dataType) => /^(String|Number|Binary)(\..*)?$/.exec(dataType ?? '')?.[1];

// ---------------------------------------------------------------------------------------------------
// SQS

function sqsAttributeProblem(name, attribute) {
  const type = baseType(attribute?.DataType);
  if (type === undefined) {
    return {
      code: 'InvalidParameterValue',
      message: `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
    };
  }
  const value = type === 'Binary' ? attribute.BinaryValue : attribute.StringValue;
  if (value === undefined || value === '') {
    return { code: 'InvalidParameterValue', message: `Message (user) attribute '${name}' must contain a non-empty value of type '${type}'.` };
  }
  if (type === 'String' && INVALID_MESSAGE_BODY_CHAR.test(value)) {
    return { code: 'InvalidParameterValue', message: `Message (user) attribute '${name}' value: ${INVALID_CHARACTERS}` };
  }
  if (type === 'Number' && !Number.isFinite(Number(value))) {
    return { code: 'InvalidParameterValue', message: `Can't cast the value of message (user) attribute '${name}' to a number.` };
  }
  return undefined;
}

/**
 * One SQS message (SendMessage, or one SendMessageBatch entry when `inBatch`): body present and made of
 * allowed characters, at most 10 attributes with valid types and values, and body plus attributes within
 * the queue's MaximumMessageSize.
 */
export function sqsMessageProblem(body, attributes, maxBytes, inBatch = false) {
  if (typeof body !== 'string' || body === '') {
    return { code: 'MissingParameter', message: 'The request must contain the parameter MessageBody.' };
  }
  if (INVALID_MESSAGE_BODY_CHAR.test(body)) return { code: 'InvalidMessageContents', message: INVALID_CHARACTERS };
  const names = Object.keys(attributes ?? {});
  if (names.length > SQS_LIMITS.maxMessageAttributes) {
    return {
      code: 'InvalidParameterValue',
      message: `Number of message attributes [${names.length}] exceeds the allowed maximum [${SQS_LIMITS.maxMessageAttributes}].`,
    };
  }
  for (const name of names) {
    const problem = sqsAttributeProblem(name, attributes[name]);
    if (problem) return problem;
  }
  if (calculateMessageSize(body, attributes) > maxBytes) {
    return {
      code: 'InvalidParameterValue',
      message: `One or more parameters ${inBatch ? 'cannot be validated' : 'are invalid'}. Reason: Message must be shorter than ${maxBytes} bytes.`,
    };
  }
  return undefined;
}

const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** Request-level checks of SendMessageBatch, in the order SQS applies them. */
export function sqsBatchProblem(entries) {
  if (!Array.isArray(entries) || entries.length === 0) {
    return { code: 'EmptyBatchRequest', message: 'There should be at least one SendMessageBatchRequestEntry in the request.' };
  }
  if (entries.length > SQS_LIMITS.maxBatchEntries) {
    return {
      code: 'TooManyEntriesInBatchRequest',
      message: `Maximum number of entries per request are ${SQS_LIMITS.maxBatchEntries}. You have sent ${entries.length}.`,
    };
  }
  const ids = new Set();
  for (const entry of entries) {
    if (typeof entry.Id !== 'string' || !BATCH_ENTRY_ID.test(entry.Id)) {
      return {
        code: 'InvalidBatchEntryId',
        message: 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      };
    }
    if (ids.has(entry.Id)) return { code: 'BatchEntryIdsNotDistinct', message: `Id ${entry.Id} repeated.` };
    ids.add(entry.Id);
  }
  const total = entries.reduce((sum, entry) => sum + calculateMessageSize(entry.MessageBody ?? '', entry.MessageAttributes), 0);
  if (total > SQS_LIMITS.batchTotalBytes) {
    return {
      code: 'BatchRequestTooLong',
      message: `Batch requests cannot be longer than ${SQS_LIMITS.batchTotalBytes} bytes. You have sent ${total} bytes.`,
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// SNS (query protocol: parameters arrive flattened, e.g. MessageAttributes.entry.1.Name)

/** The message attributes under `prefix` in flattened query parameters, by name. */
export function snsAttributes(params, prefix = '') {
  const attributes = {};
  const head = `${prefix}MessageAttributes.entry.`;
  for (const key of Object.keys(params)) {
    if (!key.startsWith(head) || !key.endsWith('.Name')) continue;
    const at = key.slice(0, -'Name'.length);
    attributes[params[key]] = {
      DataType: params[`${at}Value.DataType`],
      StringValue: params[`${at}Value.StringValue`],
      BinaryValue: params[`${at}Value.BinaryValue`],
    };
  }
  return attributes;
}

function snsAttributeNameProblem(name) {
  const invalid = (message) => ({ code: 'ParameterValueInvalid', message });
  if (bytes(name) >= 256) return invalid('Length of message attribute name must be less than 256 bytes.');
  if (name.startsWith('.')) return invalid("Invalid message attribute name starting with character '.' was found.");
  if (name.endsWith('.')) return invalid("Invalid message attribute name ending with character '.' was found.");
  if (/^[A-Za-z0-9_.-]+$/.test(name)) return name.includes('..') ? invalid("Message attribute name can not have successive '.' character.") : undefined;
  for (const char of name) {
    if (!/[A-Za-z0-9_.-]/.test(char)) {
      const hex = `#x${char.codePointAt(0)?.toString(16).toUpperCase()}`;
      return invalid(
        `Invalid non-alphanumeric character '${hex}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.`,
      );
    }
  }
  if (name.includes('..')) return invalid("Message attribute name can not have successive '.' character.");
  return undefined;
}

function snsAttributeProblem(name, attribute) {
  const nameProblem = snsAttributeNameProblem(name);
  if (nameProblem) return nameProblem;
  const type = baseType(attribute.DataType);
  if (type === undefined) {
    return {
      code: 'ParameterValueInvalid',
      message: `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
    };
  }
  const value = type === 'Binary' ? attribute.BinaryValue : attribute.StringValue;
  if (value === undefined || value === '') {
    return {
      code: 'ParameterValueInvalid',
      message: `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${attribute.DataType}'.`,
    };
  }
  if (type === 'Number' && !Number.isFinite(Number(value))) {
    return { code: 'ParameterValueInvalid', message: `Could not cast message attribute '${name}' value to number.` };
  }
  return undefined;
}

/** The topic's limit: its MaximumMessageSize attribute (1,024 to 1,048,576 bytes), else 256 KiB. */
export function snsMaxMessageBytes(topic) {
  const configured = Number(topic?.attributes?.MaximumMessageSize);
  return Number.isInteger(configured) && configured > 0 ? configured : SNS_LIMITS.defaultMaxMessageBytes;
}

/** Problems of one published message that fail the request (Publish, or a whole PublishBatch). */
export function snsAttributesProblem(attributes) {
  for (const [name, attribute] of Object.entries(attributes)) {
    const problem = snsAttributeProblem(name, attribute);
    if (problem) return problem;
  }
  return undefined;
}

/** Publish: a message, valid attributes, body plus attributes within the topic's limit. */
export function snsPublishProblem(message, attributes, maxBytes) {
  if (typeof message !== 'string' || message === '') return { code: 'InvalidParameter', message: 'Invalid parameter: Empty message' };
  const problem = snsAttributesProblem(attributes);
  if (problem) return problem;
  if (calculateMessageSize(message, attributes) > maxBytes) return { code: 'InvalidParameter', message: 'Invalid parameter: Message too long' };
  return undefined;
}

/** The entries of a PublishBatch, in request order: { index, prefix, id, message, attributes }. */
export function snsBatchEntries(params) {
  const indices = new Set();
  for (const key of Object.keys(params)) {
    const match = /^PublishBatchRequestEntries\.member\.(\d+)\./.exec(key);
    if (match) indices.add(Number(match[1]));
  }
  return [...indices]
    .sort((a, b) => a - b)
    .map((index) => {
      const prefix = `PublishBatchRequestEntries.member.${index}.`;
      return { index, prefix, id: params[`${prefix}Id`], message: params[`${prefix}Message`], attributes: snsAttributes(params, prefix) };
    });
}

/** Request-level checks of PublishBatch: entry count and ids, attributes, and the batch total. */
export function snsBatchProblem(entries, maxBytes) {
  if (entries.length === 0) return { code: 'EmptyBatchRequest', message: 'The batch request does not contain any entries.' };
  if (entries.length > SNS_LIMITS.maxBatchEntries) {
    return { code: 'TooManyEntriesInBatchRequest', message: 'The batch request contains more entries than permissible.' };
  }
  const ids = new Set();
  for (const { id } of entries) {
    if (typeof id !== 'string' || id.length > 80) {
      return { code: 'InvalidBatchEntryId', message: `The Id of a batch entry in the batch request is too long: ${id}` };
    }
    if (!/^[A-Za-z0-9_-]+$/.test(id)) {
      return { code: 'InvalidBatchEntryId', message: `The Id of a batch entry in the batch request contains an impermissible character: ${id}` };
    }
    if (ids.has(id)) return { code: 'BatchEntryIdsNotDistinct', message: 'Two or more batch entries in the request have the same Id.' };
    ids.add(id);
  }
  for (const entry of entries) {
    const problem = snsAttributesProblem(entry.attributes);
    if (problem) return problem;
  }
  const total = entries.reduce((sum, entry) => sum + calculateMessageSize(entry.message ?? '', entry.attributes), 0);
  if (total > maxBytes) return { code: 'BatchRequestTooLong', message: 'The length of all the messages put together is more than the limit.' };
  return undefined;
}
