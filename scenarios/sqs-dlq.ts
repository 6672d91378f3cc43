import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { type AttributeValue, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { requireOutput, type Target } from '../local/target';
import { deleteItems, drainOptions, drainQueues } from './cleanup';
import { deleteMessages, releaseMessages } from './queue-messages';
import { redrive } from './redrive';
import { eventually, expectThat, Run, runId, type ScenarioDefinition, type ScenarioResult } from './scenario';

/** The stack this scenario exercises. */
export const SQS_DLQ_STACK = 'Decoupling-SqsDlq';

interface Variant {
  readonly label: string;
  readonly fifo: boolean;
  readonly outputs: { queueUrl: string; queueArn: string; dlqUrl: string; dlqArn: string; maxReceiveCount: string; logGroup: string };
}

const VARIANTS: readonly Variant[] = [
  {
    label: 'standard',
    fifo: false,
    outputs: {
      queueUrl: 'QueueUrl',
      queueArn: 'QueueArn',
      dlqUrl: 'DeadLetterQueueUrl',
      dlqArn: 'DeadLetterQueueArn',
      maxReceiveCount: 'MaxReceiveCount',
      logGroup: 'ConsumerLogGroupName',
    },
  },
  {
    label: 'FIFO',
    fifo: true,
    outputs: {
      queueUrl: 'FifoQueueUrl',
      queueArn: 'FifoQueueArn',
      dlqUrl: 'FifoDeadLetterQueueUrl',
      dlqArn: 'FifoDeadLetterQueueArn',
      maxReceiveCount: 'FifoMaxReceiveCount',
      logGroup: 'FifoConsumerLogGroupName',
    },
  },
];

/** Options of {@link runSqsDlqScenario}. */
export interface SqsDlqScenarioOptions {
  /** Progress lines. */
  readonly report?: (line: string) => void;
  /**
   * Valid orders sent per variant.
   * @default 20
   */
  readonly orders?: number;
  /**
   * Stack name, when it differs from the app's stack id.
   * @default 'Decoupling-SqsDlq'
   */
  readonly stackName?: string;
  /**
   * Which queues to exercise.
   * @default ['standard', 'FIFO']
   */
  readonly variants?: ReadonlyArray<'standard' | 'FIFO'>;
}

interface Sent {
  readonly orderId: string;
  readonly body: string;
  readonly groupId?: string;
}

/**
 * The SQS + DLQ scenario, on both queues: send valid orders (some twice, as a retrying producer
 * would) and poison messages; every valid order is processed exactly once (one receipt), every
 * poison message reaches the dead-letter queue after exactly maxReceiveCount receives (the
 * consumer's log shows each failed receive), nothing is lost or duplicated, FIFO order holds per
 * message group; then the DLQ is redriven to its source and the poison messages come back.
 */
export async function runSqsDlqScenario(target: Target, options: SqsDlqScenarioOptions = {}): Promise<ScenarioResult> {
  const run = new Run('sqs-dlq', target, options.report);
  const stackName = options.stackName ?? SQS_DLQ_STACK;
  const sqs = new SQSClient(target.clientConfig('sqs'));
  const dynamodb = new DynamoDBClient(target.clientConfig('dynamodb'));
  const logs = new CloudWatchLogsClient(target.clientConfig('logs'));
  try {
    const outputs = await target.outputs(stackName);
    const receiptsTable = requireOutput(outputs, stackName, 'ReceiptsTableName');
    const id = runId();
    const results = await Promise.allSettled(
      VARIANTS.filter((v) => (options.variants ?? ['standard', 'FIFO']).includes(v.label as 'standard' | 'FIFO')).map((variant) =>
        runVariant({ run, target, sqs, dynamodb, logs, outputs, stackName, receiptsTable, variant, id, orders: options.orders ?? 20 }),
      ),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    return await run.finish();
  } catch (error) {
    return await run.finish(error);
  } finally {
    sqs.destroy();
    dynamodb.destroy();
    logs.destroy();
  }
}

interface VariantContext {
  readonly run: Run;
  readonly target: Target;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly logs: CloudWatchLogsClient;
  readonly outputs: Record<string, string>;
  readonly stackName: string;
  readonly receiptsTable: string;
  readonly variant: Variant;
  readonly id: string;
  readonly orders: number;
}

async function runVariant(c: VariantContext): Promise<void> {
  const { run, target, sqs, variant } = c;
  const out = (key: keyof Variant['outputs']) => requireOutput(c.outputs, c.stackName, variant.outputs[key]);
  const queueUrl = out('queueUrl');
  const dlqUrl = out('dlqUrl');
  const expectedMaxReceives = Number(out('maxReceiveCount'));
  const tag = `${c.id}-${variant.fifo ? 'f' : 's'}`;
  const label = variant.label;
  let visibility = 30;

  await run.step(`${label}: queue configured as the stack says`, async () => {
    const attributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }))).Attributes ?? {};
    expectThat(
      attributes.RedrivePolicy !== undefined,
      `${queueUrl} has no redrive policy: failed messages would never reach the dead-letter queue`,
    );
    const policy = JSON.parse(attributes.RedrivePolicy) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
    expectThat(
      policy.deadLetterTargetArn === out('dlqArn'),
      `redrive policy targets ${policy.deadLetterTargetArn}, the stack's DLQ is ${out('dlqArn')}`,
    );
    expectThat(
      Number(policy.maxReceiveCount) === expectedMaxReceives,
      `redrive policy maxReceiveCount is ${policy.maxReceiveCount}, the stack says ${expectedMaxReceives}`,
    );
    visibility = Number(attributes.VisibilityTimeout ?? 30);
    return `redrive to its DLQ after ${expectedMaxReceives} receives, visibility timeout ${visibility} s`;
  });

  const good: Sent[] = Array.from({ length: c.orders }, (_, i) => {
    const orderId = `${tag}-g${i}`;
    const body = JSON.stringify({
      orderId,
      customerId: `c-${i % 5}`,
      items: [{ sku: `sku-${i}`, quantity: 1 + (i % 3), unitPriceCents: 100 + i }],
    });
    return { orderId, body, groupId: variant.fifo ? `${tag}-group${i % 4}` : undefined };
  });
  // Poison messages sit in their own message groups: on AWS a FIFO batch can hold several messages of a
  // group, and records behind a failing one are retried with it (see the guide).
  const poison: Sent[] = [
    { orderId: `${tag}-p0`, body: `{not json ${tag}-p0` },
    {
      orderId: `${tag}-p1`,
      body: JSON.stringify({ orderId: `${tag}-p1`, customerId: 'c-1', items: [{ sku: 'sku', quantity: -1, unitPriceCents: 1 }] }),
    },
    { orderId: `${tag}-p2`, body: JSON.stringify({ orderId: `${tag}-p2`, customerId: 'c-2', items: [], note: 'no items, unknown field' }) },
  ].map((p, j) => ({ ...p, groupId: variant.fifo ? `${tag}-poison${j}` : undefined }));
  const duplicates = good.slice(0, 3);
  // Registered before anything is sent; they run when the run ends, the messages first (so that none
  // is processed after its receipt is deleted), then the receipts the consumer wrote.
  run.cleanup(`${label}: receipts of this run's orders`, async () => {
    const ids = [...good, ...poison].map((m) => m.orderId);
    const keys = (await Promise.all(ids.map((orderId) => receipts(c, orderId)))).flat().map(keyOfReceipt);
    return `${await deleteItems(c.dynamodb, c.receiptsTable, keys)} deleted`;
  });
  run.cleanup(`${label}: this run's messages left in the queue and its DLQ`, () =>
    drainQueues(sqs, [queueUrl, dlqUrl], (m) => m.Body?.includes(tag) === true, drainOptions(target)),
  );
  const retry = target.retrySeconds(visibility);
  const deadline = (expectedMaxReceives + 1) * (retry + target.cycleSeconds) + target.slackSeconds;
  // Waits follow progress: each may go one retry cycle plus slack without anything new.
  const idle = retry + target.cycleSeconds + target.slackSeconds;

  await run.step(
    `${label}: send ${good.length} orders, ${duplicates.length} producer retries, ${poison.length} poison messages`,
    async () => {
      const all = [...good, ...poison, ...duplicates];
      for (let i = 0; i < all.length; i += 10) {
        const entries: SendMessageBatchRequestEntry[] = all.slice(i, i + 10).map((m, j) => ({
          Id: String(j),
          MessageBody: m.body,
          ...(m.groupId ? { MessageGroupId: m.groupId } : {}),
        }));
        const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        expectThat(!result.Failed?.length, `send failed: ${JSON.stringify(result.Failed)}`);
      }
      run.counters.sent += all.length;
      return `${all.length} sent${variant.fifo ? ' (the retries are identical, so FIFO deduplication drops them)' : ''}`;
    },
  );

  await run.step(`${label}: every order processed exactly once`, async () => {
    await eventually(`receipts for ${good.length} orders`, idle, async (progress) => {
      const counts = await Promise.all(good.map((g) => receiptCount(c, g.orderId)));
      progress(counts.filter((n) => n >= 1).length);
      return counts.every((n) => n >= 1) ? counts : undefined;
    });
    // Wait out one more retry cycle so that a late duplicate would have time to show.
    await new Promise((r) => setTimeout(r, (retry + 1) * 1000));
    const counts = await Promise.all(good.map(async (g) => [g.orderId, await receiptCount(c, g.orderId)] as const));
    const wrong = counts.filter(([, n]) => n !== 1);
    expectThat(wrong.length === 0, `orders not processed exactly once: ${wrong.map(([o, n]) => `${o}=${n}`).join(', ')}`);
    run.counters.processed += good.length;
    return `${good.length} orders, one receipt each; ${duplicates.length} producer retries did no second work`;
  });

  let deadLetters: Message[] = [];
  await run.step(`${label}: poison messages dead-lettered after exactly ${expectedMaxReceives} receives`, async () => {
    deadLetters = await collectDeadLetters(c, dlqUrl, poison, tag, idle);
    for (const message of deadLetters) {
      const counts = await eventually(`the consumer's log of ${message.MessageId}`, target.slackSeconds, async (progress) => {
        const found = await failedReceiveCounts(c, out('logGroup'), message.MessageId as string);
        progress(found.length);
        return found.length > 0 && Math.max(...found) >= expectedMaxReceives ? found : undefined;
      }).catch(async () => failedReceiveCounts(c, out('logGroup'), message.MessageId as string));
      const max = counts.length ? Math.max(...counts) : 0;
      expectThat(
        max === expectedMaxReceives,
        `message ${message.MessageId} failed ${max === 0 ? 'no' : `up to receive ${max}, not ${expectedMaxReceives}`} receives before the dead-letter queue (logged receive counts: ${counts.join(',') || 'none'})`,
      );
      if (target.name === 'local') {
        expectThat(
          counts.length === expectedMaxReceives,
          `message ${message.MessageId} was processed ${counts.length} times, expected ${expectedMaxReceives}`,
        );
      }
    }
    if (variant.fifo) {
      for (const message of deadLetters) {
        const sent = poison.find((p) => message.Body === p.body);
        expectThat(
          message.Attributes?.MessageGroupId === sent?.groupId,
          `dead letter ${message.MessageId} lost its message group (${message.Attributes?.MessageGroupId})`,
        );
      }
    }
    await releaseMessages(c.sqs, dlqUrl, deadLetters);
    return `${deadLetters.length} of ${poison.length} in the DLQ, each failed receives 1 to ${expectedMaxReceives}`;
  });

  await run.step(`${label}: accounting: sent = processed + dead-lettered, nothing lost or duplicated`, async () => {
    const bodies = new Set(deadLetters.map((m) => m.Body));
    expectThat(bodies.size === deadLetters.length, 'a poison message is in the dead-letter queue twice');
    expectThat(
      good.every((g) => !bodies.has(g.body)),
      'a valid order is in the dead-letter queue',
    );
    const distinct = new Set([...good, ...poison].map((m) => m.orderId)).size;
    expectThat(
      distinct === good.length + deadLetters.length,
      `${distinct} distinct messages sent, ${good.length} processed + ${deadLetters.length} dead-lettered`,
    );
    run.counters.deadLettered += deadLetters.length;
    return `${distinct} distinct = ${good.length} processed + ${deadLetters.length} dead-lettered`;
  });

  if (variant.fifo) {
    await run.step(`${label}: order preserved within each message group`, async () => {
      const groups = new Map<string, Sent[]>();
      for (const g of good) groups.set(g.groupId as string, [...(groups.get(g.groupId as string) ?? []), g]);
      for (const [group, members] of groups) {
        const times = await Promise.all(members.map((m) => processedAt(c, m.orderId)));
        for (let i = 1; i < times.length; i++) {
          expectThat(times[i] >= times[i - 1], `group ${group}: ${members[i].orderId} was processed before ${members[i - 1].orderId}`);
        }
      }
      return `${groups.size} groups processed in send order`;
    });
  }

  await run.step(`${label}: redrive the DLQ to its source; the poison messages come back`, async () => {
    const result = await redrive(sqs, {
      deadLetterQueueUrl: dlqUrl,
      deadLetterQueueArn: out('dlqArn'),
      sourceQueueUrl: queueUrl,
      sourceQueueArn: out('queueArn'),
      timeoutSeconds: deadline,
    });
    expectThat(result.moved >= poison.length, `redrive moved ${result.moved} messages, expected at least ${poison.length}`);
    const back = await collectDeadLetters(c, dlqUrl, poison, tag, idle);
    if (variant.fifo) {
      for (const message of back) {
        const sent = poison.find((p) => message.Body === p.body);
        expectThat(message.Attributes?.MessageGroupId === sent?.groupId, `redriven ${message.MessageId} lost its message group`);
      }
    }
    await deleteMessages(c.sqs, dlqUrl, back);
    return `${result.moved} moved by ${result.method}; all ${back.length} failed again and returned to the DLQ (then deleted)`;
  });
}

/**
 * Receives until every poison message of this run is seen in the DLQ; holds them invisible. Progress
 * is a dead letter found or another failed receive in the consumer's log (each poison message fails
 * maxReceiveCount times before it is dead-lettered).
 */
async function collectDeadLetters(
  c: VariantContext,
  dlqUrl: string,
  poison: readonly Sent[],
  tag: string,
  seconds: number,
): Promise<Message[]> {
  const found = new Map<string, Message>();
  const failures = failedReceivesSince(c, c.variant.outputs.logGroup, Date.now(), Math.min(2, c.target.cycleSeconds));
  try {
    return await eventually(`${poison.length} poison messages in the dead-letter queue`, seconds, async (progress) => {
      progress([found.size, await failures()]);
      const received = await c.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: Math.max(30, seconds),
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const others: Message[] = [];
      for (const m of received.Messages ?? []) {
        if (m.Body?.includes(tag)) found.set(m.Body, m);
        else others.push(m);
      }
      await releaseMessages(c.sqs, dlqUrl, others); // not this run's: leave them for their owner
      return found.size >= poison.length ? [...found.values()] : undefined;
    });
  } catch (error) {
    await releaseMessages(c.sqs, dlqUrl, [...found.values()]);
    throw error;
  }
}

async function receipts(c: VariantContext, orderId: string) {
  const result = await c.dynamodb.send(
    new QueryCommand({
      TableName: c.receiptsTable,
      KeyConditionExpression: '#o = :o',
      ExpressionAttributeNames: { '#o': 'orderId' },
      ExpressionAttributeValues: { ':o': { S: orderId } },
      ConsistentRead: true,
    }),
  );
  return result.Items ?? [];
}

/** The key of a receipt (the table's partition and sort key). */
function keyOfReceipt(item: Record<string, AttributeValue>): Record<string, AttributeValue> {
  return { orderId: item.orderId, receiptId: item.receiptId };
}

async function receiptCount(c: VariantContext, orderId: string): Promise<number> {
  return (await receipts(c, orderId)).length;
}

async function processedAt(c: VariantContext, orderId: string): Promise<string> {
  const items = await receipts(c, orderId);
  return items[0]?.processedAt?.S ?? '';
}

/**
 * Counts the failed receives the consumer logs ("record failed" lines) from `since` on, asking the
 * log group at most every `everySeconds` (CloudWatch Logs allows few FilterLogEvents calls per second).
 */
function failedReceivesSince(c: VariantContext, logGroupOutput: string, since: number, everySeconds: number): () => Promise<number> {
  const logGroupName = requireOutput(c.outputs, c.stackName, logGroupOutput);
  let asked = 0;
  let count = 0;
  return async () => {
    if (Date.now() - asked < everySeconds * 1000) return count;
    asked = Date.now();
    let total = 0;
    let nextToken: string | undefined;
    do {
      const page = await c.logs.send(
        new FilterLogEventsCommand({ logGroupName, filterPattern: '"record failed"', startTime: since, nextToken }),
      );
      total += page.events?.length ?? 0;
      nextToken = page.nextToken;
    } while (nextToken);
    count = total;
    return count;
  };
}

/** The receive counts the consumer logged for a message's failed attempts ("record failed" lines). */
async function failedReceiveCounts(c: VariantContext, logGroupName: string, messageId: string): Promise<number[]> {
  const counts: number[] = [];
  let nextToken: string | undefined;
  do {
    const page = await c.logs.send(
      new FilterLogEventsCommand({ logGroupName, filterPattern: `"record failed" "${messageId}"`, nextToken }),
    );
    for (const event of page.events ?? []) {
      try {
        const line = JSON.parse(event.message ?? '') as { messageId?: string; receiveCount?: number };
        if (line.messageId === messageId && typeof line.receiveCount === 'number') counts.push(line.receiveCount);
      } catch {
        // not a structured line
      }
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return counts.sort((a, b) => a - b);
}

/** The sqs-dlq scenario, for the registry of `scenarios/index.ts`. */
export const scenario: ScenarioDefinition = {
  pattern: 'sqs-dlq',
  stack: SQS_DLQ_STACK,
  description: 'orders processed exactly once, poison messages dead-lettered after maxReceiveCount, DLQ redriven',
  outputs: ['ReceiptsTableName', ...VARIANTS.flatMap((v) => Object.values(v.outputs))],
  run: (target, options) => runSqsDlqScenario(target, options),
};
