import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PATTERNS } from '../lib/patterns';
import { type LocalRuntime, type StackInput, startLocalRuntime } from '../local/runtime';
import { localTarget, type Target } from '../local/target';
import type { ScenarioDefinition } from '../scenarios/scenario';

/**
 * Starts the local runtime on `stacks` (failed records retried at once), runs `run` with a local target
 * whose waits fail after `slackSeconds` without progress, and stops the runtime, also when `run` throws.
 * The target lets a scenario read only the outputs its definition declares (see {@link declaredOutputsOnly}).
 */
export async function onLocalRuntime<T>(
  stacks: StackInput[],
  slackSeconds: number,
  run: (target: Target, runtime: LocalRuntime) => Promise<T>,
): Promise<T> {
  const runtime = await startLocalRuntime({ stacks, retryDelaySeconds: 0 });
  try {
    return await run(declaredOutputsOnly(localTarget(runtime, { retryDelaySeconds: 0, slackSeconds })), runtime);
  } finally {
    await runtime.stop();
  }
}

/** The scenario of the pattern whose stack id is `stackName`, if any (loaded on demand: a test loads only its own). */
function scenarioOf(stackName: string): ScenarioDefinition | undefined {
  const pattern = PATTERNS.find((p) => p.stackId === stackName);
  return pattern ? (require(`../scenarios/${pattern.name}`) as { scenario: ScenarioDefinition }).scenario : undefined;
}

/** What a scenario read of its stack's outputs that its definition does not declare. */
export class UndeclaredOutputError extends Error {
  public constructor(scenario: ScenarioDefinition, key: string) {
    super(`scenario ${scenario.pattern} read output ${key}, which its definition does not declare (ScenarioDefinition.outputs)`);
    this.name = 'UndeclaredOutputError';
  }
}

/**
 * The target, with outputs that refuse (throw {@link UndeclaredOutputError}) to give a key the
 * scenario does not declare in `ScenarioDefinition.outputs`: the scenario then fails with that
 * error, so a scenario test that passes proves the declaration complete for the path it ran. The
 * scenario is the one of the stack's pattern, or `scenario` for a stack of another name (a copy of
 * a pattern's stack).
 */
export function declaredOutputsOnly(target: Target, scenario?: ScenarioDefinition): Target {
  return {
    ...target,
    outputs: async (stackName) => {
      const outputs = await target.outputs(stackName);
      const definition = scenario ?? scenarioOf(stackName);
      if (!definition) return outputs;
      const declared = new Set(definition.outputs);
      return new Proxy(outputs, {
        get: (values, key, receiver) => {
          if (typeof key === 'string' && key in values && !declared.has(key)) throw new UndeclaredOutputError(definition, key);
          return Reflect.get(values, key, receiver);
        },
      });
    },
  };
}

/** What a local runtime holds: the number of items of each table, objects of each bucket and messages of each queue. */
export async function census(runtime: LocalRuntime): Promise<Record<string, number>> {
  const { endpoints } = runtime;
  const config = (service: 'dynamodb' | 's3' | 'sqs') => ({
    region: endpoints.region,
    credentials: endpoints.credentials,
    endpoint: endpoints.services[service],
  });
  const dynamodb = new DynamoDBClient(config('dynamodb'));
  // Path-style on the loopback address: on its own host name, fauxqs reads the first label as a bucket.
  const s3Endpoint = new URL(endpoints.services.s3);
  s3Endpoint.hostname = '127.0.0.1';
  const s3 = new S3Client({ ...config('s3'), endpoint: s3Endpoint.origin, forcePathStyle: true });
  const sqs = new SQSClient(config('sqs'));
  try {
    const counts: Array<[string, number]> = [];
    for (const TableName of (await dynamodb.send(new ListTablesCommand({}))).TableNames ?? []) {
      let items = 0;
      let start: Record<string, never> | undefined;
      do {
        const page = await dynamodb.send(new ScanCommand({ TableName, Select: 'COUNT', ExclusiveStartKey: start }));
        items += page.Count ?? 0;
        start = page.LastEvaluatedKey as Record<string, never> | undefined;
      } while (start);
      counts.push([`table ${TableName}`, items]);
    }
    for (const { Name: Bucket } of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
      let objects = 0;
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket, ContinuationToken: token }));
        objects += page.KeyCount ?? page.Contents?.length ?? 0;
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      counts.push([`bucket ${Bucket}`, objects]);
    }
    for (const QueueUrl of (await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []) {
      const names = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;
      const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: [...names] }));
      counts.push([`queue ${QueueUrl.split('/').pop()}`, names.reduce((sum, name) => sum + Number(Attributes[name] ?? 0), 0)]);
    }
    return Object.fromEntries(counts);
  } finally {
    for (const client of [dynamodb, s3, sqs]) client.destroy();
  }
}

/**
 * Runs `run` (a scenario on the runtime) and says what it left behind: each table, bucket or queue
 * whose count differs from before the run, as `<where>: <before> -> <after>`. What the stack does
 * on its own after the run (a WebSocket's $disconnect) gets `settleSeconds` to happen.
 */
export async function leftBehindBy<T>(
  runtime: LocalRuntime,
  run: () => Promise<T>,
  settleSeconds = 2,
): Promise<{ value: T; leftBehind: string[] }> {
  const before = await census(runtime);
  const value = await run();
  const deadline = Date.now() + settleSeconds * 1000;
  for (;;) {
    const after = await census(runtime);
    const leftBehind = Object.keys({ ...before, ...after })
      .filter((where) => (before[where] ?? 0) !== (after[where] ?? 0))
      .map((where) => `${where}: ${before[where] ?? 0} -> ${after[where] ?? 0}`);
    if (leftBehind.length === 0 || Date.now() > deadline) return { value, leftBehind };
    await new Promise((r) => setTimeout(r, 100));
  }
}
