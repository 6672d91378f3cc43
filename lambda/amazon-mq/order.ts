import * as z from 'zod/mini';

/** An order message, as the scenario and the producers' callers publish it. */
export const orderSchema = z.strictObject({
  orderId: z.string().check(z.regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be 1 to 100 letters, digits, . _ : -')),
  amountCents: z.number().check(z.int(), z.minimum(0), z.maximum(100_000_000)),
  /**
   * Fault injection for the scenario: the consumer crashes when it meets this order on its first
   * delivery (after processing the records before it), as a process that dies mid-batch would.
   */
  crash: z.optional(z.literal('first-delivery')),
});

export type Order = z.infer<typeof orderSchema>;

/** The order id of a body that may be invalid, when one can be read from it. */
export function orderIdOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { orderId?: unknown }).orderId;
    return typeof id === 'string' && id.length <= 200 ? id : undefined;
  } catch {
    return undefined;
  }
}
