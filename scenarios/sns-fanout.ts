import { createHash } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type MessageAttributeValue, PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { requireOutput, type Target } from '../local/target';
import { deletedOf, deleteItems, deleteObjects, drainOptions, drainQueues, plural } from './cleanup';
import { deleteMessages, releaseMessages } from './queue-messages';
import { eventually, expectThat, Run, runId, type ScenarioDefinition, type ScenarioResult } from './scenario';

/** The stack this scenario exercises. */
export const SNS_FANOUT_STACK = 'Decoupling-SnsFanout';

// What the stack's filter policies select (see lib/sns-fanout/sns-fanout-stack.ts and the guide).
const PRIORITY_KINDS = new Set(['order-created', 'order-cancelled']);
const PRIORITY_MIN_AMOUNT = 100;
const SHIPPING_COUNTRIES = new Set(['DE', 'FR', 'NL']);
const KINDS = ['order-created', 'order-updated', 'order-cancelled'];
const AMOUNTS = [50, 100, 150, 99];
const COUNTRIES = ['DE', 'US', 'FR', 'JP', 'NL', 'BR'];

/** SNS's publish limit, message attributes included ("Amazon SNS quotas"). */
const SNS_MAX_MESSAGE_BYTES = 262_144;

// The AWS extended clients' claim-check wire format, written here from its description rather than
// through the project's module, so the scenario also checks that the two agree.
const POINTER_CLASS = 'software.amazon.payloadoffloading.PayloadS3Pointer';

/** The queues a notification of a run can end in: the subscribed queues, their DLQs, the subscriptions' DLQs, the processor's failures. */
const QUEUE_OUTPUTS = [
  ...['Priority', 'Shipping', 'Audit', 'FifoAudit', 'FifoPriority'].flatMap((name) => [
    `${name}QueueUrl`,
    `${name}DeadLetterQueueUrl`,
    `${name}SubscriptionDeadLetterQueueUrl`,
  ]),
  'ProcessorSubscriptionDeadLetterQueueUrl',
  'ProcessorFailuresQueueUrl',
];

/** Options of {@link runSnsFanoutScenario}. */
export interface SnsFanoutScenarioOptions {
  readonly report?: (line: string) => void;
  /** @default 'Decoupling-SnsFanout' */
  readonly stackName?: string;
  /**
   * Size of the claim-checked payload, in bytes.
   * @default 1048576
   */
  readonly largePayloadBytes?: number;
}

interface Notification {
  readonly id: string;
  readonly kind: string;
  readonly amount: number;
  readonly country: string;
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
}

/**
 * The SNS fan-out scenario: publish a mixed set; each filtered queue receives exactly the ids its
 * policy selects, the audit queue and the Lambda subscriber all of them; the FIFO topic keeps order
 * per group and drops duplicates; a 1 MiB payload round-trips byte-identical through the claim
 * check; publishing it without the claim check is refused; a notification the Lambda subscriber
 * rejects ends in its failure destination after the retries, and so does the largest one (256 KiB),
 * whole.
 */
export async function runSnsFanoutScenario(target: Target, options: SnsFanoutScenarioOptions = {}): Promise<ScenarioResult> {
  const run = new Run('sns-fanout', target, options.report);
  const stackName = options.stackName ?? SNS_FANOUT_STACK;
  const sns = new SNSClient(target.clientConfig('sns'));
  const sqs = new SQSClient(target.clientConfig('sqs'));
  const s3 = new S3Client(target.clientConfig('s3'));
  const dynamodb = new DynamoDBClient(target.clientConfig('dynamodb'));
  try {
    const outputs = await target.outputs(stackName);
    const out = (key: string) => requireOutput(outputs, stackName, key);
    const id = runId();
    // Waits follow progress: each may go this long without anything new. Collecting from a queue
    // sees every delivery as progress, so one polling cycle plus slack is enough; a single outcome
    // (a recorded payload, a failure record after retries) gets the longer window.
    const deadline = target.slackSeconds + 4 * target.cycleSeconds;
    const c: Context = { sqs, id, deadline: target.slackSeconds + target.cycleSeconds, cycleSeconds: target.cycleSeconds };

    const notifications: Notification[] = Array.from({ length: 24 }, (_, i) => {
      const kind = KINDS[i % KINDS.length];
      const amount = AMOUNTS[i % AMOUNTS.length];
      const country = COUNTRIES[i % COUNTRIES.length];
      const n = { id: `${id}-n${i}`, kind, amount, order: { shipping: { country } } };
      return { id: n.id, kind, amount, country, body: JSON.stringify(n), attributes: attributesOf(kind, amount) };
    });
    // Removed when the run ends: the Lambda subscriber's records of what the run published (the
    // rejected ones too, in case they were recorded), then, before them, what is left in the queues.
    run.cleanup("the Lambda subscriber's records of this run's notifications", async () => {
      const published = [...notifications.map((n) => n.id), `${id}-big`, `${id}-bad`, `${id}-huge`];
      const existed = await deleteItems(
        dynamodb,
        out('DeliveriesTableName'),
        published.map((n) => ({ id: { S: n } })),
      );
      return deletedOf(existed, published.length);
    });
    run.cleanup("this run's messages left in the queues and dead-letter queues", () =>
      drainQueues(
        sqs,
        QUEUE_OUTPUTS.map((key) => out(key)),
        (m) => m.Body?.includes(id) === true,
        drainOptions(target),
      ),
    );
    const priority = ids(notifications.filter((n) => PRIORITY_KINDS.has(n.kind) && n.amount >= PRIORITY_MIN_AMOUNT));
    const shipping = ids(notifications.filter((n) => SHIPPING_COUNTRIES.has(n.country)));
    const all = ids(notifications);

    await run.step('publish 24 notifications with kind and amount attributes and a shipping country', async () => {
      for (let i = 0; i < notifications.length; i += 10) {
        const batch = notifications.slice(i, i + 10);
        const result = await sns.send(
          new PublishBatchCommand({
            TopicArn: out('TopicArn'),
            PublishBatchRequestEntries: batch.map((n, j) => ({ Id: String(j), Message: n.body, MessageAttributes: n.attributes })),
          }),
        );
        expectThat(!result.Failed?.length, `publish failed: ${JSON.stringify(result.Failed)}`);
      }
      run.counters.sent += notifications.length;
      return `${notifications.length} published; priority expects ${priority.size}, shipping ${shipping.size}, audit and Lambda ${all.size}`;
    });

    await run.step('priority queue: exactly the attribute filter (kind in a set, amount >= 100)', async () => {
      const got = await collect(c, out('PriorityQueueUrl'), priority.size, (m) => idOf(m.Body));
      expectSameIds(got, priority, 'priority queue');
      return `${got.length} ids, as selected`;
    });
    await run.step('shipping queue: exactly the body filter (order.shipping.country)', async () => {
      const got = await collect(c, out('ShippingQueueUrl'), shipping.size, (m) => idOf(envelopeMessage(m.Body)));
      expectSameIds(got, shipping, 'shipping queue');
      return `${got.length} ids, as selected (SNS envelope, filter on the nested body key)`;
    });
    await run.step('audit queue: every notification, raw', async () => {
      const got = await collect(c, out('AuditQueueUrl'), all.size, (m) => idOf(m.Body));
      expectSameIds(got, all, 'audit queue');
      return `${got.length} ids, bodies as published`;
    });
    await run.step('Lambda subscriber: every notification recorded', async () => {
      const table = out('DeliveriesTableName');
      const missing = await eventually('the Lambda subscriber to record every notification', deadline, async (progress) => {
        const found = await Promise.all([...all].map((n) => delivery(dynamodb, table, n)));
        progress(found.filter((item) => item !== undefined).length);
        return found.every((item) => item !== undefined) ? [] : undefined;
      });
      run.counters.processed += all.size;
      return `${all.size - missing.length} of ${all.size} recorded`;
    });

    await run.step('FIFO topic: order per message group, duplicates dropped, filter on kind', async () => {
      const groups = ['g0', 'g1', 'g2'];
      const sent: Array<{ id: string; group: string; seq: number; kind: string; body: string }> = [];
      for (let seq = 0; seq < 4; seq++) {
        for (const group of groups) {
          const kind = KINDS[(seq + groups.indexOf(group)) % KINDS.length];
          const fifoId = `${id}-f-${group}-${seq}`;
          sent.push({ id: fifoId, group: `${id}-${group}`, seq, kind, body: JSON.stringify({ id: fifoId, kind, amount: 100, seq }) });
        }
      }
      const publish = (m: (typeof sent)[number]) =>
        sns.send(
          new PublishCommand({
            TopicArn: out('FifoTopicArn'),
            Message: m.body,
            MessageGroupId: m.group,
            MessageAttributes: attributesOf(m.kind, 100),
          }),
        );
      for (const m of sent) await publish(m);
      // Producer retries: the same body in the same group within five minutes, dropped by content-based deduplication.
      for (const m of sent.slice(0, 3)) await publish(m);
      run.counters.sent += sent.length + 3;
      const audit = await collectInOrder(c, out('FifoAuditQueueUrl'), sent.length);
      const fifoPriority = sent.filter((m) => PRIORITY_KINDS.has(m.kind));
      const prio = await collectInOrder(c, out('FifoPriorityQueueUrl'), fifoPriority.length);
      expectSameIds(
        audit.map((m) => m.id),
        new Set(sent.map((m) => m.id)),
        'FIFO audit queue',
      );
      expectSameIds(
        prio.map((m) => m.id),
        new Set(fifoPriority.map((m) => m.id)),
        'FIFO priority queue',
      );
      for (const received of [audit, prio]) {
        for (const group of groups) {
          const seqs = received.filter((m) => m.group === `${id}-${group}`).map((m) => m.seq);
          expectThat(
            seqs.every((s, i) => i === 0 || s > seqs[i - 1]),
            `group ${group} arrived out of order: ${seqs.join(',')}`,
          );
        }
      }
      run.counters.processed += sent.length;
      return `${audit.length} in the audit queue and ${prio.length} filtered, each group in order; 3 retries dropped`;
    });

    const size = options.largePayloadBytes ?? 1024 * 1024;
    const big = largeNotification(`${id}-big`, size);
    await run.step(`a ${size}-byte payload round-trips byte-identical through the claim check`, async () => {
      const bucket = out('PayloadBucketName');
      const key = `payloads/${id}-big`;
      run.cleanup('the claim-checked payload', async () => `${plural(await deleteObjects(s3, bucket, [key]), 'object')} deleted`);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: big.body }));
      const pointer = JSON.stringify([POINTER_CLASS, { s3BucketName: bucket, s3Key: key }]);
      await sns.send(
        new PublishCommand({
          TopicArn: out('TopicArn'),
          Message: pointer,
          MessageAttributes: {
            ...attributesOf(big.kind, big.amount),
            ExtendedPayloadSize: { DataType: 'Number', StringValue: String(Buffer.byteLength(big.body)) },
          },
        }),
      );
      run.counters.sent++;
      const sha256 = createHash('sha256').update(big.body).digest('hex');
      const recorded = await eventually('the Lambda subscriber to record the large payload', deadline, () =>
        delivery(dynamodb, out('DeliveriesTableName'), big.id),
      );
      expectThat(
        recorded.sha256?.S === sha256,
        `the Lambda subscriber resolved ${recorded.bytes?.N} bytes with SHA-256 ${recorded.sha256?.S}, sent ${size} with ${sha256}`,
      );
      expectThat(recorded.claimCheck?.BOOL === true, 'the Lambda subscriber did not see a claim check');
      const [audited] = await collect(c, out('AuditQueueUrl'), 1, (m) => (m.Body?.includes(key) ? key : undefined));
      expectThat(audited === key, 'the audit queue did not receive the pointer');
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const roundTrip = await object.Body?.transformToString('utf8');
      expectThat(
        createHash('sha256')
          .update(roundTrip ?? '')
          .digest('hex') === sha256,
        'the payload read back from the pointer differs from the one sent',
      );
      run.counters.processed++;
      return `SHA-256 ${sha256.slice(0, 12)}… on both sides; the audit queue got the ${Buffer.byteLength(pointer)}-byte pointer`;
    });

    await run.step('publishing it without the claim check is refused', async () => {
      let refused: Error | undefined;
      try {
        await sns.send(new PublishCommand({ TopicArn: out('TopicArn'), Message: big.body }));
      } catch (error) {
        refused = error as Error;
      }
      expectThat(refused !== undefined, `SNS accepted a ${size}-byte message`);
      return `${refused.name}: ${refused.message.slice(0, 100)}`;
    });

    await run.step('a notification the Lambda subscriber rejects ends in its failure destination', async () => {
      const bad = JSON.stringify({ id: `${id}-bad`, kind: 'order-shipped', amount: 1 });
      await sns.send(new PublishCommand({ TopicArn: out('TopicArn'), Message: bad, MessageAttributes: attributesOf('order-shipped', 1) }));
      run.counters.sent++;
      const failureDeadline = deadline + 3 * target.retrySeconds(60);
      const [record] = await collect({ ...c, deadline: failureDeadline }, out('ProcessorFailuresQueueUrl'), 1, (m) =>
        m.Body?.includes(`${id}-bad`) ? `${id}-bad` : undefined,
      );
      expectThat(record === `${id}-bad`, 'no failure record');
      run.counters.deadLettered++;
      // The audit queue received it too: take it out so the queue is left as found.
      await collect(c, out('AuditQueueUrl'), 1, (m) => idOf(m.Body));
      return 'after the retries, the request and the error are in the ProcessorFailures queue';
    });

    await run.step('the largest notification the Lambda subscriber rejects ends, whole, in its failure destination', async () => {
      // 256 KiB with its attributes, as SNS counts them, and a body that JSON escaping doubles: the
      // largest on-failure record this path can produce (the request, the SNS event and the error).
      const hugeId = `${id}-huge`;
      const attributes = attributesOf('order-shipped', 1);
      const body = largestNotification(hugeId, SNS_MAX_MESSAGE_BYTES - attributesSize(attributes));
      expectThat(
        Buffer.byteLength(body) + attributesSize(attributes) === SNS_MAX_MESSAGE_BYTES,
        `the notification has ${Buffer.byteLength(body) + attributesSize(attributes)} bytes, not ${SNS_MAX_MESSAGE_BYTES}`,
      );
      await sns.send(new PublishCommand({ TopicArn: out('TopicArn'), Message: body, MessageAttributes: attributes }));
      run.counters.sent++;
      const failureDeadline = deadline + 3 * target.retrySeconds(60);
      let recordBytes = 0;
      const [found] = await collect({ ...c, deadline: failureDeadline }, out('ProcessorFailuresQueueUrl'), 1, (m) => {
        if (!m.Body?.includes(hugeId)) return undefined;
        recordBytes = Buffer.byteLength(m.Body);
        const record = JSON.parse(m.Body) as { requestPayload?: { Records?: Array<{ Sns?: { Message?: string } }> } };
        return record.requestPayload?.Records?.[0]?.Sns?.Message === body ? hugeId : `${hugeId}:truncated`;
      });
      expectThat(found === hugeId, `the failure record of ${hugeId} does not carry the notification whole (${found})`);
      run.counters.deadLettered++;
      await collect(c, out('AuditQueueUrl'), 1, (m) => (m.Body?.includes(hugeId) ? hugeId : undefined));
      return `a ${SNS_MAX_MESSAGE_BYTES}-byte notification's failure record (${recordBytes} bytes) is in the ProcessorFailures queue`;
    });
    return await run.finish();
  } catch (error) {
    return await run.finish(error);
  } finally {
    for (const client of [sns, sqs, s3, dynamodb]) client.destroy();
  }
}

interface Context {
  readonly sqs: SQSClient;
  /** How long a delivery can take beyond the first poll (the target's cycle). */
  readonly cycleSeconds: number;
  /** Only messages whose body contains this are this run's. */
  readonly id: string;
  /** Seconds a wait may go without anything new. */
  readonly deadline: number;
}

function attributesOf(kind: string, amount: number): Record<string, MessageAttributeValue> {
  return { kind: { DataType: 'String', StringValue: kind }, amount: { DataType: 'Number', StringValue: String(amount) } };
}

function ids(notifications: readonly Notification[]): Set<string> {
  return new Set(notifications.map((n) => n.id));
}

function idOf(body: string | undefined): string | undefined {
  try {
    return (JSON.parse(body ?? '') as { id?: string }).id;
  } catch {
    return undefined;
  }
}

function envelopeMessage(body: string | undefined): string | undefined {
  try {
    return (JSON.parse(body ?? '') as { Message?: string }).Message;
  } catch {
    return undefined;
  }
}

function expectSameIds(got: readonly string[], expected: ReadonlySet<string>, where: string): void {
  const duplicates = got.filter((g, i) => got.indexOf(g) !== i);
  const missing = [...expected].filter((e) => !got.includes(e));
  const extra = got.filter((g) => !expected.has(g));
  expectThat(duplicates.length === 0, `${where}: received twice: ${duplicates.join(', ')}`);
  expectThat(
    missing.length === 0 && extra.length === 0,
    `${where}: missing ${missing.join(', ') || 'none'}; not selected but received ${extra.join(', ') || 'none'}`,
  );
}

/**
 * Receives this run's messages from a queue until `count` arrived, deleting them, then keeps
 * listening one more moment so that an unexpected extra message is noticed. Other messages are left.
 */
async function collect(c: Context, queueUrl: string, count: number, key: (m: Message) => string | undefined): Promise<string[]> {
  const got: string[] = [];
  const receiveOnce = async (waitSeconds: number): Promise<void> => {
    const messages =
      (
        await c.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: waitSeconds,
            MessageAttributeNames: ['All'],
          }),
        )
      ).Messages ?? [];
    const mine = messages.filter((m) => m.Body?.includes(c.id));
    await releaseMessages(
      c.sqs,
      queueUrl,
      messages.filter((m) => !m.Body?.includes(c.id)),
    );
    for (const m of mine) got.push(key(m) ?? `unreadable:${m.MessageId}`);
    await deleteMessages(c.sqs, queueUrl, mine);
  };
  await eventually(`${count} messages in ${queueUrl.split('/').pop()}`, c.deadline, async (progress) => {
    await receiveOnce(1);
    progress(got.length);
    return got.length >= count ? got : undefined;
  });
  // One more look after a polling cycle, so that an unexpected extra delivery is noticed.
  await new Promise((r) => setTimeout(r, c.cycleSeconds * 1000));
  await receiveOnce(0);
  return got;
}

/** Like {@link collect} for FIFO queues, keeping arrival order and the message group. */
async function collectInOrder(c: Context, queueUrl: string, count: number): Promise<Array<{ id: string; group: string; seq: number }>> {
  const got: Array<{ id: string; group: string; seq: number }> = [];
  await eventually(`${count} messages in ${queueUrl.split('/').pop()}`, c.deadline, async (progress) => {
    const messages =
      (
        await c.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['MessageGroupId'],
          }),
        )
      ).Messages ?? [];
    const mine = messages.filter((m) => m.Body?.includes(c.id));
    for (const m of mine) {
      const body = JSON.parse(m.Body ?? '{}') as { id?: string; seq?: number };
      got.push({ id: String(body.id), group: String(m.Attributes?.MessageGroupId), seq: Number(body.seq) });
    }
    await deleteMessages(c.sqs, queueUrl, mine);
    await releaseMessages(
      c.sqs,
      queueUrl,
      messages.filter((m) => !m.Body?.includes(c.id)),
    );
    progress(got.length);
    return got.length >= count ? got : undefined;
  });
  return got;
}

async function delivery(dynamodb: DynamoDBClient, table: string, id: string) {
  const result = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { id: { S: id } }, ConsistentRead: true }));
  return result.Item;
}

/** The size SNS counts for message attributes: each name, data type and value, in UTF-8 bytes. */
function attributesSize(attributes: Record<string, MessageAttributeValue>): number {
  return Object.entries(attributes).reduce(
    (sum, [name, a]) => sum + Buffer.byteLength(name) + Buffer.byteLength(a.DataType ?? '') + Buffer.byteLength(a.StringValue ?? ''),
    0,
  );
}

/**
 * A notification of exactly `bytes` bytes that the processor rejects (an unknown kind), padded with
 * escaped quotes: each is 2 bytes in the message and 4 in the JSON of the event that carries it.
 */
function largestNotification(id: string, bytes: number): string {
  const base = JSON.stringify({ id, kind: 'order-shipped', amount: 1, padding: '' });
  const room = bytes - Buffer.byteLength(base);
  const body = JSON.stringify({ id, kind: 'order-shipped', amount: 1, padding: '"'.repeat(Math.floor(room / 2)) });
  // Each escaped quote is 2 bytes: an odd room takes its last byte in a one-letter-longer key.
  return room % 2 === 0 ? body : body.replace('"padding"', '"paddings"');
}

function largeNotification(id: string, bytes: number) {
  const base = { id, kind: 'order-updated', amount: 1, order: { shipping: { country: 'US' } }, blob: '' };
  const overhead = Buffer.byteLength(JSON.stringify(base));
  const pattern = 'claim-check/0123456789abcdefghijklmnopqrstuvwxyz/';
  const blob = pattern.repeat(Math.ceil((bytes - overhead) / pattern.length)).slice(0, bytes - overhead);
  return { id, kind: base.kind, amount: base.amount, body: JSON.stringify({ ...base, blob }) };
}

/** The sns-fanout scenario, for the registry of `scenarios/index.ts`. */
export const scenario: ScenarioDefinition = {
  pattern: 'sns-fanout',
  stack: SNS_FANOUT_STACK,
  description: 'filtered fan-out to queues and Lambda, FIFO order and deduplication, 1 MiB claim check, failure destination',
  outputs: ['TopicArn', 'FifoTopicArn', 'DeliveriesTableName', 'PayloadBucketName', ...QUEUE_OUTPUTS],
  run: (target, options) => runSnsFanoutScenario(target, options),
};
