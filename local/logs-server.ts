import { EndpointError, startJsonEndpoint } from './json-endpoint';

/** One log event as CloudWatch Logs returns it. */
export interface LogEvent {
  readonly logStreamName: string;
  readonly timestamp: number;
  readonly message: string;
  readonly ingestionTime: number;
  readonly eventId: string;
}

/** The local log store and the endpoint that serves it. */
export interface LocalLogs {
  readonly endpoint: string;
  /** Appends a line to a log group (created on first use). */
  put(logGroupName: string, logStreamName: string, message: string): void;
  stop(): Promise<void>;
}

const PAGE_SIZE = 1000;

/**
 * A CloudWatch Logs endpoint for the functions of the local runtime, so that a scenario reads a
 * function's log lines the same way on both targets. Operations: FilterLogEvents (filter patterns
 * made of terms and quoted phrases, all of which must appear; startTime, endTime, limit, nextToken)
 * and DescribeLogGroups. JSON and metric filter patterns are rejected with a clear error.
 */
export async function startLogs(): Promise<LocalLogs> {
  const groups = new Map<string, LogEvent[]>();
  let counter = 0;

  const filter = (input: Record<string, unknown>) => {
    const name = String(input.logGroupName ?? input.logGroupIdentifier ?? '');
    const events = groups.get(name);
    if (!events) throw new EndpointError('ResourceNotFoundException', `The specified log group does not exist: ${name}`);
    const terms = parsePattern(String(input.filterPattern ?? ''));
    const start = Number(input.nextToken ?? 0);
    const limit = Math.min(Number(input.limit ?? PAGE_SIZE), PAGE_SIZE);
    const matching = events.filter(
      (e) =>
        (input.startTime === undefined || e.timestamp >= Number(input.startTime)) &&
        (input.endTime === undefined || e.timestamp <= Number(input.endTime)) &&
        terms.every((t) => e.message.includes(t)),
    );
    const page = matching.slice(start, start + limit);
    return { events: page, searchedLogStreams: [], ...(start + limit < matching.length ? { nextToken: String(start + limit) } : {}) };
  };
  const describe = (input: Record<string, unknown>) => {
    const prefix = String(input.logGroupNamePrefix ?? '');
    return { logGroups: [...groups.keys()].filter((g) => g.startsWith(prefix)).map((logGroupName) => ({ logGroupName })) };
  };

  const endpoint = await startJsonEndpoint(
    'CloudWatch Logs',
    { FilterLogEvents: filter, DescribeLogGroups: describe },
    'application/x-amz-json-1.1',
  );
  return {
    endpoint: `http://127.0.0.1:${endpoint.port}`,
    put(logGroupName, logStreamName, message) {
      const now = Date.now();
      const events = groups.get(logGroupName) ?? [];
      events.push({ logStreamName, timestamp: now, ingestionTime: now, message, eventId: String(++counter) });
      groups.set(logGroupName, events);
    },
    stop: () => endpoint.stop(),
  };
}

/** The terms of a CloudWatch Logs term pattern: words, or phrases in double quotes. */
export function parsePattern(pattern: string): string[] {
  const trimmed = pattern.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    throw Object.assign(
      new Error(`filter pattern ${trimmed} is a JSON or space-delimited pattern; the local runtime supports terms and "quoted phrases"`),
      {
        type: 'InvalidParameterException',
      },
    );
  }
  const terms: string[] = [];
  for (const match of trimmed.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g))
    terms.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]);
  return terms;
}
