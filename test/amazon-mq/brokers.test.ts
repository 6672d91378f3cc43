import { randomUUID } from 'node:crypto';
import * as amqp from 'amqplib';
import type { InvocationResult } from '../../local/lambda/local-function';
import { deadLetterPolicy } from '../../local/mq/activemq-config';
import { ActiveMqEventSource } from '../../local/mq/activemq-event-source';
import { ActiveMqUsers, BrokerLock, type BrokerState, RabbitMqAdmin, readBrokerState } from '../../local/mq/local-brokers';
import { RabbitMqEventSource } from '../../local/mq/rabbitmq-event-source';
import { connectLocalStomp } from '../../local/mq/stomp-client';
import { describeWithBrokers } from './brokers';

const PASSWORD = 'client-test-Password-1!';

/** A fake function: records every event and answers with `outcome(event number)`. */
function recorder(outcome: (n: number, event: Record<string, unknown>) => boolean) {
  const events: Array<Record<string, unknown>> = [];
  const invoke = async (event: unknown): Promise<InvocationResult> => {
    events.push(event as Record<string, unknown>);
    return outcome(events.length, event as Record<string, unknown>)
      ? { ok: true, result: null }
      : { ok: false, error: { errorType: 'Error', errorMessage: 'failed on purpose', trace: [] } };
  };
  return { events, invoke };
}

async function until(what: string, check: () => boolean, seconds = 15): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeWithBrokers('the local broker client tests')('local broker adapters against the real brokers', () => {
  // Collected (not run) when the brokers are not running: placeholders keep the definitions valid.
  const state: BrokerState = readBrokerState() ?? {
    rabbitmq: { host: '127.0.0.1', amqpPort: 0, managementPort: 0, user: '', password: '' },
    activemq: { host: '127.0.0.1', stompPort: 0, openwirePort: 0, usersFile: '/nonexistent', groupsFile: '/nonexistent' },
  };
  const errors: string[] = [];
  const onError = (e: Error) => errors.push(e.message);
  beforeEach(() => errors.splice(0));

  describe('RabbitMQ event source', () => {
    const admin = new RabbitMqAdmin(state.rabbitmq);
    const vhost = `client-test-${randomUUID().slice(0, 8)}`;
    const user = `client-test-${randomUUID().slice(0, 8)}`;
    let connection: amqp.ChannelModel;
    let channel: amqp.ConfirmChannel;

    beforeAll(async () => {
      await admin.addVhost(vhost);
      await admin.addUser(user, PASSWORD, vhost);
      connection = await amqp.connect({
        hostname: state.rabbitmq.host,
        port: state.rabbitmq.amqpPort,
        username: user,
        password: PASSWORD,
        vhost,
      });
      channel = await connection.createConfirmChannel();
      await channel.assertExchange('q.dlx', 'direct', { durable: true });
      await channel.assertQueue('q.dlq', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      await channel.bindQueue('q.dlq', 'q.dlx', 'q.dlq');
      await channel.assertQueue('q', {
        durable: true,
        arguments: {
          'x-queue-type': 'quorum',
          'x-delivery-limit': 2,
          'x-dead-letter-exchange': 'q.dlx',
          'x-dead-letter-routing-key': 'q.dlq',
        },
      });
    });

    afterAll(async () => {
      await connection?.close();
      await admin.deleteVhost(vhost);
      await admin.deleteUser(user);
    });

    const source = (invoke: (event: unknown) => Promise<InvocationResult>, password = PASSWORD) =>
      new RabbitMqEventSource(
        {
          logicalId: 'Mapping',
          brokerArn: 'arn:aws:mq:us-east-1:000000000000:broker:b:b-1',
          queue: 'q',
          templateVhost: '/',
          vhost,
          host: state.rabbitmq.host,
          port: state.rabbitmq.amqpPort,
          batchSize: 3,
          batchingWindowMs: 200,
          enabled: true,
          credentials: () => ({ username: user, password }),
          retryDelaySeconds: 0,
          onError,
        },
        invoke,
      );

    test('the event AWS sends, acknowledged only on success; a failing message dead-lettered at the delivery limit', async () => {
      const fn = recorder((_n, event) => !JSON.stringify(event).includes(Buffer.from('poison').toString('base64')));
      const es = source(fn.invoke);
      es.start();
      try {
        channel.sendToQueue('q', Buffer.from('ok-1'), {
          persistent: true,
          messageId: 'm1',
          contentType: 'text/plain',
          headers: { h: 'v' },
          timestamp: 0,
        });
        await channel.waitForConfirms();
        await until('the first batch', () => es.stats.acknowledged === 1);
        const first = fn.events[0] as { rmqMessagesByQueue: Record<string, Array<Record<string, unknown>>> };
        expect(Object.keys(first.rmqMessagesByQueue)).toEqual(['q::/']);
        expect(first).toMatchObject({ eventSource: 'aws:rmq', eventSourceArn: 'arn:aws:mq:us-east-1:000000000000:broker:b:b-1' });
        expect(first.rmqMessagesByQueue['q::/'][0]).toEqual({
          basicProperties: expect.objectContaining({
            contentType: 'text/plain',
            messageId: 'm1',
            deliveryMode: 2,
            headers: { h: { bytes: [118] } },
            timestamp: 'Jan 1, 1970, 12:00:00 AM',
            bodySize: 4,
          }),
          redelivered: false,
          data: Buffer.from('ok-1').toString('base64'),
        });

        channel.sendToQueue('q', Buffer.from('poison'), { persistent: true, messageId: 'p1' });
        await channel.waitForConfirms();
        await until('the dead letter', () => es.stats.failedBatches === 3);
        await new Promise((r) => setTimeout(r, 300));
        expect(es.stats.failedBatches).toBe(3); // delivery limit 2: three deliveries, then dead-lettered
        const dead = await channel.get('q.dlq', { noAck: true });
        expect(dead === false ? undefined : dead.content.toString()).toBe('poison');
        expect(await channel.checkQueue('q')).toMatchObject({ messageCount: 0 });
      } finally {
        await es.stop();
      }
    }, 30_000);

    test('refused credentials: one EVENT_SOURCE_AUTHN_ERROR, and the mapping stops polling', async () => {
      const es = source(recorder(() => true).invoke, 'wrong-password-123');
      es.start();
      await until('the error', () => errors.length > 0);
      await es.stop();
      expect(errors).toEqual([expect.stringMatching(/^Amazon MQ event source Mapping \(RabbitMQ queue q\): EVENT_SOURCE_AUTHN_ERROR: /)]);
    }, 20_000);
  });

  describe('ActiveMQ event source', () => {
    const users = new ActiveMqUsers(state.activemq);
    const user = `client-test-${randomUUID().slice(0, 8)}`;
    const queue = `client-test-${randomUUID().slice(0, 8)}`;
    beforeAll(() => users.add(user, PASSWORD));
    afterAll(() => users.remove(user));

    const source = (invoke: (event: unknown) => Promise<InvocationResult>, xml: string | undefined, password = PASSWORD) =>
      new ActiveMqEventSource(
        {
          logicalId: 'Mapping',
          brokerArn: 'arn:aws:mq:us-east-1:000000000000:broker:b:b-2',
          queue,
          host: state.activemq.host,
          port: state.activemq.stompPort,
          batchSize: 5,
          batchingWindowMs: 200,
          enabled: true,
          credentials: () => ({ username: user, password }),
          deadLetters: deadLetterPolicy(xml),
          retryDelaySeconds: 0,
          onError,
        },
        invoke,
      );

    async function send(body: string, headers: Record<string, string>) {
      const { client } = await connectLocalStomp(state.activemq.host, state.activemq.stompPort, user, PASSWORD);
      await new Promise<void>((resolve) => {
        client.watchForReceipt('r', () => resolve());
        client.publish({ destination: `/queue/${queue}`, body, headers: { ...headers, receipt: 'r' }, skipContentLengthHeader: true });
      });
      await client.deactivate();
    }

    async function drain(name: string): Promise<Array<{ body: string; headers: Record<string, string> }>> {
      const { client } = await connectLocalStomp(state.activemq.host, state.activemq.stompPort, user, PASSWORD);
      const got: Array<{ body: string; headers: Record<string, string> }> = [];
      client.subscribe(`/queue/${name}`, (m) => got.push({ body: m.body, headers: m.headers }), { ack: 'auto' });
      await new Promise((r) => setTimeout(r, 500));
      await client.deactivate();
      return got;
    }

    test('text messages as jms/text-message with their properties; 7 deliveries, then the configured dead-letter queue', async () => {
      const xml = '<individualDeadLetterStrategy queuePrefix="DLQ." useQueueForQueueMessages="true"/>';
      const fn = recorder((n) => n === 1);
      const es = source(fn.invoke, xml);
      es.start();
      try {
        await send('hello', { persistent: 'true', 'correlation-id': 'c1', custom: 'x' });
        await until('the first batch', () => es.stats.acknowledged === 1);
        const first = fn.events[0] as { messages: Array<Record<string, unknown>> };
        expect(first).toMatchObject({ eventSource: 'aws:mq', eventSourceArn: 'arn:aws:mq:us-east-1:000000000000:broker:b:b-2' });
        expect(first.messages[0]).toMatchObject({
          messageType: 'jms/text-message',
          deliveryMode: 2,
          correlationId: 'c1',
          redelivered: false,
          destination: { physicalName: queue },
          data: Buffer.from('hello').toString('base64'),
          properties: { custom: 'x' },
        });
        expect(String(first.messages[0].messageID)).toMatch(/^ID:/);

        await send('poison', { persistent: 'true' });
        await until('the dead letter', () => es.stats.deadLettered === 1, 20);
        expect(es.stats.failedBatches).toBe(7);
        const redelivered = (fn.events.slice(2) as Array<{ messages: Array<{ redelivered: boolean }> }>).every(
          (e) => e.messages[0].redelivered,
        );
        expect(redelivered).toBe(true);
        const dead = await drain(`DLQ.${queue}`);
        expect(dead.map((d) => d.body)).toEqual(['poison']);
        expect(dead[0].headers.dlqDeliveryFailureCause).toMatch(
          /^java.lang.Throwable: Delivery\[7\] exceeds redelivery policy limit; Error: failed on purpose/,
        );
        expect(await drain(queue)).toEqual([]);
      } finally {
        await es.stop();
      }
    }, 40_000);

    test('without a configuration: the shared ActiveMQ.DLQ, and non-persistent poison is discarded, as ActiveMQ does', async () => {
      const fn = recorder(() => false);
      const es = source(fn.invoke, undefined);
      es.start();
      try {
        await send('gone', { persistent: 'false' });
        await until('seven failures', () => es.stats.failedBatches === 7, 20);
        await new Promise((r) => setTimeout(r, 300));
        expect(es.stats.deadLettered).toBe(0);
        expect(await drain(queue)).toEqual([]);
      } finally {
        await es.stop();
      }
    }, 40_000);

    test('refused credentials: one EVENT_SOURCE_AUTHN_ERROR, and the mapping stops polling', async () => {
      const es = source(recorder(() => true).invoke, undefined, 'wrong-password-123');
      es.start();
      await until('the error', () => errors.length > 0);
      await es.stop();
      expect(errors).toEqual([expect.stringMatching(/^Amazon MQ event source Mapping \(ActiveMQ queue .*\): EVENT_SOURCE_AUTHN_ERROR: /)]);
    }, 20_000);
  });

  test('one amazon-mq runtime per local broker: a second claim is one clear error; released claims can be taken again', () => {
    const lock = BrokerLock.acquire('LockTest');
    try {
      expect(() => BrokerLock.acquire('LockTest')).toThrow(
        /^the local LockTest broker is in use by another local runtime \(process \d+, this one\): run one amazon-mq runtime at a time$/,
      );
    } finally {
      lock.release();
    }
    BrokerLock.acquire('LockTest').release();
  });
});
