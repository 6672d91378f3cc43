/**
 * Local SQS -> Lambda throughput for `npm run bench`, each path against its reference in the same run.
 *
 * - raw: SendMessageBatch from 4 concurrent senders while 5 concurrent receivers ReceiveMessage (10)
 *   and DeleteMessageBatch, on fauxqs directly;
 * - pass-through: the same messages through the local runtime's event source mapping into a
 *   function that returns at once; budget: at least 90% of raw (the runtime's own overhead);
 * - same work: a plain SDK loop on the SQS + DLQ stack's emulators (its fauxqs, its DynamoDB tables)
 *   that receives like the event source mapping (5 pollers, batches of 10), makes the consumer's
 *   DynamoDB writes for each order ({@link sameWorkWrites}) and deletes;
 * - real handler: the same orders through the SQS + DLQ stack's consumer; budget: at least 70% of
 *   the same-work loop.
 *
 * Each rate is from the first send to the last delete: the median of `runs` runs after one warm-up
 * run of the same size, so that each path is measured at its steady state (the consumer's five
 * Lambda environments each warm up their own JIT, as on Lambda; the first run after a start is
 * reported too). The same-work and real-handler runs alternate on one running stack.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient, PutItemCommand, type PutItemCommandInput, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { synthesizeForLocal, temporaryDirectory } from '../local/assembly';
import { startFauxqs } from '../local/emulator';
import { resolveLocalhostNames } from '../local/localhost-dns';
import { type LocalRuntime, readAssembly, type StackInput, startLocalRuntime } from '../local/runtime';
import { SqsEventSource as LocalSqsEventSource } from '../local/triggers/sqs-event-source';

const SENDERS = 4;
/** Receivers of the raw path and of the same-work loop, as many as the consumer's mapping has pollers. */
const RECEIVERS = 5;
const STACK = 'Decoupling-SqsDlq';

/** Messages per second of each path. */
export interface Throughput {
  readonly messages: number;
  readonly raw: number;
  readonly passThrough: number;
  readonly sameWork: number;
  readonly realHandler: number;
  /** The warm-up runs: the same-work loop and the consumer in their first run after the stack started. */
  readonly firstRun: { readonly sameWork: number; readonly realHandler: number };
  /** Where the same-work loop's items differ from the consumer's (empty when they match). */
  readonly sameWorkDifferences: readonly string[];
}

/** The consumer's environment (table names and settings), as the template resolves it locally. */
type ConsumerEnvironment = Readonly<Record<string, string>>;

interface Order {
  readonly orderId: string;
  readonly customerId: string;
  readonly items: ReadonlyArray<{ sku: string; quantity: number; unitPriceCents: number }>;
}

/**
 * The DynamoDB writes the SQS + DLQ consumer makes for one valid order, in order. This is the one
 * place to change when the consumer's writes change (lambda/sqs-dlq/order.ts); the bench compares
 * the items both leave behind and reports any difference. It assumes today's consumer: one
 * conditional PutItem of the receipt, keyed by the order id (`attribute_not_exists(orderId)`,
 * returning the stored item when the condition fails), with the order's totals, a hash of its
 * content, the request id and a TTL, in the table of `RECEIPTS_TABLE_NAME`.
 */
export function sameWorkWrites(order: Order, requestId: string, env: ConsumerEnvironment, now = Date.now()): PutItemCommandInput[] {
  const totalCents = order.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
  const content = [order.customerId, order.items.map((item) => [item.sku, item.quantity, item.unitPriceCents])];
  const retentionSeconds = Number(env.RECEIPT_RETENTION_DAYS ?? 30) * 86_400;
  return [
    {
      TableName: env.RECEIPTS_TABLE_NAME,
      Item: {
        orderId: { S: order.orderId },
        receiptId: { S: `R-${order.orderId}` },
        customerId: { S: order.customerId },
        totalCents: { N: String(totalCents) },
        itemCount: { N: String(order.items.length) },
        contentHash: { S: createHash('sha256').update(JSON.stringify(content)).digest('hex') },
        processedBy: { S: requestId },
        processedAt: { S: new Date(now).toISOString() },
        expiresAt: { N: String(Math.floor(now / 1000) + retentionSeconds) },
      },
      ConditionExpression: 'attribute_not_exists(orderId)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function sendAll(client: SQSClient, queueUrl: string, bodies: readonly string[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < bodies.length) {
        const start = next;
        next += 10;
        const entries = bodies.slice(start, start + 10).map((body, i) => ({ Id: String(i), MessageBody: body }));
        const result = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        if (result.Failed?.length) throw new Error(`send failed: ${JSON.stringify(result.Failed[0])}`);
      }
    }),
  );
}

/**
 * Sends `bodies` while RECEIVERS loops receive batches of 10, `work` each batch, and delete it; the
 * rate in messages per second from the first send to the last delete.
 */
async function loopRate(
  client: SQSClient,
  queueUrl: string,
  bodies: readonly string[],
  work: (batch: Message[]) => Promise<void>,
): Promise<number> {
  const started = Date.now();
  const stop = new AbortController();
  let done = 0;
  let finished = 0;
  const sending = sendAll(client, queueUrl, bodies);
  await Promise.all(
    Array.from({ length: RECEIVERS }, async () => {
      while (done < bodies.length) {
        const received =
          (
            await client
              .send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }), {
                abortSignal: stop.signal,
              })
              .catch((error: Error) => (stop.signal.aborted ? { Messages: [] } : Promise.reject(error)))
          ).Messages ?? [];
        if (received.length === 0) continue;
        await work(received);
        await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: received.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
        done += received.length;
        if (done >= bodies.length && finished === 0) {
          // The clock stops at the last delete; receivers still long-polling are cancelled.
          finished = Date.now();
          stop.abort();
        }
      }
    }),
  );
  await sending;
  return bodies.length / ((finished - started) / 1000);
}

/** Rate of messages through an event source mapping of a running local runtime, from first send to last delete. */
async function mappingRate(runtime: LocalRuntime, stackName: string, queueOutput: string, bodies: readonly string[]): Promise<number> {
  const client = new SQSClient(sqsConfig(runtime));
  try {
    const queueUrl = runtime.outputs(stackName)[queueOutput];
    const source = [...runtime.eventSources.values()].find(
      (s): s is LocalSqsEventSource => s instanceof LocalSqsEventSource && s.spec.queueUrl === queueUrl,
    );
    if (!source) throw new Error(`no event source on ${queueOutput}`);
    const before = source.stats.succeeded;
    const started = Date.now();
    await sendAll(client, queueUrl, bodies);
    const deadline = Date.now() + 120_000;
    while (source.stats.succeeded - before < bodies.length) {
      if (Date.now() > deadline || source.stats.failed > 0) throw new Error(`throughput run stalled: ${JSON.stringify(source.stats)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return bodies.length / ((Date.now() - started) / 1000);
  } finally {
    client.destroy();
  }
}

function sqsConfig(runtime: LocalRuntime) {
  return { region: runtime.endpoints.region, endpoint: runtime.endpoints.sqs, credentials: runtime.endpoints.credentials };
}

/** The plain SDK loop: the consumer's writes for each order of a batch (records concurrently, as the consumer does). */
async function sameWorkRate(
  runtime: LocalRuntime,
  env: ConsumerEnvironment,
  queueName: string,
  bodies: readonly string[],
): Promise<number> {
  const client = new SQSClient(sqsConfig(runtime));
  const dynamodb = new DynamoDBClient({ ...sqsConfig(runtime), endpoint: runtime.endpoints.dynamodb });
  try {
    const queueUrl = (await client.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl as string;
    return await loopRate(client, queueUrl, bodies, async (batch) => {
      const requestId = randomUUID();
      await Promise.all(
        batch.map(async (message) => {
          for (const write of sameWorkWrites(JSON.parse(message.Body ?? '{}') as Order, requestId, env)) {
            await dynamodb.send(new PutItemCommand(write));
          }
        }),
      );
    });
  } finally {
    client.destroy();
    dynamodb.destroy();
  }
}

/**
 * Compares what the consumer and the same-work loop leave in the tables they write: as many items
 * per order, with the same attribute names. A difference means {@link sameWorkWrites} no longer does
 * the consumer's work and must be brought in line.
 */
async function sameWorkDifferences(
  runtime: LocalRuntime,
  env: ConsumerEnvironment,
  realPrefix: string,
  refPrefix: string,
): Promise<string[]> {
  const dynamodb = new DynamoDBClient({ ...sqsConfig(runtime), endpoint: runtime.endpoints.dynamodb });
  const tables = [...new Set(sameWorkWrites({ orderId: 'x', customerId: 'x', items: [] }, 'x', env).map((w) => w.TableName as string))];
  const shapes = (items: ReadonlyArray<Record<string, unknown>>) =>
    [...new Set(items.map((i) => Object.keys(i).sort().join(',')))].sort().join(' | ');
  const mentions = (item: Record<string, { S?: string }>, prefix: string) => Object.values(item).some((v) => v.S?.startsWith(prefix));
  try {
    const differences: string[] = [];
    for (const table of tables) {
      const items = ((await dynamodb.send(new ScanCommand({ TableName: table }))).Items ?? []) as Array<Record<string, { S?: string }>>;
      const real = items.filter((i) => mentions(i, realPrefix));
      const ref = items.filter((i) => mentions(i, refPrefix));
      if (real.length !== ref.length || shapes(real) !== shapes(ref)) {
        differences.push(
          `${table}: the consumer left ${real.length} items (${shapes(real)}), the same-work loop ${ref.length} (${shapes(ref)})`,
        );
      }
    }
    return differences;
  } finally {
    dynamodb.destroy();
  }
}

/** A one-function app: a queue, an event source like the consumer's, a handler that returns at once. */
function passThroughApp(dir: string): StackInput[] {
  const code = path.join(dir, 'code');
  const outdir = path.join(dir, 'assembly');
  mkdirSync(code, { recursive: true });
  writeFileSync(path.join(code, 'index.js'), 'exports.handler = async () => ({ batchItemFailures: [] });\n');
  const app = new App({ outdir });
  const stack = new Stack(app, 'PassThrough');
  const queue = new sqs.Queue(stack, 'Queue', { visibilityTimeout: Duration.minutes(2) });
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(code),
  });
  fn.addEventSource(new SqsEventSource(queue, { batchSize: 10, maxConcurrency: RECEIVERS, reportBatchItemFailures: true }));
  new CfnOutput(stack, 'QueueUrl', { value: queue.queueUrl });
  app.synth();
  return readAssembly(outdir);
}

function orders(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, n) =>
    JSON.stringify({ orderId: `${prefix}-${n}`, customerId: 'c-1', items: [{ sku: 'sku-1', quantity: 1, unitPriceCents: 100 }] }),
  );
}

/** Measures the four rates. */
export async function measureThroughput(messages = 2000, runs = 3): Promise<Throughput> {
  resolveLocalhostNames();
  const work = temporaryDirectory('decoupling-throughput-');
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    const plain = Array.from({ length: messages }, (_, i) => JSON.stringify({ n: i, padding: 'x'.repeat(64) }));
    const fauxqs = await startFauxqs();
    const client = new SQSClient({
      region: fauxqs.region,
      endpoint: fauxqs.endpoint,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    const raw: number[] = [];
    try {
      for (let i = 0; i <= runs; i++) {
        const queueUrl = (await client.send(new CreateQueueCommand({ QueueName: `raw-${i}` }))).QueueUrl as string;
        const rate = await loopRate(client, queueUrl, plain, async () => undefined);
        if (i > 0) raw.push(rate); // run 0 warms up
      }
    } finally {
      client.destroy();
      await fauxqs.stop();
    }

    const pass: number[] = [];
    const passRuntime = await startLocalRuntime({ stacks: passThroughApp(work.path) });
    try {
      for (let i = 0; i <= runs; i++) {
        const rate = await mappingRate(passRuntime, 'PassThrough', 'QueueUrl', plain);
        if (i > 0) pass.push(rate); // run 0 warms up
      }
    } finally {
      await passRuntime.stop();
    }

    const { stacks } = synthesizeForLocal({ outdir: path.join(work.path, 'app'), stacks: [STACK] });
    const runtime = await startLocalRuntime({ stacks });
    const same: number[] = [];
    const real: number[] = [];
    try {
      const consumer = [...runtime.functions.entries()].find(([key]) => key.startsWith(`${STACK}/Consumer`))?.[1];
      if (!consumer) throw new Error(`${STACK} has no Consumer function`);
      const env = consumer.spec.environment;
      // A warm-up run of each, as large as the measured ones.
      const firstRun = {
        realHandler: await mappingRate(runtime, STACK, 'QueueUrl', orders('warm-real', messages)),
        sameWork: await sameWorkRate(runtime, env, 'same-work-warm', orders('warm-same', messages)),
      };
      for (let i = 0; i < runs; i++) {
        same.push(await sameWorkRate(runtime, env, `same-work-${i}`, orders(`same-${i}`, messages)));
        real.push(await mappingRate(runtime, STACK, 'QueueUrl', orders(`real-${i}`, messages)));
      }
      const differences = await sameWorkDifferences(runtime, env, 'real-0-', 'same-0-');
      return {
        messages,
        raw: median(raw),
        passThrough: median(pass),
        sameWork: median(same),
        realHandler: median(real),
        firstRun,
        sameWorkDifferences: differences,
      };
    } finally {
      await runtime.stop();
    }
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
    work.remove();
  }
}

if (require.main === module) {
  measureThroughput().then((t) => console.log(JSON.stringify(t)));
}
