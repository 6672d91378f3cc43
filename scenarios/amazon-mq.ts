import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { requireOutput, type Target, TargetError } from '../local/target';
import { deleteItems } from './cleanup';
import { expectThat, Run, runId, type ScenarioDefinition, ScenarioError, type ScenarioResult } from './scenario';

/** The stack this scenario exercises. */
export const AMAZON_MQ_STACK = 'Decoupling-AmazonMq';

/** A broker engine of the stack, as its `Engines` output lists them. */
export type Engine = 'RABBITMQ' | 'ACTIVEMQ';
const LABEL: Readonly<Record<Engine, string>> = { RABBITMQ: 'RabbitMq', ACTIVEMQ: 'ActiveMq' };
const NAME: Readonly<Record<Engine, string>> = { RABBITMQ: 'RabbitMQ', ACTIVEMQ: 'ActiveMQ' };
/** The outputs the scenario reads of each engine (`RabbitMqSecretArn`...). */
const ENGINE_OUTPUTS = Object.values(LABEL).flatMap((label) =>
  ['ProducerFunctionName', 'MaxDeliveries', 'DeadLetterQueueName', 'SecretArn'].map((output) => `${label}${output}`),
);

/** Options of {@link runAmazonMqScenario}. */
export interface AmazonMqScenarioOptions {
  readonly report?: (line: string) => void;
  /**
   * Orders published per engine in the first step.
   * @default 12
   */
  readonly orders?: number;
  /** @default 'Decoupling-AmazonMq' */
  readonly stackName?: string;
  /**
   * Which engines to exercise.
   * @default - every engine the stack's `Engines` output lists
   */
  readonly engines?: readonly Engine[];
}

interface Context {
  readonly run: Run;
  readonly target: Target;
  readonly lambda: LambdaClient;
  readonly dynamodb: DynamoDBClient;
  readonly logs: CloudWatchLogsClient;
  readonly secrets: SecretsManagerClient;
  readonly table: string;
  readonly logGroup: string;
  readonly out: (key: string) => string;
}

/** The result of a producer invocation: its payload, or its error type and message. */
type Invoked =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string };

async function invoke(c: Context, functionName: string, payload: unknown): Promise<Invoked> {
  const response = await c.lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }));
  const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : 'null';
  const body = JSON.parse(text || 'null') as { errorType?: string; errorMessage?: string } | null;
  if (response.FunctionError) return { ok: false, errorType: body?.errorType ?? 'Error', errorMessage: body?.errorMessage ?? text };
  return { ok: true, result: body };
}

/** Publishes through the producer; a broker the producer cannot reach is a problem of the target (exit 2). */
async function publish(c: Context, engine: Engine, messages: ReadonlyArray<{ id: string; body: unknown }>): Promise<void> {
  const outcome = await invoke(c, c.out(`${LABEL[engine]}ProducerFunctionName`), { messages });
  if (outcome.ok) return;
  if (outcome.errorType === 'BrokerUnreachableError') {
    const hint = c.target.name === 'local' ? ': start the local brokers with scripts/brokers.sh start' : '';
    throw new TargetError(`the ${NAME[engine]} producer cannot reach its broker (${outcome.errorMessage})${hint}`);
  }
  throw new ScenarioError(`the ${NAME[engine]} producer failed: ${outcome.errorType}: ${outcome.errorMessage}`);
}

async function exists(c: Context, id: string): Promise<boolean> {
  const item = await c.dynamodb.send(new GetItemCommand({ TableName: c.table, Key: { id: { S: id } }, ConsistentRead: true }));
  return item.Item !== undefined;
}

/** The log lines of the consumer that contain every term (CloudWatch Logs term pattern). */
async function logLines(c: Context, ...terms: string[]): Promise<Array<Record<string, unknown>>> {
  const lines: Array<Record<string, unknown>> = [];
  let nextToken: string | undefined;
  do {
    const page = await c.logs
      .send(new FilterLogEventsCommand({ logGroupName: c.logGroup, filterPattern: terms.map((t) => `"${t}"`).join(' '), nextToken }))
      .catch((error: Error) => {
        if (error.name === 'ResourceNotFoundException') return { events: [], nextToken: undefined };
        throw error;
      });
    for (const event of page.events ?? []) {
      try {
        lines.push(JSON.parse(event.message ?? '') as Record<string, unknown>);
      } catch {
        // not a structured line
      }
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return lines;
}

/**
 * Waits until `probe` reports done, failing when its progress (a count that grows as work happens)
 * stays the same for `idleSeconds`: a slow machine passes, a broken configuration fails fast.
 */
async function untilDone(
  what: string,
  idleSeconds: number,
  probe: () => Promise<{ done: boolean; progress: number; detail: string }>,
): Promise<void> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const state = await probe();
    if (state.done) return;
    if (state.progress !== last) {
      last = state.progress;
      since = Date.now();
    } else if (Date.now() - since > idleSeconds * 1000) {
      throw new ScenarioError(`no progress for ${idleSeconds} s waiting for ${what} (${state.detail})`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function runEngine(c: Context, engine: Engine, tag: string, orders: number): Promise<void> {
  const { run, target } = c;
  const name = NAME[engine];
  const label = LABEL[engine];
  const maxDeliveries = Number(c.out(`${label}MaxDeliveries`));
  const idle = target.slackSeconds + 2 * target.cycleSeconds;
  const waitForOrders = (ids: readonly string[], what: string) =>
    untilDone(what, idle, async () => {
      const found = (await Promise.all(ids.map((id) => exists(c, id)))).filter(Boolean).length;
      return { done: found === ids.length, progress: found, detail: `${found} of ${ids.length} processed` };
    });

  const good = Array.from({ length: orders }, (_, i) => `${tag}-g${i}`);
  const crashing = Array.from({ length: 5 }, (_, i) => `${tag}-c${i}`);
  const poison = `${tag}-p0`;
  // Removed when the run ends: what the consumer and the dead-letter recorder wrote for this run's messages.
  run.cleanup(`${name}: the processed and dead-letter records of this run's orders`, async () => {
    const keys = [...good, ...crashing, poison, `dead-letter#${engine}#${poison}`].map((id) => ({ id: { S: id } }));
    return `${await deleteItems(c.dynamodb, c.table, keys)} deleted`;
  });
  await run.step(`${name}: the producer publishes ${orders} orders; the consumer processes each once`, async () => {
    await publish(
      c,
      engine,
      good.map((orderId, i) => ({ id: orderId, body: { orderId, amountCents: 100 + i } })),
    );
    run.counters.sent += good.length;
    await waitForOrders(good, `${orders} ${name} orders`);
    run.counters.processed += good.length;
    return `${orders} published with ${engine === 'RABBITMQ' ? 'publisher confirms' : 'STOMP receipts'}, ${orders} processed`;
  });

  await run.step(`${name}: a consumer that crashes mid-batch loses nothing (the batch is redelivered)`, async () => {
    await publish(
      c,
      engine,
      crashing.map((orderId, i) => ({
        id: orderId,
        body: { orderId, amountCents: 1 + i, ...(i === 2 ? { crash: 'first-delivery' } : {}) },
      })),
    );
    run.counters.sent += crashing.length;
    await waitForOrders(crashing, `${crashing.length} ${name} orders after a crash`);
    const crashes = await logLines(c, 'simulated crash', crashing[2]);
    expectThat(crashes.length >= 1, `the consumer never crashed at ${crashing[2]}: the step proved nothing`);
    run.counters.processed += crashing.length;
    return `crashed at ${crashing[2]} on its first delivery; all ${crashing.length} processed after redelivery`;
  });

  await run.step(`${name}: a message that fails every time is dead-lettered after ${maxDeliveries} deliveries`, async () => {
    await publish(c, engine, [{ id: poison, body: JSON.stringify({ orderId: poison, amountCents: 'not a number' }) }]);
    run.counters.sent += 1;
    const key = `dead-letter#${engine}#${poison}`;
    await untilDone(`${poison} in ${c.out(`${label}DeadLetterQueueName`)}`, idle, async () => {
      const attempts = (await logLines(c, 'record failed', poison)).length;
      const done = await exists(c, key);
      return { done, progress: attempts, detail: `${attempts} failed deliveries so far` };
    });
    const attempts = (await logLines(c, 'record failed', poison)).length;
    if (target.name === 'local') {
      expectThat(
        attempts === maxDeliveries,
        `${poison} was delivered ${attempts} times before the dead-letter queue, expected ${maxDeliveries}`,
      );
    } else {
      expectThat(attempts >= maxDeliveries, `${poison} failed ${attempts} times before the dead-letter queue, expected ${maxDeliveries}`);
    }
    expectThat(!(await exists(c, poison)), `${poison} was processed although it is invalid`);
    run.counters.deadLettered += 1;
    return `failed ${attempts} deliveries, then the broker dead-lettered it and the recorder kept it (${key})`;
  });

  await run.step(`${name}: a wrong password is one clear error`, async () => {
    const secretArn = c.out(`${label}SecretArn`);
    const current = await c.secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    const { username } = JSON.parse(current.SecretString ?? '{}') as { username?: string };
    const pending = await c.secrets.send(
      new PutSecretValueCommand({
        SecretId: secretArn,
        SecretString: JSON.stringify({ username, password: `wrong-${runId()}-password` }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    try {
      const outcome = await invoke(c, c.out(`${label}ProducerFunctionName`), { checkCredentials: 'AWSPENDING' });
      expectThat(!outcome.ok, 'the broker accepted a wrong password');
      if (outcome.ok) return '';
      expectThat(
        outcome.errorType === 'BrokerAuthenticationError',
        `a wrong password gave ${outcome.errorType}: ${outcome.errorMessage}, not BrokerAuthenticationError`,
      );
      expectThat(!outcome.errorMessage.includes('\n'), `the error is not one line: ${JSON.stringify(outcome.errorMessage)}`);
      expectThat(outcome.errorMessage.includes(String(username)), `the error does not name the user: ${outcome.errorMessage}`);
      return `${outcome.errorType}: ${outcome.errorMessage}`;
    } finally {
      await c.secrets.send(
        new UpdateSecretVersionStageCommand({ SecretId: secretArn, VersionStage: 'AWSPENDING', RemoveFromVersionId: pending.VersionId }),
      );
    }
  });
}

/**
 * The Amazon MQ scenario, per broker engine of the stack: the producer function publishes orders and
 * the consumer (through the Amazon MQ event source) processes each exactly once; a consumer that
 * crashes mid-batch loses nothing because the batch is acknowledged only when the function succeeds;
 * a message that fails every time is dead-lettered after the configured number of deliveries and kept
 * by the dead-letter recorder; a wrong password is one clear error from the producer.
 */
export async function runAmazonMqScenario(target: Target, options: AmazonMqScenarioOptions = {}): Promise<ScenarioResult> {
  const run = new Run('amazon-mq', target, options.report);
  const stackName = options.stackName ?? AMAZON_MQ_STACK;
  const lambda = new LambdaClient(target.clientConfig('lambda'));
  const dynamodb = new DynamoDBClient(target.clientConfig('dynamodb'));
  const logs = new CloudWatchLogsClient(target.clientConfig('logs'));
  const secrets = new SecretsManagerClient(target.clientConfig('secretsmanager'));
  try {
    const outputs = await target.outputs(stackName);
    const out = (key: string) => requireOutput(outputs, stackName, key);
    const deployed = out('Engines').split(',') as Engine[];
    const engines = options.engines ?? deployed;
    const missing = engines.filter((e) => !deployed.includes(e));
    if (missing.length) throw new TargetError(`stack ${stackName} has no ${missing.join(', ')} broker (it has ${deployed.join(', ')})`);
    const c: Context = {
      run,
      target,
      lambda,
      dynamodb,
      logs,
      secrets,
      table: out('ProcessedTableName'),
      logGroup: out('ConsumerLogGroupName'),
      out,
    };
    const id = runId();
    const results = await Promise.allSettled(
      engines.map((engine) => runEngine(c, engine, `${id}-${engine.slice(0, 1).toLowerCase()}`, options.orders ?? 12)),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    await run.step('accounting: sent = processed + dead-lettered', async () => {
      const { sent, processed, deadLettered } = run.counters;
      expectThat(sent === processed + deadLettered, `${sent} sent, ${processed} processed + ${deadLettered} dead-lettered`);
      return `${sent} sent = ${processed} processed + ${deadLettered} dead-lettered`;
    });
    return await run.finish();
  } catch (error) {
    return await run.finish(error);
  } finally {
    lambda.destroy();
    dynamodb.destroy();
    logs.destroy();
    secrets.destroy();
  }
}

/** The amazon-mq scenario, for the registry of `scenarios/index.ts`. */
export const scenario: ScenarioDefinition = {
  pattern: 'amazon-mq',
  stack: AMAZON_MQ_STACK,
  description: 'orders through private brokers exactly once, crash-safe acknowledgement, dead-lettering, a clear wrong-password error',
  outputs: ['Engines', 'ProcessedTableName', 'ConsumerLogGroupName', ...ENGINE_OUTPUTS],
  // A stack deployed with one engine (context mqEngines) has no outputs of the other; the scenario
  // reads an engine's outputs only when the Engines output lists it.
  optionalOutputs: ENGINE_OUTPUTS,
  run: (target, options) => runAmazonMqScenario(target, options),
};
