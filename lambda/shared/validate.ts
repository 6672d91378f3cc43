import { parse } from '@aws-lambda-powertools/parser';
import type * as z from 'zod/mini';

/** The outcome of {@link validateJson}: the data, or one line saying what is wrong. */
export type Validated<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly reason: string };

/**
 * Parses a JSON text and validates it with a schema through the Powertools parser. A failure is one
 * line: `<label>: <root> is not JSON`, or `<label>: <path>: <message>; ...` for each field error.
 */
export function validateJson<T extends z.ZodMiniType>(text: string, schema: T, label: string, root: string): Validated<z.infer<T>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: `${label}: ${root} is not JSON` };
  }
  const result = parse(json, undefined, schema, true);
  if (result.success) return { ok: true, data: result.data as z.infer<T> };
  const issues: unknown = result.error.cause;
  if (!Array.isArray(issues)) return { ok: false, reason: `${label}: ${result.error.message}` };
  const fields = issues.map((issue: { path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>; message: string }) => {
    const path = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
    return `${path || root}: ${issue.message}`;
  });
  return { ok: false, reason: `${label}: ${fields.join('; ')}` };
}
