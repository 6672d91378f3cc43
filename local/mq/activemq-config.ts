/** What an ActiveMQ broker configuration decides about dead letters. */
export interface DeadLetterPolicy {
  /** The dead-letter queue of a queue. */
  deadLetterQueue(queue: string): string;
  /** Whether a non-persistent message is dead-lettered (otherwise ActiveMQ discards it). */
  readonly processNonPersistent: boolean;
  /** Whether the broker makes every message persistent (forcePersistencyModeBrokerPlugin). */
  readonly forcePersistent: boolean;
  /** What the policy is, for reports. */
  readonly description: string;
}

function attribute(element: string, name: string): string | undefined {
  return new RegExp(`\\b${name}="([^"]*)"`).exec(element)?.[1];
}

/**
 * The dead-letter policy of an ActiveMQ configuration (the XML of `AWS::AmazonMQ::Configuration`
 * `Data`), or ActiveMQ's defaults when there is none: a shared `ActiveMQ.DLQ`, non-persistent messages
 * discarded. Reads the first queue policy entry's dead-letter strategy; policies per destination name
 * are not evaluated (listed in docs/local-runtime.md).
 */
export function deadLetterPolicy(xml: string | undefined): DeadLetterPolicy {
  const text = xml ?? '';
  const forcePersistent = /<forcePersistencyModeBrokerPlugin\b[^>]*persistenceFlag="true"/.test(text);
  const individual = /<individualDeadLetterStrategy\b[^>]*\/?>/.exec(text)?.[0];
  if (individual) {
    const prefix = attribute(individual, 'queuePrefix') ?? 'ActiveMQ.DLQ.Queue.';
    const useQueue = attribute(individual, 'useQueueForQueueMessages') !== 'false';
    return {
      deadLetterQueue: (queue) => (useQueue ? `${prefix}${queue}` : `${prefix}${queue}`),
      processNonPersistent: attribute(individual, 'processNonPersistent') === 'true',
      forcePersistent,
      description: `individual dead-letter queues ${prefix}<queue>`,
    };
  }
  const shared = /<sharedDeadLetterStrategy\b[^>]*\/?>/.exec(text)?.[0];
  return {
    deadLetterQueue: () => 'ActiveMQ.DLQ',
    processNonPersistent: shared !== undefined && attribute(shared, 'processNonPersistent') === 'true',
    forcePersistent,
    description: 'the shared dead-letter queue ActiveMQ.DLQ',
  };
}
