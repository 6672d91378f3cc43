import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AppflowClient, DescribeFlowExecutionRecordsCommand, type ExecutionRecord, StartFlowCommand } from '@aws-sdk/client-appflow';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { requireOutput, type Target } from '../local/target';
import { deleteObjects, drainOptions, drainQueues, plural } from './cleanup';
import { eventually, expectThat, Run, runId, type ScenarioDefinition, ScenarioError, type ScenarioResult } from './scenario';

/** The stack this scenario exercises. */
export const APPFLOW_STACK = 'Decoupling-AppFlow';

/** The scenario's sample data: raw orders, the curated output they must become, a record that terminates a run. */
export const SAMPLE_DIR = path.join(__dirname, 'appflow');

type Row = Record<string, unknown>;

function lines(text: string): Row[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Row);
}

/** Options of {@link runAppFlowScenario}. */
export interface AppFlowScenarioOptions {
  readonly report?: (line: string) => void;
  /**
   * Stack name, when it differs from the app's stack id.
   * @default 'Decoupling-AppFlow'
   */
  readonly stackName?: string;
}

/** Where the scenario's runs take longest: an AppFlow run on AWS takes about a minute to start. */
function runDeadlineSeconds(target: Target): number {
  return target.name === 'aws' ? 600 : target.slackSeconds;
}

/** A field-by-field difference between two records, or undefined when they are equal. */
function difference(actual: Row, expected: Row): string | undefined {
  const fields = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
  const diffs = fields
    .filter((f) => JSON.stringify(actual[f] ?? null) !== JSON.stringify(expected[f] ?? null))
    .map((f) => `${f} is ${JSON.stringify(actual[f] ?? null)}, expected ${JSON.stringify(expected[f] ?? null)}`);
  return diffs.length ? diffs.join('; ') : undefined;
}

/**
 * The AppFlow scenario: put the sample raw orders into the source folder, run the S3-to-S3 flow on
 * demand, and compare the curated output with the expected file record by record (renamed and
 * computed fields, masked card numbers, truncated notes; pending, cancelled and test orders filtered
 * out; the order without a price and the one with a negative quantity dropped by validations). Then
 * a record without an order id terminates a run: it fails, writes nothing, and its end-of-run
 * report reaches the failed-runs queue. The scenario owns the source folder: it empties it first
 * and removes what it put there.
 */
export async function runAppFlowScenario(target: Target, options: AppFlowScenarioOptions = {}): Promise<ScenarioResult> {
  const run = new Run('appflow', target, options.report);
  const stackName = options.stackName ?? APPFLOW_STACK;
  const appflow = new AppflowClient(target.clientConfig('appflow'));
  const s3 = new S3Client(target.clientConfig('s3'));
  const sqs = new SQSClient(target.clientConfig('sqs'));
  try {
    const outputs = await target.outputs(stackName);
    const need = (key: string) => requireOutput(outputs, stackName, key);
    const rawBucket = need('RawBucketName');
    const curatedBucket = need('CuratedBucketName');
    const flowName = need('OrdersFlowName');
    const sourcePrefix = need('OrdersSourcePrefix');
    const curatedPrefix = need('OrdersCuratedPrefix');
    const failedRunsUrl = need('FailedRunsQueueUrl');
    const id = runId();
    const raw = readFileSync(path.join(SAMPLE_DIR, 'orders.jsonl'), 'utf8');
    const expected = lines(readFileSync(path.join(SAMPLE_DIR, 'orders.expected.jsonl'), 'utf8'));

    // What the run put in the source folder, and its flow runs (their output and reports are the run's).
    const put: string[] = [];
    const executions: string[] = [];

    const startRun = async (): Promise<ExecutionRecord> => {
      const started = await appflow.send(new StartFlowCommand({ flowName }));
      const executionId = started.executionId;
      expectThat(executionId !== undefined, `StartFlow on ${flowName} returned no execution id: is it an on-demand flow?`);
      executions.push(executionId);
      return eventually(
        `run ${executionId} of ${flowName} to end`,
        runDeadlineSeconds(target),
        async () => {
          const records = await appflow.send(new DescribeFlowExecutionRecordsCommand({ flowName, maxResults: 20 }));
          const record = records.flowExecutions?.find((e) => e.executionId === executionId);
          return record && record.executionStatus !== 'InProgress' ? record : undefined;
        },
        1000,
      );
    };

    const curatedKeys = async (executionId: string): Promise<string[]> => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: curatedBucket, Prefix: `${curatedPrefix}/${flowName}/`, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) if (o.Key?.includes(executionId)) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    };

    // Removed when the run ends, in the reverse order: the end-of-run reports of its runs left in the
    // queues, the curated objects its runs wrote, then the files it put in the source folder.
    run.cleanup(
      "this run's files in the source folder",
      async () => `${plural(await deleteObjects(s3, rawBucket, put), 'object')} deleted`,
    );
    run.cleanup("the curated output of this run's flow runs", async () => {
      const keys = (await Promise.all(executions.map((e) => curatedKeys(e)))).flat();
      return `${plural(await deleteObjects(s3, curatedBucket, keys), 'object')} deleted`;
    });
    run.cleanup("the end-of-run reports of this run's flow runs left in the queues", () =>
      drainQueues(
        sqs,
        [failedRunsUrl, need('UndeliveredRunReportsQueueUrl')],
        (m) => executions.some((e) => m.Body?.includes(e)),
        drainOptions(target),
      ),
    );

    await run.step('the source folder holds only the sample orders', async () => {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: rawBucket, Prefix: `${sourcePrefix}/` }));
      const stale = (listed.Contents ?? []).map((o) => ({ Key: o.Key as string }));
      if (stale.length) await s3.send(new DeleteObjectsCommand({ Bucket: rawBucket, Delete: { Objects: stale } }));
      const key = `${sourcePrefix}/orders-${id}.jsonl`;
      put.push(key);
      await s3.send(new PutObjectCommand({ Bucket: rawBucket, Key: key, Body: raw }));
      run.counters.sent += lines(raw).length;
      return `${lines(raw).length} raw orders in s3://${rawBucket}/${key}${stale.length ? ` (${stale.length} earlier objects removed)` : ''}`;
    });

    let first: ExecutionRecord | undefined;
    await run.step('an on-demand run succeeds', async () => {
      first = await startRun();
      expectThat(
        first.executionStatus === 'Successful',
        `run ${first.executionId} ended ${first.executionStatus}: ${first.executionResult?.errorInfo?.executionMessage ?? 'no message'}`,
      );
      const processed = first.executionResult?.recordsProcessed ?? 0;
      expectThat(
        processed >= expected.length,
        `run ${first.executionId} processed ${processed} records, fewer than the ${expected.length} it must write`,
      );
      return `run ${first.executionId}: Successful, ${processed} records processed`;
    });

    await run.step('the curated output matches the expected file record by record', async () => {
      const executionId = first?.executionId as string;
      const keys = await curatedKeys(executionId);
      expectThat(keys.length > 0, `run ${executionId} wrote nothing under s3://${curatedBucket}/${curatedPrefix}/${flowName}/`);
      const actual: Row[] = [];
      for (const key of keys) {
        const body = await (await s3.send(new GetObjectCommand({ Bucket: curatedBucket, Key: key }))).Body?.transformToString('utf8');
        actual.push(...lines(body ?? ''));
      }
      const byId = new Map(actual.map((r) => [String(r.orderId), r]));
      const rawById = new Map(lines(raw).map((r) => [String(r.order_id), r]));
      const unexpected = actual.filter((r) => !expected.some((e) => e.orderId === r.orderId));
      if (unexpected.length) {
        const why = unexpected.map((r) => {
          const source = rawById.get(String(r.orderId));
          return `${String(r.orderId ?? JSON.stringify(r))} (${source ? `status ${source.status}, country ${source.country}, quantity ${source.quantity}, unit_price ${source.unit_price}` : 'not a sample order'})`;
        });
        throw new ScenarioError(`the curated output has records that a filter or a validation should have removed: ${why.join(', ')}`);
      }
      for (const record of expected) {
        const got = byId.get(String(record.orderId));
        if (!got) {
          const wrongKeys = actual.length ? `; its records have the fields ${Object.keys(actual[0]).join(', ')}` : '';
          throw new ScenarioError(`the curated output has no record ${String(record.orderId)}${wrongKeys}`);
        }
        const diff = difference(got, record);
        if (diff) throw new ScenarioError(`curated record ${String(record.orderId)}: ${diff}`);
      }
      expectThat(actual.length === expected.length, `the curated output has ${actual.length} records, expected ${expected.length}`);
      run.counters.processed += actual.length;
      return `${actual.length} curated records equal the expected file (${lines(raw).length - actual.length} filtered or dropped) in ${keys.length} object(s)`;
    });

    let terminated: ExecutionRecord | undefined;
    await run.step('a record without an order id terminates the run, which writes nothing', async () => {
      const key = `${sourcePrefix}/terminating-${id}.jsonl`;
      const bad = readFileSync(path.join(SAMPLE_DIR, 'terminating.jsonl'), 'utf8');
      put.push(key);
      await s3.send(new PutObjectCommand({ Bucket: rawBucket, Key: key, Body: bad }));
      run.counters.sent += lines(bad).length;
      terminated = await startRun();
      expectThat(
        terminated.executionStatus === 'Error',
        `run ${terminated.executionId} ended ${terminated.executionStatus}: a null order_id must terminate it (VALIDATE_NON_NULL with DropDataset)`,
      );
      const keys = await curatedKeys(terminated.executionId as string);
      expectThat(keys.length === 0, `terminated run ${terminated.executionId} wrote ${keys.join(', ')}`);
      return `run ${terminated.executionId}: Error (${terminated.executionResult?.errorInfo?.executionMessage ?? 'no message'}), nothing written`;
    });

    await run.step('the failed run is reported to the failed-runs queue', async () => {
      const executionId = terminated?.executionId as string;
      const report = await eventually(
        `the end-of-run report of run ${executionId} in the failed-runs queue`,
        runDeadlineSeconds(target),
        async () => {
          const received = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl: failedRunsUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
          );
          for (const message of received.Messages ?? []) {
            const event = JSON.parse(message.Body ?? '{}') as { 'detail-type'?: string; detail?: Record<string, string> };
            if (event.detail?.['execution-id'] !== executionId) continue;
            await sqs.send(new DeleteMessageCommand({ QueueUrl: failedRunsUrl, ReceiptHandle: message.ReceiptHandle }));
            return event;
          }
          return undefined;
        },
      );
      expectThat(report.detail?.['flow-name'] === flowName, `the report names flow ${report.detail?.['flow-name']}, expected ${flowName}`);
      run.counters.deadLettered += 1;
      return `"${report['detail-type']}" for run ${executionId}: ${report.detail?.status}`;
    });
    return await run.finish();
  } catch (error) {
    return await run.finish(error);
  } finally {
    appflow.destroy();
    s3.destroy();
    sqs.destroy();
  }
}

/** The AppFlow pattern's scenario, for `npm run scenario -- appflow` and the demo. */
export const scenario: ScenarioDefinition = {
  pattern: 'appflow',
  stack: APPFLOW_STACK,
  description: 'sample orders through the S3-to-S3 flow: curated output equal to the expected file; a terminating validation fails a run',
  outputs: [
    'RawBucketName',
    'CuratedBucketName',
    'OrdersFlowName',
    'OrdersSourcePrefix',
    'OrdersCuratedPrefix',
    'FailedRunsQueueUrl',
    'UndeliveredRunReportsQueueUrl',
  ],
  run: (target, options) => runAppFlowScenario(target, options),
};
