import { RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LOGS } from './limits';

/** The deployment profiles `lib/app.ts` accepts in the `profile` context key. */
export const PROFILES = ['sandbox', 'production'] as const;

/** A deployment profile: `sandbox` (cheap, disposable) or `production` (durable, redundant). */
export type Profile = (typeof PROFILES)[number];

/**
 * What a profile means for the resources a stack creates. Stacks map these onto construct props.
 * No profile turns on optional compute (such as the SQS backlog worker): that is always opt-in.
 */
export interface ProfileSettings {
  /** The profile these settings describe. */
  readonly profile: Profile;
  /** Removal policy of stateful resources (queues, tables, buckets, keys, log groups). */
  readonly removalPolicy: RemovalPolicy;
  /** Whether buckets are emptied on stack deletion, so that `cdk destroy` leaves nothing behind. */
  readonly autoDeleteObjects: boolean;
  /** Retention of every log group. */
  readonly logRetention: RetentionDays;
}

/** The settings of a profile. */
export function profileSettings(profile: Profile): ProfileSettings {
  if (profile === 'production') {
    return {
      profile,
      removalPolicy: RemovalPolicy.RETAIN,
      autoDeleteObjects: false,
      logRetention: LOGS.productionRetentionDays as RetentionDays,
    };
  }
  return {
    profile,
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
    logRetention: LOGS.sandboxRetentionDays as RetentionDays,
  };
}
