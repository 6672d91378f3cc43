/**
 * Local SQS -> Lambda throughput for `npm run bench`, against the raw emulator in the same run.
 *
 * - raw: SendMessageBatch from 4 concurrent senders while 5 concurrent receivers ReceiveMessage (10)
 *   and DeleteMessageBatch, on fauxqs directly;
 * - pass-through: the same messages through the local runtime's event source mapping into a
 *   function that returns at once (the runtime's own overhead; diagnostic);
 * - real handler: valid orders through the SQS + DLQ stack's consumer, which makes three DynamoDB
 *   writes per message (idempotency claim and completion, receipt); this is the budgeted number.
 *
 * Each is the median of `runs`, after one warm-up run of the raw path.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { synthesizeForLocal } from '../local/assembly';
import { startFauxqs } from '../local/emulator';
import { resolveLocalhostNames } from '../local/localhost-dns';
import { readAssembly, type StackInput, startLocalRuntime } from '../local/runtime';
import { SqsEventSource as LocalSqsEventSource } from '../local/triggers/sqs-event-source';

const SENDERS = 4;
const RECEIVERS = 5;

/** Messages per second of each path. */
export interface Throughput {
  readonly messages: number;
  readonly raw: number;
  readonly passThrough: number;
  readonly realHandler: number;
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

async function rawRate(client: SQSClient, queueUrl: string, bodies: readonly string[]): Promise<number> {
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
async function runtimeRate(stacks: StackInput[], stackName: string, queueOutput: string, bodies: readonly string[]): Promise<number> {
  const runtime = await startLocalRuntime({ stacks });
  const client = new SQSClient({
    region: runtime.endpoints.region,
    endpoint: runtime.endpoints.sqs,
    credentials: runtime.endpoints.credentials,
  });
  try {
    const queueUrl = runtime.outputs(stackName)[queueOutput];
    const source = [...runtime.eventSources.values()].find(
      (s): s is LocalSqsEventSource => s instanceof LocalSqsEventSource && s.spec.queueUrl === queueUrl,
    );
    if (!source) throw new Error(`no event source on ${queueOutput}`);
    const started = Date.now();
    await sendAll(client, queueUrl, bodies);
    const deadline = Date.now() + 120_000;
    while (source.stats.succeeded < bodies.length) {
      if (Date.now() > deadline || source.stats.failed > 0) throw new Error(`throughput run stalled: ${JSON.stringify(source.stats)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return bodies.length / ((Date.now() - started) / 1000);
  } finally {
    client.destroy();
    await runtime.stop();
  }
}

/** A one-function app: a queue, an event source like the consumer's, a handler that returns at once. */
function passThroughApp(dir: string): StackInput[] {
  const code = path.join(dir, 'code');
  const outdir = path.join(dir, 'assembly');
  writeFileSync(path.join(dir, 'placeholder'), '');
  require('node:fs').mkdirSync(code, { recursive: true });
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

/** Measures the three rates. */
export async function measureThroughput(messages = 2000, runs = 3): Promise<Throughput> {
  resolveLocalhostNames();
  const work = mkdtempSync(path.join(tmpdir(), 'decoupling-throughput-'));
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
        const rate = await rawRate(client, queueUrl, i === 0 ? plain.slice(0, 200) : plain);
        if (i > 0) raw.push(rate); // run 0 warms up
      }
    } finally {
      client.destroy();
      await fauxqs.stop();
    }
    const passStacks = passThroughApp(work);
    const pass: number[] = [];
    for (let i = 0; i < runs; i++) pass.push(await runtimeRate(passStacks, 'PassThrough', 'QueueUrl', plain));
    const { stacks } = synthesizeForLocal({ outdir: path.join(work, 'app') });
    const real: number[] = [];
    for (let i = 0; i < runs; i++) {
      const orders = Array.from({ length: messages }, (_, n) =>
        JSON.stringify({ orderId: `bench-${i}-${n}`, customerId: 'c-1', items: [{ sku: 'sku-1', quantity: 1, unitPriceCents: 100 }] }),
      );
      real.push(
        await runtimeRate(
          stacks.filter((s) => s.stackName === 'Decoupling-SqsDlq'),
          'Decoupling-SqsDlq',
          'QueueUrl',
          orders,
        ),
      );
    }
    return { messages, raw: median(raw), passThrough: median(pass), realHandler: median(real) };
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  measureThroughput().then((t) => console.log(JSON.stringify(t)));
}
