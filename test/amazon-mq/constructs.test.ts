import { Duration, type Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  BrokerConsumer,
  BrokerCredentials,
  type BrokerEngine,
  BrokerNetwork,
  BrokerProducer,
  BrokerQueue,
  MessageBroker,
  type MessageBrokerProps,
} from '../../lib/amazon-mq';
import { HandlerFunction } from '../../lib/shared/handler-function';
import { errorOf, testStack } from '../helpers';

function network(stack: Stack, maxAzs = 1) {
  return new BrokerNetwork(stack, 'Network', { maxAzs, logRetention: logs.RetentionDays.ONE_WEEK });
}

function broker(stack: Stack, engine: BrokerEngine, props: Partial<MessageBrokerProps> = {}, maxAzs = 1) {
  const net = props.vpc ? undefined : network(stack, maxAzs);
  const credentials = new BrokerCredentials(stack, 'User', { engine });
  return new MessageBroker(stack, 'Broker', {
    engine,
    vpc: net?.vpc as MessageBrokerProps['vpc'],
    credentials,
    logRetention: logs.RetentionDays.ONE_WEEK,
    ...props,
  });
}

describe('BrokerCredentials guards Amazon MQ user rules', () => {
  test.each([
    ['RABBITMQ', 'a', /username = "a" must be 2 to 100 characters/],
    ['RABBITMQ', 'x'.repeat(101), /must be 2 to 100 characters/],
    ['RABBITMQ', 'guest', /username = "guest" is refused by Amazon MQ/],
    ['ACTIVEMQ', 'Guest', /is refused by Amazon MQ/],
    ['RABBITMQ', 'app~1', /has characters RABBITMQ user names do not allow: allowed letters, digits, - \. _$/],
    ['ACTIVEMQ', 'app user', /has characters ACTIVEMQ user names do not allow: allowed letters, digits, - \. _ ~$/],
  ] as const)('%s user name %j', (engine, username, message) => {
    expect(errorOf(() => new BrokerCredentials(testStack(), 'User', { engine, username }))).toMatch(message);
  });

  test('ActiveMQ accepts a tilde; the error names the construct path', () => {
    expect(() => new BrokerCredentials(testStack(), 'User', { engine: 'ACTIVEMQ', username: 'app~1' })).not.toThrow();
    expect(errorOf(() => new BrokerCredentials(testStack(), 'User', { engine: 'RABBITMQ', username: 'a' }))).toMatch(
      /^Test\/User: username/,
    );
  });

  test.each([
    [11, /passwordLength = 11 characters is out of range: allowed 12 to 4,096|allowed 12 to 4096/],
    [4097, /out of range/],
    [12.5, /must be a whole number/],
  ])('password length %d', (passwordLength, message) => {
    expect(errorOf(() => new BrokerCredentials(testStack(), 'User', { engine: 'RABBITMQ', passwordLength }))).toMatch(message);
  });

  test('excluding a whole character class is refused: four classes guarantee 4 unique characters', () => {
    expect(errorOf(() => new BrokerCredentials(testStack(), 'User', { engine: 'RABBITMQ', excludeCharacters: '0123456789' }))).toMatch(
      /excludeCharacters excludes every one of the digits: the password needs all four character classes so that it has at least 4 unique characters/,
    );
    const punctuation = '!"#$%&\'()*+-./;<>?@[\\]^_`{|}~';
    expect(errorOf(() => new BrokerCredentials(testStack(), 'User', { engine: 'RABBITMQ', excludeCharacters: punctuation }))).toMatch(
      /every one of the punctuation/,
    );
  });
});

describe('MessageBroker guards deploy pitfalls', () => {
  test('a redundant ActiveMQ pair needs two subnets in distinct AZs', () => {
    expect(errorOf(() => broker(testStack(), 'ACTIVEMQ', { highAvailability: true }))).toMatch(
      /vpc has 1 isolated subnet\(s\) in distinct AZs: a ACTIVE_STANDBY_MULTI_AZ ActiveMQ broker needs 2/,
    );
  });

  test('mq.t3.micro runs single instances only', () => {
    expect(errorOf(() => broker(testStack(), 'ACTIVEMQ', { highAvailability: true, instanceType: 'mq.t3.micro' }, 2))).toMatch(
      /instanceType = mq.t3.micro runs single-instance brokers only/,
    );
  });

  test('RabbitMQ 4 runs only on mq.m7g; mq.m7g is for RabbitMQ only', () => {
    expect(errorOf(() => broker(testStack(), 'RABBITMQ', { instanceType: 'mq.t3.micro' }))).toMatch(
      /instanceType = mq.t3.micro: RabbitMQ 4.2 runs only on mq.m7g instance types/,
    );
    expect(() => broker(testStack(), 'RABBITMQ', { instanceType: 'mq.t3.micro', engineVersion: '3.13' })).not.toThrow();
    expect(errorOf(() => broker(testStack(), 'ACTIVEMQ', { instanceType: 'mq.m7g.large' }))).toMatch(
      /mq.m7g instance types are for RabbitMQ only/,
    );
  });

  test('customer-managed keys apply to ActiveMQ only', () => {
    const stack = testStack();
    const encryptionKey = new kms.Key(stack, 'Key');
    expect(errorOf(() => broker(stack, 'RABBITMQ', { encryptionKey }))).toMatch(/encryptionKey is not supported for RabbitMQ brokers/);
  });

  test('maintenance window time and dead-letter prefix', () => {
    expect(errorOf(() => broker(testStack(), 'RABBITMQ', { maintenanceWindow: { dayOfWeek: 'MONDAY', timeOfDay: '25:00' } }))).toMatch(
      /maintenanceWindow.timeOfDay = "25:00" must be HH:MM on a 24-hour clock/,
    );
    expect(errorOf(() => broker(testStack(), 'ACTIVEMQ', { deadLetterQueuePrefix: 'bad prefix' }))).toMatch(
      /deadLetterQueuePrefix = "bad prefix"/,
    );
  });
});

describe('BrokerNetwork, BrokerQueue, BrokerProducer and BrokerConsumer guards', () => {
  test('network: 1 to 3 AZs', () => {
    expect(errorOf(() => network(testStack(), 4))).toMatch(/maxAzs = 4 AZs is out of range: allowed 1 to 3 AZs/);
  });

  test('queue: name characters, RabbitMQ delivery limit 1 to 1,000, none for ActiveMQ', () => {
    const stack = testStack();
    const rabbit = broker(stack, 'RABBITMQ');
    expect(errorOf(() => new BrokerQueue(stack, 'Q1', { broker: rabbit, name: 'has space' }))).toMatch(
      /name = "has space" must be 1 to 200/,
    );
    expect(errorOf(() => new BrokerQueue(stack, 'Q2', { broker: rabbit, name: 'q', deliveryLimit: 0 }))).toMatch(
      /deliveryLimit = 0 returns is out of range/,
    );
    expect(new BrokerQueue(stack, 'Q3', { broker: rabbit, name: 'q', deliveryLimit: 2 }).maxDeliveries).toBe(3);
    const active = testStack();
    const amq = broker(active, 'ACTIVEMQ');
    expect(errorOf(() => new BrokerQueue(active, 'Q', { broker: amq, name: 'q', deliveryLimit: 3 }))).toMatch(
      /deliveryLimit = 3 does not apply to ActiveMQ: the Lambda event source redelivers 6 times/,
    );
    expect(new BrokerQueue(active, 'Q4', { broker: amq, name: 'q' })).toMatchObject({ maxDeliveries: 7, deadLetterQueueName: 'DLQ.q' });
  });

  test('producer: messages up to 256 KiB', () => {
    const stack = testStack();
    const net = network(stack);
    const credentials = new BrokerCredentials(stack, 'User', { engine: 'RABBITMQ' });
    const b = new MessageBroker(stack, 'Broker', {
      engine: 'RABBITMQ',
      vpc: net.vpc,
      credentials,
      logRetention: logs.RetentionDays.ONE_WEEK,
    });
    const queue = new BrokerQueue(stack, 'Queue', { broker: b, name: 'q' });
    expect(
      errorOf(
        () =>
          new BrokerProducer(stack, 'Producer', {
            broker: b,
            credentials,
            network: net,
            queue,
            maxMessageBytes: 300 * 1024,
            logRetention: logs.RetentionDays.ONE_WEEK,
          }),
      ),
    ).toMatch(/maxMessageBytes = 307200 bytes is out of range: allowed 1 to 262144 bytes/);
  });

  test('consumer: batch size 1 to 10,000, window up to 300 s, and batches that fit the 6 MB payload', () => {
    const make = (batchSize: number, maxMessageBytes: number, window = Duration.seconds(1)) => {
      const stack = testStack();
      const b = broker(stack, 'RABBITMQ');
      const handler = new HandlerFunction(stack, 'Fn', { entry: 'amazon-mq/consumer.ts', description: 'x', serviceName: 'x' });
      return new BrokerConsumer(stack, 'Consumer', {
        broker: b,
        credentials: new BrokerCredentials(stack, 'User2', { engine: 'RABBITMQ' }),
        queueName: 'q',
        handler,
        batchSize,
        maxMessageBytes,
        maxBatchingWindow: window,
      });
    };
    expect(errorOf(() => make(0, 1024))).toMatch(/batchSize = 0 records is out of range: allowed 1 to 10000 records/);
    expect(errorOf(() => make(10, 1024, Duration.seconds(301)))).toMatch(/maxBatchingWindow = 301 s is out of range/);
    expect(errorOf(() => make(100, 64 * 1024))).toMatch(
      /batchSize = 100 with messages up to 65536 bytes makes invocations of up to 8738200 bytes \(base64\): Lambda drops records beyond its 6291456-byte payload; use at most 71$/,
    );
    expect(() => make(71, 64 * 1024)).not.toThrow();
  });
});
