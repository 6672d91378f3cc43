import { type AttributeValue, DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { requireOutput, type Target } from '../local/target';
import { deletedOf, deleteItems, drainOptions, drainQueues } from './cleanup';
import { deleteMessages, releaseMessages } from './queue-messages';
import { expectThat, Run, runId, type ScenarioDefinition, ScenarioError, type ScenarioResult } from './scenario';

/** The stack this scenario exercises. */
export const STEP_FUNCTIONS_STACK = 'Decoupling-StepFunctions';

// What the stack promises (see lib/step-functions/ and the guide); written out here so that the
// scenario also checks that the deployed workflows keep to it.
const APPROVAL_THRESHOLD = 1000;
const ALERT_THRESHOLD_CELSIUS = 40;
const TRANSIENT_FAILURES = 2;
const COOLING_OFF_SECONDS = 10;
const LINE_ITEMS = 7;

/** The cases of the scenario; each starts its own execution(s). */
export const STEP_FUNCTIONS_CASES = ['happy', 'cancelled', 'invalid', 'transient', 'declined', 'approved', 'rejected', 'express'] as const;
export type StepFunctionsCase = (typeof STEP_FUNCTIONS_CASES)[number];

/** Options of {@link runStepFunctionsScenario}. */
export interface StepFunctionsScenarioOptions {
  readonly report?: (line: string) => void;
  /** @default 'Decoupling-StepFunctions' */
  readonly stackName?: string;
  /**
   * Which cases to run.
   * @default every case
   */
  readonly cases?: readonly StepFunctionsCase[];
}

interface Order {
  readonly orderId: string;
  readonly customerId: string;
  readonly amount?: number;
  readonly status: string;
  readonly card: string;
  readonly items: ReadonlyArray<{ sku: string; quantity: number }>;
  readonly shipAt: string;
}

interface Context {
  readonly sfn: SFNClient;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly out: (key: string) => string;
  /** Seconds an execution may go without a new history event before the scenario gives up on it. */
  readonly quietSeconds: number;
  readonly pollMs: number;
}

/**
 * The Step Functions scenario. Standard order workflow: the happy path through every state type,
 * the Map over seven line items, exactly-once per execution name, each Choice branch (cancelled,
 * invalid, approval), a transient payment error retried with backoff then authorised, a declined
 * payment caught, compensated and failed with its cause, a human approval granted (heartbeat, then
 * SendTaskSuccess; the used token refused) and rejected (SendTaskFailure). Express ingestion
 * workflow, started synchronously: a valid reading stored, a hot one alerted, an invalid one refused
 * with its field errors and quarantined. Every path is proven from the execution history.
 */
export async function runStepFunctionsScenario(target: Target, options: StepFunctionsScenarioOptions = {}): Promise<ScenarioResult> {
  const run = new Run('step-functions', target, options.report);
  const stackName = options.stackName ?? STEP_FUNCTIONS_STACK;
  const cases = new Set(options.cases ?? STEP_FUNCTIONS_CASES);
  const sfn = new SFNClient(target.clientConfig('sfn'));
  const sqs = new SQSClient(target.clientConfig('sqs'));
  const dynamodb = new DynamoDBClient(target.clientConfig('dynamodb'));
  try {
    const outputs = await target.outputs(stackName);
    const out = (key: string) => requireOutput(outputs, stackName, key);
    const c: Context = {
      sfn,
      sqs,
      dynamodb,
      out,
      quietSeconds: target.slackSeconds + (target.name === 'aws' ? COOLING_OFF_SECONDS : 0),
      pollMs: target.name === 'aws' ? 1000 : 50,
    };
    const id = runId();
    const now = new Date().toISOString();
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ sku: `sku-${i}`, quantity: i + 1 }));
    const order = (key: string, fields: Partial<Order>): Order => ({
      orderId: `${id}-${key}`,
      customerId: `customer-${id}`,
      amount: 120,
      status: 'NEW',
      card: 'tok_ok',
      items: items(2),
      shipAt: now,
      ...fields,
    });
    const orders: Partial<Record<StepFunctionsCase, Order>> = {
      happy: order('happy', { items: items(LINE_ITEMS) }),
      cancelled: order('cancelled', { status: 'CANCELLED' }),
      invalid: order('invalid', { amount: undefined }),
      transient: order('transient', { card: 'tok_transient' }),
      declined: order('declined', { card: 'tok_declined', items: items(3) }),
      approved: order('approved', { amount: APPROVAL_THRESHOLD + 1500 }),
      rejected: order('rejected', { status: 'FLAGGED', amount: 50 }),
    };
    const started = new Map<StepFunctionsCase, string>();
    const mine = (Object.entries(orders) as Array<[StepFunctionsCase, Order]>).filter(([key]) => cases.has(key)).map(([, o]) => o);
    // Removed when the run ends, in the reverse order: the run's executions still running are stopped
    // (so that none writes after its records are deleted), its approval requests left in the queues
    // removed, then the records the workflow wrote for its orders.
    run.cleanup("the order records of this run's orders", async () => {
      const keys = (await Promise.all(mine.map((o) => recordKeys(c, o.orderId)))).flat();
      return `${await deleteItems(dynamodb, out('OrdersTableName'), keys)} deleted`;
    });
    run.cleanup("this run's approval requests left in the approval queue and its DLQ", () =>
      drainQueues(
        sqs,
        [out('ApprovalQueueUrl'), out('ApprovalDeadLetterQueueUrl')],
        (m) => mine.some((o) => m.Body?.includes(`"${o.orderId}"`)),
        drainOptions(target),
      ),
    );
    run.cleanup("this run's executions still running", async () => {
      let stopped = 0;
      for (const executionArn of started.values()) {
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (described.status !== 'RUNNING') continue;
        await sfn.send(new StopExecutionCommand({ executionArn, error: 'ScenarioEnded', cause: 'the scenario that started it ended' }));
        stopped++;
      }
      return stopped ? `${stopped} stopped` : 'none';
    });

    await run.step('start the orders: one Standard execution each, named by order id', async () => {
      for (const [key, o] of Object.entries(orders) as Array<[StepFunctionsCase, Order]>) {
        if (!cases.has(key)) continue;
        const result = await sfn.send(
          new StartExecutionCommand({ stateMachineArn: out('OrderWorkflowArn'), name: o.orderId, input: JSON.stringify(o) }),
        );
        started.set(key, String(result.executionArn));
        run.counters.sent++;
      }
      return `${started.size} executions started`;
    });
    const arnOf = (key: StepFunctionsCase) => started.get(key) as string;

    if (cases.has('happy')) {
      const o = orders.happy as Order;
      let events: HistoryEvent[] = [];
      await run.step(`an order under ${APPROVAL_THRESHOLD} runs every state of the happy path to OrderCompleted`, async () => {
        const done = await outcome(c, arnOf('happy'));
        events = await history(c, arnOf('happy'));
        expectStatus(done, 'SUCCEEDED');
        const path = entered(events);
        const sequence = [
          'ValidateOrder',
          'ShapeOrder',
          'RouteOrder',
          'ReserveAndAuthorise',
          'RecordOrder',
          'CoolingOff',
          'WaitForShipDate',
          'NotifyCustomer',
          'OrderCompleted',
        ];
        const concurrent = ['ReserveItems', 'ReserveItem', 'AuthorisePayment'];
        expectPath(path, sequence, ['RequestApproval', 'ReleaseStock', 'OrderFailed'], 'the happy path', concurrent);
        const record = await item(c, o.orderId, 'ORDER');
        expectThat(record?.status?.S === 'CONFIRMED', `the ORDER record is ${JSON.stringify(record ?? null)}, not CONFIRMED`);
        expectThat(Boolean(record?.authorisationId?.S), 'the ORDER record has no authorisationId');
        run.counters.processed++;
        return `${path.length} states entered; recorded CONFIRMED with ${record?.authorisationId?.S}`;
      });
      await run.step(`the Map reserves each of the ${LINE_ITEMS} line items`, async () => {
        const iterations = events.filter(
          (e) => e.type === 'MapIterationSucceeded' && e.mapIterationSucceededEventDetails?.name === 'ReserveItems',
        );
        expectThat(iterations.length === LINE_ITEMS, `ReserveItems ran ${iterations.length} iterations, expected ${LINE_ITEMS}`);
        const indexes = iterations.map((e) => e.mapIterationSucceededEventDetails?.index).sort((a, b) => Number(a) - Number(b));
        expectThat(JSON.stringify(indexes) === JSON.stringify([...Array(LINE_ITEMS).keys()]), `iteration indexes ${indexes.join(',')}`);
        const rows = await Promise.all(o.items.map((line) => item(c, o.orderId, `RESERVATION#${line.sku}`)));
        const missing = o.items.filter((_, i) => rows[i]?.quantity?.N !== String(o.items[i].quantity));
        expectThat(missing.length === 0, `reservations missing or wrong for ${missing.map((m) => m.sku).join(', ')}`);
        return `${iterations.length} iterations succeeded; every reservation stored with its quantity`;
      });
      await run.step('starting the same order again does not run it twice (Standard: exactly-once per name)', async () => {
        const again = async (input: string) => {
          try {
            const r = await sfn.send(new StartExecutionCommand({ stateMachineArn: out('OrderWorkflowArn'), name: o.orderId, input }));
            return `returned ${r.executionArn === arnOf('happy') ? 'the same execution' : `another execution ${r.executionArn}`}`;
          } catch (error) {
            return (error as Error).name;
          }
        };
        const same = await again(JSON.stringify(o));
        const other = await again(JSON.stringify({ ...o, amount: 121 }));
        run.counters.sent += 2;
        expectThat(same === 'ExecutionAlreadyExists' || same === 'returned the same execution', `the same start ${same}`);
        expectThat(other === 'ExecutionAlreadyExists', `a start with the same name and other input ${other}`);
        return `same input: ${same}; other input: ${other}`;
      });
    }

    if (cases.has('cancelled')) {
      await run.step('Choice: a CANCELLED order ends in OrderCancelled without reserving anything', async () => {
        const done = await outcome(c, arnOf('cancelled'));
        expectStatus(done, 'SUCCEEDED');
        expectPath(
          entered(await history(c, arnOf('cancelled'))),
          ['RouteOrder', 'OrderCancelled'],
          ['ReserveAndAuthorise', 'RequestApproval'],
          'a cancelled order',
        );
        run.counters.processed++;
        return 'SUCCEEDED through OrderCancelled';
      });
    }

    if (cases.has('invalid')) {
      await run.step('Choice default: an order without an amount fails InvalidOrder before any work', async () => {
        const done = await outcome(c, arnOf('invalid'));
        expectStatus(done, 'FAILED', 'InvalidOrder');
        expectPath(entered(await history(c, arnOf('invalid'))), ['ValidateOrder', 'InvalidOrder'], ['ShapeOrder'], 'an invalid order');
        run.counters.processed++;
        return `FAILED InvalidOrder: ${done.cause}`;
      });
    }

    if (cases.has('transient')) {
      await run.step(`a transient gateway error is retried (backoff, jitter) ${TRANSIENT_FAILURES} times, then authorised`, async () => {
        const done = await outcome(c, arnOf('transient'));
        const events = await history(c, arnOf('transient'));
        expectStatus(done, 'SUCCEEDED');
        const payments = taskEvents(events, 'invoke');
        const failures = payments.filter((e) => e.type === 'TaskFailed').map((e) => e.taskFailedEventDetails?.error);
        expectThat(
          failures.length === TRANSIENT_FAILURES && failures.every((f) => f === 'PaymentGatewayUnavailable'),
          `AuthorisePayment failures were [${failures.join(', ')}], expected ${TRANSIENT_FAILURES} PaymentGatewayUnavailable`,
        );
        expectThat(payments.at(-1)?.type === 'TaskSucceeded', `the last AuthorisePayment event is ${payments.at(-1)?.type}`);
        const attempts = JSON.parse(String(done.output)).fulfilment?.paymentAttempts;
        expectThat(attempts === TRANSIENT_FAILURES + 1, `the payment took ${attempts} attempts, expected ${TRANSIENT_FAILURES + 1}`);
        run.counters.processed++;
        return `${failures.length} × PaymentGatewayUnavailable, then authorised on attempt ${attempts}`;
      });
    }

    if (cases.has('declined')) {
      const o = orders.declined as Order;
      await run.step('a declined payment is caught, every reservation undone, and the order fails with its cause', async () => {
        const done = await outcome(c, arnOf('declined'));
        const events = await history(c, arnOf('declined'));
        expectStatus(done, 'FAILED', 'OrderFailed');
        const cause = `order ${o.orderId} failed: PaymentDeclined`;
        expectThat(done.cause === cause, `the cause is ${JSON.stringify(done.cause)}, expected ${JSON.stringify(cause)}`);
        expectPath(
          entered(events),
          ['ReserveAndAuthorise', 'ReleaseStock', 'DescribeFailure', 'OrderFailed'],
          ['RecordOrder'],
          'a declined order',
          ['ReleaseItem'],
        );
        const releases = events.filter((e) => e.type === 'TaskSucceeded' && e.taskSucceededEventDetails?.resource === 'deleteItem');
        expectThat(releases.length === o.items.length, `${releases.length} reservations released, expected ${o.items.length}`);
        const left = (await Promise.all(o.items.map((line) => item(c, o.orderId, `RESERVATION#${line.sku}`)))).filter(Boolean);
        expectThat(left.length === 0, `${left.length} reservations are left behind after the compensation`);
        expectThat((await item(c, o.orderId, 'ORDER')) === undefined, 'a declined order was recorded');
        run.counters.processed++;
        return `FAILED ${done.error}: ${done.cause}; ${releases.length} reservations released`;
      });
    }

    if (cases.has('approved')) {
      const o = orders.approved as Order;
      let token = '';
      await run.step(
        `Choice: an order of ${APPROVAL_THRESHOLD} or more waits for approval; the token reaches the approval queue`,
        async () => {
          const request = await approvalRequest(c, o.orderId, arnOf('approved'));
          token = request.taskToken;
          const events = await history(c, arnOf('approved'));
          expectThat(
            events.some((e) => e.type === 'TaskSubmitted' && e.taskSubmittedEventDetails?.resource === 'sendMessage.waitForTaskToken'),
            'RequestApproval sent no message with its token',
          );
          expectThat(request.amount === o.amount, `the request says amount ${request.amount}`);
          return `the execution waits in RequestApproval; the request carries a ${token.length}-character token`;
        },
      );
      await run.step('SendTaskHeartbeat claims it, SendTaskSuccess resumes it to OrderCompleted', async () => {
        await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
        await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approvedBy: 'scenario' }) }));
        const done = await outcome(c, arnOf('approved'));
        expectStatus(done, 'SUCCEEDED');
        expectThat(JSON.parse(String(done.output)).approval?.approvedBy === 'scenario', 'the approval is not in the output');
        expectPath(
          entered(await history(c, arnOf('approved'))),
          ['RequestApproval', 'ReserveAndAuthorise', 'OrderCompleted'],
          ['OrderRejected'],
          'an approved order',
        );
        run.counters.processed++;
        return 'SUCCEEDED with approval.approvedBy';
      });
      await run.step('the used token is refused: SendTaskSuccess again fails with TaskTimedOut', async () => {
        let refused = 'accepted';
        try {
          await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
        } catch (error) {
          refused = (error as Error).name;
        }
        expectThat(refused === 'TaskTimedOut', `a second SendTaskSuccess was ${refused}`);
        return refused;
      });
    }

    if (cases.has('rejected')) {
      const o = orders.rejected as Order;
      await run.step('Choice: a FLAGGED order waits for approval; SendTaskFailure rejects it with the reason', async () => {
        const request = await approvalRequest(c, o.orderId, arnOf('rejected'));
        const reason = 'the customer is over their credit limit';
        await sfn.send(new SendTaskFailureCommand({ taskToken: request.taskToken, error: 'ApprovalRejected', cause: reason }));
        const done = await outcome(c, arnOf('rejected'));
        expectStatus(done, 'FAILED', 'OrderRejected');
        expectThat(done.cause === reason, `the cause is ${JSON.stringify(done.cause)}, expected the reason`);
        expectPath(
          entered(await history(c, arnOf('rejected'))),
          ['RequestApproval', 'OrderRejected'],
          ['ReserveAndAuthorise'],
          'a rejected order',
        );
        run.counters.processed++;
        return `FAILED OrderRejected: ${done.cause}`;
      });
    }

    if (cases.has('express')) {
      const sensorId = `sensor-${id}`;
      const sync = async (name: string, reading: Record<string, unknown>) => {
        run.counters.sent++;
        const result = await sfn.send(
          new StartSyncExecutionCommand({
            stateMachineArn: out('IngestionWorkflowArn'),
            name: `${id}-${name}`,
            input: JSON.stringify(reading),
          }),
        );
        return { ...result, parsed: result.output ? (JSON.parse(result.output) as Record<string, unknown>) : undefined };
      };
      const reading = (takenAt: string, metric: string, value: unknown, unit: string) => ({ sensorId, metric, value, unit, takenAt });
      run.cleanup("this run's readings", async () => {
        const takenAt = ['2025-01-01T00:00:00.000Z', '2025-01-01T00:01:00.000Z'];
        const keys = takenAt.map((t) => ({ sensorId: { S: sensorId }, takenAt: { S: t } }));
        return deletedOf(await deleteItems(dynamodb, out('ReadingsTableName'), keys), keys.length);
      });
      run.cleanup("this run's invalid reading left in the quarantine queue", () =>
        drainQueues(sqs, [out('QuarantineQueueUrl')], (m) => m.Body?.includes(sensorId) === true, drainOptions(target)),
      );
      await run.step('Express, synchronous: a valid reading is validated, enriched and stored, no alert', async () => {
        const result = await sync('r1', reading('2025-01-01T00:00:00Z', 'humidity', 55.5, '%'));
        expectThat(result.status === 'SUCCEEDED', `the execution is ${result.status} (${result.error}: ${result.cause})`);
        expectThat(result.parsed?.alert === undefined, 'a humidity reading raised an alert');
        const stored = await c.dynamodb.send(
          new GetItemCommand({
            TableName: out('ReadingsTableName'),
            Key: { sensorId: { S: sensorId }, takenAt: { S: '2025-01-01T00:00:00.000Z' } },
            ConsistentRead: true,
          }),
        );
        expectThat(
          stored.Item?.value?.N === '55.5' && stored.Item?.ingestId?.S === `${id}-r1`,
          `stored ${JSON.stringify(stored.Item ?? null)}`,
        );
        run.counters.processed++;
        return `SUCCEEDED; stored with ingestId ${stored.Item?.ingestId?.S}`;
      });
      await run.step(`Express: a temperature of ${ALERT_THRESHOLD_CELSIUS} °C (104 °F) raises an alert, then is stored in °C`, async () => {
        const result = await sync('r2', reading('2025-01-01T00:01:00Z', 'temperature', 104, 'F'));
        expectThat(result.status === 'SUCCEEDED', `the execution is ${result.status} (${result.error}: ${result.cause})`);
        const alert = result.parsed?.alert as { messageId?: string } | undefined;
        expectThat(Boolean(alert?.messageId), `no alert was published: output ${result.output}`);
        expectThat(
          result.parsed?.value === ALERT_THRESHOLD_CELSIUS && result.parsed?.unit === 'C',
          `converted to ${result.parsed?.value} ${result.parsed?.unit}`,
        );
        run.counters.processed++;
        return `SUCCEEDED; alert ${alert?.messageId}`;
      });
      await run.step('Express: an invalid reading is refused with its field errors and kept in the quarantine queue', async () => {
        const result = await sync('r3', reading('yesterday', 'temperature', 'hot', 'C'));
        expectThat(result.status === 'FAILED' && result.error === 'InvalidReading', `the execution is ${result.status} ${result.error}`);
        expectThat(
          /value/.test(String(result.cause)) && /takenAt/.test(String(result.cause)),
          `the cause does not name the fields: ${result.cause}`,
        );
        const kept = await receiveMine(
          c,
          out('QuarantineQueueUrl'),
          (m) => m.Body?.includes(sensorId) === true,
          `the quarantined reading of ${sensorId}`,
        );
        const body = JSON.parse(String(kept.Body)) as { reading?: { value?: unknown }; error?: string };
        expectThat(body.error === 'InvalidReading' && body.reading?.value === 'hot', `quarantined ${kept.Body}`);
        run.counters.deadLettered++;
        return `FAILED InvalidReading: ${result.cause}`;
      });
    }
    return await run.finish();
  } catch (error) {
    return await run.finish(error);
  } finally {
    for (const client of [sfn, sqs, dynamodb]) client.destroy();
  }
}

/** Waits until an execution stops; fails when its history stays the same for `quietSeconds`. */
async function outcome(c: Context, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  let seen = -1;
  let changed = Date.now();
  for (;;) {
    const described = await c.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    const events = await history(c, executionArn);
    if (events.length !== seen) {
      seen = events.length;
      changed = Date.now();
    } else if (Date.now() - changed > c.quietSeconds * 1000) {
      const last = events.at(-1);
      throw new ScenarioError(
        `${executionArn.split(':').pop()} made no progress for ${c.quietSeconds} s (still RUNNING after ${last?.type} ${JSON.stringify(detailsOf(last))})`,
      );
    }
    await new Promise((r) => setTimeout(r, c.pollMs));
  }
}

/** The whole history of an execution, oldest first. */
async function history(c: Context, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await c.sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

function detailsOf(event: HistoryEvent | undefined): unknown {
  if (!event) return null;
  const key = Object.keys(event).find((k) => k.endsWith('EventDetails'));
  const details = key ? (event as unknown as Record<string, { name?: string; error?: string }>)[key] : undefined;
  return details?.name ?? details?.error ?? null;
}

/** The names of the states an execution entered, in order. */
function entered(events: readonly HistoryEvent[]): string[] {
  return events.filter((e) => e.type?.endsWith('StateEntered')).map((e) => String(e.stateEnteredEventDetails?.name));
}

/** The Task events of one kind of integration (`invoke`, `putItem`...). */
function taskEvents(events: readonly HistoryEvent[], resource: string): HistoryEvent[] {
  return events.filter((e) => {
    const details = (e.taskScheduledEventDetails ?? e.taskFailedEventDetails ?? e.taskSucceededEventDetails) as
      | { resource?: string }
      | undefined;
    return details?.resource === resource && ['TaskFailed', 'TaskSucceeded'].includes(String(e.type));
  });
}

function expectStatus(done: DescribeExecutionCommandOutput, status: string, error?: string): void {
  expectThat(
    done.status === status && (error === undefined || done.error === error),
    `the execution ended ${done.status}${done.error ? ` ${done.error}: ${done.cause}` : ''}, expected ${status}${error ? ` ${error}` : ''}`,
  );
}

/**
 * Checks that an execution entered the `through` states in that order (states of a Parallel or Map
 * run concurrently: give them in `also`), each of `also` in any order, and none of `never`.
 */
function expectPath(
  path: readonly string[],
  through: readonly string[],
  never: readonly string[],
  what: string,
  also: readonly string[] = [],
): void {
  const missing = [...through, ...also].filter((name) => !path.includes(name));
  const wrong = never.filter((name) => path.includes(name));
  expectThat(
    missing.length === 0 && wrong.length === 0,
    `${what} entered ${path.join(' > ')}: missing ${missing.join(', ') || 'none'}; should not enter ${wrong.join(', ') || 'none'}`,
  );
  const order = through.map((name) => path.indexOf(name));
  expectThat(
    order.every((at, i) => i === 0 || at > order[i - 1]),
    `${what} entered ${through.join(', ')} out of order: ${path.join(' > ')}`,
  );
}

async function item(c: Context, orderId: string, record: string) {
  const result = await c.dynamodb.send(
    new GetItemCommand({
      TableName: c.out('OrdersTableName'),
      Key: { orderId: { S: orderId }, record: { S: record } },
      ConsistentRead: true,
    }),
  );
  return result.Item;
}

/** The keys of every record the order workflow wrote for an order (`ORDER`, `PAYMENT`, `RESERVATION#<sku>`...). */
async function recordKeys(c: Context, orderId: string): Promise<Array<Record<string, AttributeValue>>> {
  const keys: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await c.dynamodb.send(
      new QueryCommand({
        TableName: c.out('OrdersTableName'),
        KeyConditionExpression: 'orderId = :o',
        ExpressionAttributeValues: { ':o': { S: orderId } },
        ProjectionExpression: 'orderId, #r',
        ExpressionAttributeNames: { '#r': 'record' },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    keys.push(...(page.Items ?? []).map((item) => ({ orderId: item.orderId, record: item.record })));
    start = page.LastEvaluatedKey;
  } while (start);
  return keys;
}

interface ApprovalRequest {
  readonly taskToken: string;
  readonly orderId: string;
  readonly amount: number;
  readonly executionArn: string;
}

/**
 * The approval request of an order, received (and deleted) from the approval queue. Fails at once
 * when the execution stops without asking, and when nothing new happens for `quietSeconds`.
 */
async function approvalRequest(c: Context, orderId: string, executionArn: string): Promise<ApprovalRequest> {
  const message = await receiveMine(
    c,
    c.out('ApprovalQueueUrl'),
    (m) => m.Body?.includes(`"${orderId}"`) === true,
    `the approval request of ${orderId}`,
    async () => {
      const described = await c.sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (described.status !== 'RUNNING') {
        throw new ScenarioError(
          `${orderId} ended ${described.status}${described.error ? ` ${described.error}` : ''} without asking for approval`,
        );
      }
    },
  );
  const request = JSON.parse(String(message.Body)) as ApprovalRequest;
  expectThat(
    typeof request.taskToken === 'string' && request.taskToken.length > 0,
    `the approval request has no task token: ${message.Body}`,
  );
  expectThat(request.executionArn === executionArn, `the approval request names execution ${request.executionArn}`);
  return request;
}

/** Receives the first message `mine` accepts, deleting it and releasing the others; `check` runs between polls. */
async function receiveMine(
  c: Context,
  queueUrl: string,
  mine: (m: Message) => boolean,
  what: string,
  check: () => Promise<void> = async () => undefined,
): Promise<Message> {
  const deadline = Date.now() + c.quietSeconds * 1000;
  // Long polls on AWS; short polls locally, where the check between them should run often.
  const waitSeconds = c.pollMs >= 1000 ? 1 : 0;
  for (;;) {
    const messages =
      (await c.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds })))
        .Messages ?? [];
    const found = messages.find(mine);
    await releaseMessages(
      c.sqs,
      queueUrl,
      messages.filter((m) => m !== found),
    );
    if (found) {
      await deleteMessages(c.sqs, queueUrl, [found]);
      return found;
    }
    await check();
    if (Date.now() > deadline) throw new ScenarioError(`timed out after ${c.quietSeconds} s waiting for ${what}`);
    if (waitSeconds === 0) await new Promise((r) => setTimeout(r, c.pollMs));
  }
}

/** The step-functions scenario, for the registry of `scenarios/index.ts`. */
export const scenario: ScenarioDefinition = {
  pattern: 'step-functions',
  stack: STEP_FUNCTIONS_STACK,
  description: 'order workflow (every state type, retry, compensation, human approval by task token) and synchronous Express ingestion',
  outputs: [
    'OrderWorkflowArn',
    'IngestionWorkflowArn',
    'OrdersTableName',
    'ReadingsTableName',
    'ApprovalQueueUrl',
    'ApprovalDeadLetterQueueUrl',
    'QuarantineQueueUrl',
  ],
  run: (target, options) => runStepFunctionsScenario(target, options),
};
