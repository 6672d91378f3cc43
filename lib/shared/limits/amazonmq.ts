import type { DocumentedSetting } from '../limits';

/**
 * Amazon MQ and its Lambda event source mapping: the documented numbers the amazon-mq pattern enforces.
 * Sources: Amazon MQ Developer Guide (broker users, engine versions, deployment modes), the
 * AWS::AmazonMQ::Broker User reference, and the Lambda Developer Guide ("Using Lambda with Amazon MQ",
 * "Troubleshoot Amazon MQ event source mapping errors").
 */
export const AMAZON_MQ = {
  /** Broker user passwords: at least 12 characters (AWS::AmazonMQ::Broker User, Password). */
  passwordLength: { min: 12, max: 4096, unit: 'characters', source: 'Amazon MQ broker users; Secrets Manager GetRandomPassword' },
  /** Broker user passwords: at least 4 unique characters. */
  passwordMinUniqueCharacters: 4,
  /** Characters a broker password must not contain. */
  passwordForbiddenCharacters: ',:=',
  /** The project's generated password length. */
  defaultPasswordLength: 32,
  /** Broker user names: 2 to 100 characters. */
  usernameLength: { min: 2, max: 100, unit: 'characters', source: 'Amazon MQ broker users' },
  /** Amazon MQ refuses `guest` as a RabbitMQ user name. */
  forbiddenUsername: 'guest',
  /** RabbitMQ brokers take exactly one (administrative) user in the template. */
  rabbitMqTemplateUsers: 1,
  /** Lambda MQ event source: batch size 1 to 10,000 (default 100). */
  batchSize: { min: 1, max: 10_000, unit: 'records', source: 'Lambda, Amazon MQ event source' },
  serviceDefaultBatchSize: 100,
  /** Lambda MQ event source: batching window 0 to 300 s (Amazon MQ default 0.5 s). */
  batchingWindowSeconds: { min: 0, max: 300, unit: 's', source: 'Lambda event source mapping' },
  /** Lambda's invocation payload limit; records that make a batch larger are dropped unprocessed. */
  invocationPayloadBytes: 6 * 1024 * 1024,
  /** The ActiveMQ event source redelivers a failed batch at most 6 times, then the broker dead-letters it. */
  activeMqMaximumRedeliveries: 6,
  /** Concurrent invocations per event source mapping: 5 for ActiveMQ, 1 for RabbitMQ. */
  activeMqMappingConcurrency: 5,
  rabbitMqMappingConcurrency: 1,
  /** RabbitMQ quorum queue delivery limit: returns before the message is dead-lettered (1 or more). */
  deliveryLimit: { min: 1, max: 1000, unit: 'returns', source: 'RabbitMQ quorum queues, x-delivery-limit' },
  /** RabbitMQ 4.x applies this delivery limit to quorum queues that set none. */
  rabbitMq4DefaultDeliveryLimit: 20,
  /** The largest message the producers accept (the project's bound, so that batches stay under 6 MB). */
  maxMessageBytes: { min: 1, max: 256 * 1024, unit: 'bytes', source: 'this project (Lambda 6 MB payload per batch)' },
  /** Messages per producer request. */
  maxMessagesPerRequest: 100,
  /** TLS listener ports of Amazon MQ brokers. */
  ports: { amqps: 5671, stompSsl: 61614, openWireSsl: 61617, https: 443 },
} as const;

/** The user-name characters each engine accepts (AWS::AmazonMQ::Broker User, Username). */
export const MQ_USERNAME_PATTERNS = {
  RABBITMQ: /^[A-Za-z0-9._-]+$/,
  ACTIVEMQ: /^[A-Za-z0-9._~-]+$/,
} as const;

/** Engine versions and instance types the pattern deploys (Amazon MQ Developer Guide, version management). */
export const AMAZON_MQ_ENGINES = {
  /** RabbitMQ 4.2 is the recommended version and runs only on mq.m7g instances. */
  RABBITMQ: { version: '4.2', sandboxInstance: 'mq.m7g.medium', productionInstance: 'mq.m7g.large' },
  /** ActiveMQ 5.19 is the recommended version; mq.t3.micro runs single-instance brokers only. */
  ACTIVEMQ: { version: '5.19', sandboxInstance: 'mq.t3.micro', productionInstance: 'mq.m5.large' },
} as const;

/** The amazon-mq guide's limits table. */
export const AMAZON_MQ_SETTINGS: readonly DocumentedSetting[] = [
  {
    setting: 'Broker user password length (generated in Secrets Manager, without `,` `:` `=`)',
    prop: 'passwordLength',
    allowed: AMAZON_MQ.passwordLength,
    projectDefault: AMAZON_MQ.defaultPasswordLength,
    citation: 'AWS::AmazonMQ::Broker User, Password',
  },
  {
    setting: 'Broker user name length (never `guest`)',
    prop: 'username',
    allowed: AMAZON_MQ.usernameLength,
    citation: 'AWS::AmazonMQ::Broker User, Username',
  },
  {
    setting: 'Event source batch size (x largest message x 4/3 must stay under 6 MB)',
    prop: 'batchSize',
    allowed: AMAZON_MQ.batchSize,
    serviceDefault: AMAZON_MQ.serviceDefaultBatchSize,
    projectDefault: 10,
    citation: 'Lambda Developer Guide, "Using Lambda with Amazon MQ"',
  },
  {
    setting: 'Event source batching window',
    prop: 'maxBatchingWindow',
    allowed: AMAZON_MQ.batchingWindowSeconds,
    projectDefault: 1,
    citation: 'Lambda Developer Guide, event source mapping parameters',
  },
  {
    setting: 'RabbitMQ delivery limit (returns before dead-lettering)',
    prop: 'deliveryLimit',
    allowed: AMAZON_MQ.deliveryLimit,
    serviceDefault: AMAZON_MQ.rabbitMq4DefaultDeliveryLimit,
    projectDefault: 4,
    citation: 'RabbitMQ quorum queues; Amazon MQ for RabbitMQ 4',
  },
  {
    setting: 'Largest message a producer accepts',
    prop: 'maxMessageBytes',
    allowed: AMAZON_MQ.maxMessageBytes,
    projectDefault: 64 * 1024,
    citation: 'this project: keeps batchSize x size x 4/3 under the Lambda 6 MB payload',
  },
];

const count = (n: number) => n.toLocaleString('en-US');

/** Facts the amazon-mq guide states in prose, rendered from the constants above. */
export const AMAZON_MQ_FACTS: readonly string[] = [
  `Broker passwords: at least ${AMAZON_MQ.passwordLength.min} characters, at least ${AMAZON_MQ.passwordMinUniqueCharacters} unique, none of \`,\` \`:\` \`=\`; user names ${AMAZON_MQ.usernameLength.min} to ${AMAZON_MQ.usernameLength.max} characters, never \`${AMAZON_MQ.forbiddenUsername}\` (AWS::AmazonMQ::Broker User).`,
  `A RabbitMQ broker takes exactly ${AMAZON_MQ.rabbitMqTemplateUsers} user in its template (the administrator); further users are made through the RabbitMQ management API.`,
  `Engine versions: RabbitMQ ${AMAZON_MQ_ENGINES.RABBITMQ.version} (recommended; mq.m7g instances only) and ActiveMQ ${AMAZON_MQ_ENGINES.ACTIVEMQ.version} (recommended) (Amazon MQ Developer Guide, version management).`,
  `Lambda runs at most ${AMAZON_MQ.activeMqMappingConcurrency} concurrent environments per ActiveMQ event source mapping and ${AMAZON_MQ.rabbitMqMappingConcurrency} per RabbitMQ mapping; reserved concurrency does not raise it (Lambda Developer Guide, "Using Lambda with Amazon MQ").`,
  `The ActiveMQ event source redelivers a failed batch at most ${AMAZON_MQ.activeMqMaximumRedeliveries} times (${AMAZON_MQ.activeMqMaximumRedeliveries + 1} deliveries), then the broker dead-letters it; Lambda fixes this policy (Lambda Developer Guide, "Troubleshoot Amazon MQ event source mapping errors").`,
  `Invocation payloads are at most ${count(AMAZON_MQ.invocationPayloadBytes)} bytes; records that do not fit are dropped unprocessed, so batch size x largest message x 4/3 (base64) must stay below it.`,
  'Amazon MQ event sources have no partial batch response: one failing record fails its whole batch, and every record of it is delivered again.',
  `Amazon MQ for RabbitMQ 4 applies a delivery limit of ${AMAZON_MQ.rabbitMq4DefaultDeliveryLimit} to quorum queues that set none; classic queues have no delivery limit, so a poison message on one is redelivered forever.`,
];
