import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { parseEndpoints } from '../../lambda/amazon-mq/broker-endpoint';
import { mqRecords } from '../../lambda/amazon-mq/mq-event';
import { parseRequest } from '../../lambda/amazon-mq/publish-request';

process.env.POWERTOOLS_DEV = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.PROCESSED_TABLE_NAME = 'processed';
process.env.BROKER_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:broker-AbCdEf';
process.env.QUEUE_NAME = 'orders';
process.env.DEAD_LETTER_EXCHANGE = 'orders.dlx';
process.env.DEAD_LETTER_QUEUE = 'orders.dlq';
process.env.DELIVERY_LIMIT = '4';
process.env.MAX_MESSAGE_BYTES = '1024';

const dynamo = mockClient(DynamoDBClient);
let secrets = mockClient(SecretsManagerClient);
const CREDENTIALS = { SecretString: JSON.stringify({ username: 'app', password: 'p4ssw0rd-long!' }) };

/** A producer module loaded fresh (its environment read anew), with the fresh SDK module's client mocked. */
function freshProducer<T>(module: string): T {
  const sdk = require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
  secrets = mockClient(sdk.SecretsManagerClient);
  secrets.on(sdk.GetSecretValueCommand).resolves(CREDENTIALS);
  return require(module) as T;
}

function secretCalls() {
  const sdk = require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
  return secrets.commandCalls(sdk.GetSecretValueCommand);
}
const context = { functionName: 'test', awsRequestId: 'req' } as Context;
const b64 = (text: string) => Buffer.from(text).toString('base64');

function rabbitEvent(bodies: Array<{ text: string; redelivered?: boolean; headers?: Record<string, unknown> }>) {
  return {
    eventSource: 'aws:rmq',
    eventSourceArn: 'arn:aws:mq:us-east-1:111122223333:broker:b:b-1',
    rmqMessagesByQueue: {
      'orders::/': bodies.map((b, i) => ({
        basicProperties: { messageId: `m${i}`, headers: b.headers ?? {} },
        redelivered: b.redelivered ?? false,
        data: b64(b.text),
      })),
    },
  };
}

function activeEvent(bodies: Array<{ text: string; redelivered?: boolean }>) {
  return {
    eventSource: 'aws:mq',
    eventSourceArn: 'arn:aws:mq:us-east-1:111122223333:broker:b:b-2',
    messages: bodies.map((b, i) => ({
      messageID: `ID:a-${i}`,
      messageType: 'jms/text-message',
      data: b64(b.text),
      redelivered: b.redelivered ?? false,
      destination: { physicalName: 'orders' },
      properties: null,
    })),
  };
}

const order = (orderId: string, extra: Record<string, unknown> = {}) => JSON.stringify({ orderId, amountCents: 100, ...extra });

beforeEach(() => {
  dynamo.reset();
  secrets.reset();
  dynamo.on(PutItemCommand).resolves({});
  secrets.on(GetSecretValueCommand).resolves(CREDENTIALS);
});

describe('Amazon MQ events', () => {
  test('RabbitMQ: records per queue key, headers decoded from bytes, delivery count read', () => {
    const event = rabbitEvent([{ text: 'a', redelivered: true, headers: { 'x-delivery-count': 2, tag: { bytes: [104, 105] } } }]);
    expect(mqRecords(event)).toEqual([
      {
        engine: 'RABBITMQ',
        queue: 'orders',
        messageId: 'm0',
        text: 'a',
        redelivered: true,
        deliveryCount: 2,
        properties: { 'x-delivery-count': 2, tag: 'hi' },
      },
    ]);
  });

  test('ActiveMQ: messages with base64 data', () => {
    expect(mqRecords(activeEvent([{ text: 'é' }]))[0]).toMatchObject({
      engine: 'ACTIVEMQ',
      queue: 'orders',
      messageId: 'ID:a-0',
      text: 'é',
    });
  });

  test('anything else is one clear error', () => {
    expect(() => mqRecords({ Records: [] })).toThrow(/^not an Amazon MQ event: /);
  });
});

describe('consumer', () => {
  const load = () => require('../../lambda/amazon-mq/consumer') as typeof import('../../lambda/amazon-mq/consumer');

  test('writes each order once, conditionally, and acknowledges the batch by returning', async () => {
    const { handler } = load();
    await expect(handler(rabbitEvent([{ text: order('o1') }, { text: order('o2') }]), context)).resolves.toEqual({
      processed: 2,
      duplicates: 0,
    });
    const puts = dynamo.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.Item?.id.S)).toEqual(['o1', 'o2']);
    expect(puts[0]).toMatchObject({ TableName: 'processed', ConditionExpression: 'attribute_not_exists(id)' });
    expect(puts[0].Item).toMatchObject({ engine: { S: 'RABBITMQ' }, queue: { S: 'orders' }, amountCents: { N: '100' } });
  });

  test('a redelivered order already processed does no second work', async () => {
    dynamo.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    await expect(load().handler(activeEvent([{ text: order('o1'), redelivered: true }]), context)).resolves.toEqual({
      processed: 0,
      duplicates: 1,
    });
  });

  test('an invalid record fails the batch after the valid ones are processed, naming it', async () => {
    const event = rabbitEvent([
      { text: order('good') },
      { text: JSON.stringify({ orderId: 'bad', amountCents: 'x' }) },
      { text: 'not json' },
    ]);
    await expect(load().handler(event, context)).rejects.toThrow(
      /^2 of 3 records failed \(bad, m2\): the broker delivers the batch again$/,
    );
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(1);
  });

  test('the crash marker stops the batch on its first delivery only, after the records before it', async () => {
    const bodies = [{ text: order('c0') }, { text: order('c1', { crash: 'first-delivery' }) }, { text: order('c2') }];
    await expect(load().handler(rabbitEvent(bodies), context)).rejects.toThrow(
      /^crashed at order c1 on its first delivery, after 1 records$/,
    );
    expect(dynamo.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item?.id.S)).toEqual(['c0']);
    const redelivered = bodies.map((b) => ({ ...b, redelivered: true }));
    await expect(load().handler(rabbitEvent(redelivered), context)).resolves.toEqual({ processed: 3, duplicates: 0 });
  });

  test('a DynamoDB failure fails the batch (it is delivered again)', async () => {
    dynamo.on(PutItemCommand).rejects(new Error('throttled'));
    await expect(load().handler(rabbitEvent([{ text: order('o1') }]), context)).rejects.toThrow('throttled');
  });
});

describe('dead-letter recorder', () => {
  const load = () => require('../../lambda/amazon-mq/dead-letter-recorder') as typeof import('../../lambda/amazon-mq/dead-letter-recorder');

  test('keeps the body and why the broker dead-lettered it, keyed by engine and order id', async () => {
    const event = rabbitEvent([
      { text: JSON.stringify({ orderId: 'p0' }), headers: { 'x-first-death-reason': { bytes: [...Buffer.from('delivery_limit')] } } },
    ]);
    await expect(load().handler(event, context)).resolves.toEqual({ recorded: 1 });
    expect(dynamo.commandCalls(PutItemCommand)[0].args[0].input.Item).toMatchObject({
      id: { S: 'dead-letter#RABBITMQ#p0' },
      reason: { S: 'delivery_limit' },
      body: { S: '{"orderId":"p0"}' },
      truncated: { BOOL: false },
    });
  });

  test('a body without an order id is keyed by the message id; recording twice is not an error', async () => {
    dynamo.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    await expect(load().handler(activeEvent([{ text: 'garbage' }]), context)).resolves.toEqual({ recorded: 0 });
    expect(dynamo.commandCalls(PutItemCommand)[0].args[0].input.Item?.id.S).toBe('dead-letter#ACTIVEMQ#ID:a-0');
  });
});

describe('producer requests and endpoints', () => {
  test('messages: 1 to 100, each body within the byte limit; every bad field named in one line', () => {
    expect(parseRequest({ messages: [{ id: 'a', body: { x: 1 } }, { body: 'raw' }] }, 1024)).toEqual({
      kind: 'publish',
      messages: [
        { id: 'a', text: '{"x":1}' },
        { id: undefined, text: 'raw' },
      ],
    });
    expect(() => parseRequest({ messages: [] }, 1024)).toThrow(/^invalid request: /);
    expect(() => parseRequest({ messages: Array.from({ length: 101 }, () => ({ body: 'x' })) }, 1024)).toThrow(/invalid request/);
    expect(() => parseRequest({ messages: [{ id: 'has space', body: 'x' }] }, 1024)).toThrow(/messages\.0\.id: must be 1 to 128 letters/);
    expect(() => parseRequest({ messages: [{ body: 'x'.repeat(1025) }] }, 1024)).toThrow(
      /^invalid request: messages\.0\.body: 1025 bytes is over the 1024-byte limit$/,
    );
    expect(parseRequest({ checkCredentials: 'AWSPENDING' }, 1024)).toEqual({ kind: 'check', stage: 'AWSPENDING' });
  });

  test('TLS endpoints, several for an active/standby pair; plain text only on loopback; vhost from the path', () => {
    expect(
      parseEndpoints('stomp+ssl://b-1.mq.eu-west-1.amazonaws.com:61614,stomp+ssl://b-2.mq.eu-west-1.amazonaws.com:61614'),
    ).toHaveLength(2);
    expect(parseEndpoints('amqps://b.mq.eu-west-1.amazonaws.com:5671')[0]).toMatchObject({ tls: true, port: 5671, vhost: '/' });
    expect(parseEndpoints('amqp://127.0.0.1:5672/decoupling-1')[0]).toMatchObject({ tls: false, vhost: 'decoupling-1' });
    expect(() => parseEndpoints('amqp://b.mq.eu-west-1.amazonaws.com:5672')).toThrow(
      /refusing a plain-text connection to amqp:\/\/b.mq.eu-west-1.amazonaws.com:5672: Amazon MQ endpoints are TLS/,
    );
    expect(() => parseEndpoints('')).toThrow(/no broker endpoint configured/);
  });
});

describe('RabbitMQ producer (amqplib mocked)', () => {
  const sent: Array<{ queue: string; body: string; options: Record<string, unknown> }> = [];
  const declared: Array<[string, unknown]> = [];
  let refuse = 0;

  beforeEach(() => {
    sent.length = 0;
    declared.length = 0;
    refuse = 0;
    jest.resetModules();
    process.env.BROKER_ENDPOINTS = 'amqps://b.mq.eu-west-1.amazonaws.com:5671';
    jest.doMock('amqplib', () => ({
      connect: jest.fn(async (options: { username: string }) => {
        if (refuse > 0) {
          refuse--;
          throw new Error('Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused"');
        }
        const channel = {
          on: jest.fn(),
          assertExchange: jest.fn(async (name: string) => declared.push([name, 'exchange'])),
          assertQueue: jest.fn(async (name: string, o: { arguments: unknown }) => declared.push([name, o.arguments])),
          bindQueue: jest.fn(async () => undefined),
          sendToQueue: jest.fn((queue: string, content: Buffer, o: Record<string, unknown>) => {
            sent.push({ queue, body: content.toString(), options: o });
            return true;
          }),
          waitForConfirms: jest.fn(async () => undefined),
          close: jest.fn(async () => undefined),
        };
        return {
          user: options.username,
          on: jest.fn(),
          createConfirmChannel: jest.fn(async () => channel),
          close: jest.fn(async () => undefined),
        };
      }),
    }));
  });

  afterEach(() => jest.dontMock('amqplib'));

  const load = () => freshProducer<typeof import('../../lambda/amazon-mq/rabbitmq-producer')>('../../lambda/amazon-mq/rabbitmq-producer');

  test('declares the quorum queue with its delivery limit and dead-letter exchange, publishes persistent messages with confirms', async () => {
    const result = await load().handler({ messages: [{ id: 'o1', body: { orderId: 'o1' } }] }, context);
    expect(result).toEqual({ engine: 'RABBITMQ', queue: 'orders', published: 1 });
    expect(declared).toEqual([
      ['orders.dlx', 'exchange'],
      ['orders.dlq', { 'x-queue-type': 'classic' }],
      [
        'orders',
        {
          'x-queue-type': 'quorum',
          'x-delivery-limit': 4,
          'x-dead-letter-exchange': 'orders.dlx',
          'x-dead-letter-routing-key': 'orders.dlq',
        },
      ],
    ]);
    expect(sent).toEqual([
      { queue: 'orders', body: '{"orderId":"o1"}', options: expect.objectContaining({ persistent: true, messageId: 'o1' }) },
    ]);
    expect(secretCalls()[0].args[0].input).toEqual({
      SecretId: process.env.BROKER_SECRET_ARN,
      VersionStage: 'AWSCURRENT',
    });
  });

  test('refused credentials: read the secret again once (rotation), then one clear error naming user, secret and stage', async () => {
    refuse = 1;
    await expect(load().handler({ messages: [{ body: 'x' }] }, context)).resolves.toMatchObject({ published: 1 });
    expect(secretCalls()).toHaveLength(2);
    refuse = 2;
    jest.resetModules();
    const error = await load()
      .handler({ messages: [{ body: 'x' }] }, context)
      .catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'BrokerAuthenticationError' });
    expect((error as Error).message).toMatch(
      /^the broker at amqps:\/\/b.mq.eu-west-1.amazonaws.com:5671 refused user app \(credentials from secret arn:aws:secretsmanager:.*, stage AWSCURRENT\): Handshake terminated by server: 403/,
    );
  });

  test('checkCredentials tests a secret stage without publishing', async () => {
    refuse = 1;
    await expect(load().handler({ checkCredentials: 'AWSPENDING' }, context)).rejects.toThrow(/refused user app .*stage AWSPENDING/);
    expect(sent).toEqual([]);
    expect(secretCalls().map((c) => c.args[0].input.VersionStage)).toContain('AWSPENDING');
  });

  test('a bad request publishes nothing', async () => {
    await expect(load().handler({ messages: 'nope' }, context)).rejects.toThrow(/^invalid request: /);
    expect(sent).toEqual([]);
  });
});

describe('ActiveMQ producer (STOMP connection mocked)', () => {
  const frames: Array<{ destination: string; body: string; headers: Record<string, string> }> = [];
  let failConnect: Error | undefined;

  beforeEach(() => {
    frames.length = 0;
    failConnect = undefined;
    jest.resetModules();
    process.env.BROKER_ENDPOINTS = 'stomp+ssl://b-1.mq.eu-west-1.amazonaws.com:61614,stomp+ssl://b-2.mq.eu-west-1.amazonaws.com:61614';
    jest.doMock('../../lambda/amazon-mq/stomp-connection', () => ({
      connectStomp: jest.fn(async (target: { host: string }) => {
        if (failConnect) throw failConnect;
        if (target.host.startsWith('b-1'))
          throw new (jest.requireActual('../../lambda/amazon-mq/broker-errors').BrokerUnreachableError)('standby');
        return { client: {}, closed: () => false, dropped: new Promise(() => undefined), close: jest.fn(async () => undefined) };
      }),
      sendWithReceipt: jest.fn(async (_c: unknown, destination: string, body: string, headers: Record<string, string>) => {
        frames.push({ destination, body, headers });
      }),
    }));
  });

  afterEach(() => jest.dontMock('../../lambda/amazon-mq/stomp-connection'));

  const load = () => freshProducer<typeof import('../../lambda/amazon-mq/activemq-producer')>('../../lambda/amazon-mq/activemq-producer');

  test('fails over to the active broker and sends persistent messages, each with a receipt', async () => {
    await expect(load().handler({ messages: [{ id: 'o1', body: { orderId: 'o1' } }, { body: 'raw' }] }, context)).resolves.toEqual({
      engine: 'ACTIVEMQ',
      queue: 'orders',
      published: 2,
    });
    expect(frames).toEqual([
      {
        destination: '/queue/orders',
        body: '{"orderId":"o1"}',
        headers: { persistent: 'true', 'content-type': 'application/json', 'correlation-id': 'o1' },
      },
      { destination: '/queue/orders', body: 'raw', headers: { persistent: 'true', 'content-type': 'application/json' } },
    ]);
  });

  test('a refused login is one clear error naming the secret and stage; unreachable brokers name every endpoint', async () => {
    const { BrokerAuthenticationError } = jest.requireActual('../../lambda/amazon-mq/broker-errors');
    failConnect = new BrokerAuthenticationError('the broker at stomp+ssl://b-1 refused user app: User name [app] or password is invalid.');
    await expect(load().handler({ checkCredentials: 'AWSPENDING' }, context)).rejects.toThrow(
      /^the broker at stomp\+ssl:\/\/b-1 refused user app: User name \[app\] or password is invalid\. \(credentials from secret .*, stage AWSPENDING\)$/,
    );
    jest.resetModules();
    failConnect = new Error('ECONNREFUSED');
    await expect(load().handler({ messages: [{ body: 'x' }] }, context)).rejects.toThrow(
      /^cannot reach the ActiveMQ broker: stomp\+ssl:\/\/b-1\.mq\.eu-west-1\.amazonaws\.com:61614: ECONNREFUSED; stomp\+ssl:\/\/b-2\.mq\.eu-west-1\.amazonaws\.com:61614: ECONNREFUSED$/,
    );
  });
});
