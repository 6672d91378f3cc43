import * as z from 'zod/mini';
import { RequestError } from './broker-errors';

/** At most this many messages per request. */
export const MAX_MESSAGES_PER_REQUEST = 100;

const messageSchema = z.object({
  /** Correlates the message (AMQP message-id, STOMP correlation-id); the broker assigns its own id. */
  id: z.optional(z.string().check(z.regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1 to 128 letters, digits, . _ : -'))),
  /** A JSON object is published as JSON; a string is published as it is. */
  body: z.union([z.string(), z.record(z.string(), z.unknown())]),
});

const requestSchema = z.union([
  z.object({ messages: z.array(messageSchema).check(z.minLength(1), z.maxLength(MAX_MESSAGES_PER_REQUEST)) }),
  z.object({ checkCredentials: z.enum(['AWSCURRENT', 'AWSPENDING']) }),
]);

/** A message to publish: its text and correlation id. */
export interface OutgoingMessage {
  readonly id?: string;
  readonly text: string;
}

/** What the producer is asked to do. */
export type PublishRequest =
  | { readonly kind: 'publish'; readonly messages: readonly OutgoingMessage[] }
  | { readonly kind: 'check'; readonly stage: 'AWSCURRENT' | 'AWSPENDING' };

/**
 * Validates a producer request: `{"messages": [{"id"?, "body"}, ...]}` (1 to 100, each body at most
 * `maxBytes` as published) or `{"checkCredentials": "AWSPENDING"}`. A bad request publishes nothing
 * and throws one {@link RequestError} naming every field.
 */
export function parseRequest(event: unknown, maxBytes: number): PublishRequest {
  const result = requestSchema.safeParse(event);
  if (!result.success) {
    const fields = result.error.issues.map((i) => `${i.path.map(String).join('.') || 'request'}: ${i.message}`);
    throw new RequestError(`invalid request: ${fields.join('; ')}`);
  }
  const data = result.data;
  if ('checkCredentials' in data) return { kind: 'check', stage: data.checkCredentials };
  const messages = data.messages.map((m) => ({ id: m.id, text: typeof m.body === 'string' ? m.body : JSON.stringify(m.body) }));
  const tooLarge = messages
    .map((m, i) => [i, Buffer.byteLength(m.text)] as const)
    .filter(([, size]) => size > maxBytes)
    .map(([i, size]) => `messages.${i}.body: ${size} bytes is over the ${maxBytes}-byte limit`);
  if (tooLarge.length > 0) throw new RequestError(`invalid request: ${tooLarge.join('; ')}`);
  return { kind: 'publish', messages };
}
