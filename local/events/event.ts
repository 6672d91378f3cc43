// One EventBridge event: its shape, and how it is built from what a producer gives (a PutEvents
// entry, or another service's delivery to a bus), with the per-entry errors PutEvents answers.
import { randomUUID } from 'node:crypto';

/** One event as EventBridge delivers it. */
export interface EventBridgeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: Record<string, unknown>;
}

/** Why a put event is refused (PutEvents answers it per entry). */
export class EntryError extends Error {
  public constructor(
    public readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A full event from what a producer gives: source, detail-type, detail (and optionally time and resources). */
export function eventOf(
  entry: {
    source?: unknown;
    detailType?: unknown;
    detail?: unknown;
    resources?: unknown;
    time?: unknown;
  },
  origin: { readonly accountId: string; readonly region: string },
): EventBridgeEvent {
  if (typeof entry.source !== 'string' || entry.source === '') throw new EntryError('InvalidArgument', 'Parameter Source is not valid.');
  if (typeof entry.detailType !== 'string' || entry.detailType === '') {
    throw new EntryError('InvalidArgument', 'Parameter DetailType is not valid.');
  }
  const detail = typeof entry.detail === 'string' ? parseDetail(entry.detail) : entry.detail;
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
    throw new EntryError('MalformedDetail', 'Detail is malformed: it must be a JSON object.');
  }
  const time = entry.time === undefined ? new Date() : new Date(typeof entry.time === 'number' ? entry.time * 1000 : String(entry.time));
  if (Number.isNaN(time.getTime())) throw new EntryError('InvalidArgument', 'Parameter Time is not valid.');
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.detailType,
    source: entry.source,
    account: origin.accountId,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: origin.region,
    resources: Array.isArray(entry.resources) ? entry.resources.map(String) : [],
    detail: detail as Record<string, unknown>,
  };
}

function parseDetail(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new EntryError('MalformedDetail', 'Detail is malformed: it is not JSON.');
  }
}
