import { Logger } from '@aws-lambda-powertools/logger';
import { en } from 'zod/locales';
// zod/mini: the same validation as zod's classic API at a fraction of the bundle size.
import * as z from 'zod/mini';
import { positiveIntEnv } from '../shared/env';
import { validateJson } from '../shared/validate';

z.config(en());

/** A sensor reading as devices send it to the ingestion workflow; other fields are dropped. */
export const ReadingSchema = z.object({
  sensorId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ or -, at most 64')),
  metric: z.enum(['temperature', 'humidity', 'pressure']),
  value: z.number().check(z.gte(-1_000_000), z.lte(1_000_000)),
  unit: z.enum(['C', 'F', '%', 'hPa']),
  takenAt: z.iso.datetime({ offset: true }),
});
export type Reading = z.infer<typeof ReadingSchema>;

/** The canonical reading the workflow stores: one unit per metric, bounded values, an expiry. */
export interface CanonicalReading {
  readonly sensorId: string;
  readonly metric: Reading['metric'];
  /** In the metric's canonical unit, rounded to two decimals. */
  readonly value: number;
  readonly unit: 'C' | '%' | 'hPa';
  /** ISO 8601, UTC. */
  readonly takenAt: string;
  /** Epoch seconds when the stored reading expires (DynamoDB TTL). */
  readonly expiresAt: number;
}

/** A reading the workflow rejects; the message names every field that is wrong, in one line. */
export class InvalidReading extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'InvalidReading';
  }
}

/** The canonical unit of each metric, the units accepted for it, and its physical bounds there. */
const METRICS = {
  temperature: { unit: 'C', accepted: ['C', 'F'], min: -100, max: 150 },
  humidity: { unit: '%', accepted: ['%'], min: 0, max: 100 },
  pressure: { unit: 'hPa', accepted: ['hPa'], min: 300, max: 1100 },
} as const;

const logger = new Logger();
const retentionSeconds = positiveIntEnv('READING_RETENTION_DAYS', 30) * 86_400;

/** Validates a reading and converts it to its metric's canonical unit; throws {@link InvalidReading}. */
export function canonicalReading(event: unknown, nowMs: number): CanonicalReading {
  const parsed = validateJson(JSON.stringify(event ?? null), ReadingSchema, 'invalid reading', 'reading');
  if (!parsed.ok) throw new InvalidReading(parsed.reason);
  const reading = parsed.data;
  const metric = METRICS[reading.metric];
  if (!(metric.accepted as readonly string[]).includes(reading.unit)) {
    throw new InvalidReading(`invalid reading: unit: ${reading.unit} is not a unit of ${reading.metric} (${metric.accepted.join(', ')})`);
  }
  const value = reading.unit === 'F' ? ((reading.value - 32) * 5) / 9 : reading.value;
  if (value < metric.min || value > metric.max) {
    throw new InvalidReading(
      `invalid reading: value: ${reading.value} ${reading.unit} is outside ${metric.min} to ${metric.max} ${metric.unit} for ${reading.metric}`,
    );
  }
  return {
    sensorId: reading.sensorId,
    metric: reading.metric,
    value: Math.round(value * 100) / 100,
    unit: metric.unit,
    takenAt: new Date(reading.takenAt).toISOString(),
    expiresAt: Math.floor(nowMs / 1000) + retentionSeconds,
  };
}

/** The ingestion workflow's ValidateReading task: validate and normalise, or fail with InvalidReading. */
export async function handler(event: unknown): Promise<CanonicalReading> {
  try {
    return canonicalReading(event, Date.now());
  } catch (error) {
    logger.warn('reading rejected', { reason: (error as Error).message });
    throw error;
  }
}
