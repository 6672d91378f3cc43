/**
 * Amazon EventBridge numbers (EventBridge User Guide and API Reference), for the rules the patterns
 * create and for the local runtime's EventBridge service. Re-exported by `lib/shared/limits.ts`.
 */
import type { Range } from '../limits';

const KIB = 1024;

/** Amazon EventBridge quotas and settings. */
export const EVENTBRIDGE = {
  /** Target retry policy: 0 to 185 retries; 185 when not set ("Event retry policy and using dead-letter queues"). */
  retryAttempts: { min: 0, max: 185, unit: 'retries', source: 'EventBridge retry policy' },
  defaultRetryAttempts: 185,
  /** Target retry policy: an event is retried for 60 s to 24 hours; 24 hours when not set. */
  maximumEventAgeSeconds: { min: 60, max: 86_400, unit: 's', source: 'EventBridge retry policy' },
  defaultMaximumEventAgeSeconds: 86_400,
  /** Targets per rule ("Amazon EventBridge quotas"). */
  maxTargetsPerRule: 5,
  /** PutEvents: at most 10 entries and 256 KiB per request ("Amazon EventBridge quotas", PutEvents). */
  maxPutEventsEntries: 10,
  maxEventBytes: 256 * KIB,
  /** Input transformers: at most 100 variables ("Amazon EventBridge input transformation"). */
  maxInputTransformerVariables: 100,
  /** An event pattern's $or arrays may expand to at most 1,000 combinations ("Content filtering"). */
  maxOrCombinations: 1000,
  /** Numeric matching: values between -5.0e9 and 5.0e9 ("Content filtering", numeric matching). */
  numericMatchingBound: 5e9,
} as const satisfies Record<string, number | Range>;
