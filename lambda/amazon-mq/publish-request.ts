import { RequestError } from './broker-errors';

// Validated by hand rather than with zod: the RabbitMQ producer bundles amqplib (about 120 KB), and
// zod would take it past the project's 150 KB bundle budget. The request is small enough.

/** At most this many messages per request. */
export const MAX_MESSAGES_PER_REQUEST = 100;

const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const STAGES = ['AWSCURRENT', 'AWSPENDING'] as const;

/** A message to publish: its text and correlation id. */
export interface OutgoingMessage {
  readonly id?: string;
  readonly text: string;
}

/** What the producer is asked to do. */
export type PublishRequest =
  | { readonly kind: 'publish'; readonly messages: readonly OutgoingMessage[] }
  | { readonly kind: 'check'; readonly stage: (typeof STAGES)[number] };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates a producer request: `{"messages": [{"id"?, "body"}, ...]}` (1 to 100, each body a JSON
 * object or a string, at most `maxBytes` as published) or `{"checkCredentials": "AWSPENDING"}`. A bad
 * request publishes nothing and throws one {@link RequestError} naming every bad field.
 */
export function parseRequest(event: unknown, maxBytes: number): PublishRequest {
  const problems: string[] = [];
  const fail = () => new RequestError(`invalid request: ${problems.join('; ')}`);
  if (!isObject(event)) throw new RequestError('invalid request: request: must be an object with "messages" or "checkCredentials"');
  if ('checkCredentials' in event) {
    const stage = event.checkCredentials;
    if (typeof stage === 'string' && (STAGES as readonly string[]).includes(stage))
      return { kind: 'check', stage: stage as (typeof STAGES)[number] };
    problems.push(`checkCredentials: must be one of ${STAGES.join(', ')}`);
    throw fail();
  }
  const messages = event.messages;
  if (!Array.isArray(messages) || messages.length === 0 || messages.length > MAX_MESSAGES_PER_REQUEST) {
    problems.push(`messages: must be an array of 1 to ${MAX_MESSAGES_PER_REQUEST} messages`);
    throw fail();
  }
  const out: OutgoingMessage[] = [];
  messages.forEach((m: unknown, i) => {
    if (!isObject(m)) {
      problems.push(`messages.${i}: must be an object with "body"`);
      return;
    }
    const unknownKeys = Object.keys(m).filter((k) => k !== 'id' && k !== 'body');
    if (unknownKeys.length) problems.push(`messages.${i}: unknown field ${unknownKeys.join(', ')}`);
    if (m.id !== undefined && (typeof m.id !== 'string' || !ID.test(m.id))) {
      problems.push(`messages.${i}.id: must be 1 to 128 letters, digits, . _ : -`);
    }
    if (typeof m.body !== 'string' && !isObject(m.body)) {
      problems.push(`messages.${i}.body: must be a JSON object or a string`);
      return;
    }
    const text = typeof m.body === 'string' ? m.body : JSON.stringify(m.body);
    const size = Buffer.byteLength(text);
    if (size > maxBytes) problems.push(`messages.${i}.body: ${size} bytes is over the ${maxBytes}-byte limit`);
    out.push({ id: m.id as string | undefined, text });
  });
  if (problems.length) throw fail();
  return { kind: 'publish', messages: out };
}
