import type { App, CfnElement, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { synthesizeForLocal } from '../../local/assembly';
import { runSqsDlqScenario, SQS_DLQ_STACK } from '../../scenarios/sqs-dlq';
import { leftBehindBy, onLocalRuntime } from '../run-locally';

/** Synthesizes the app (optionally broken on purpose), starts the runtime, runs the scenario. */
async function scenarioOn(mutate?: (app: App) => void, variants?: ReadonlyArray<'standard' | 'FIFO'>) {
  return (await scenarioLeaving(mutate, variants)).value;
}

/** Like {@link scenarioOn}, with what the run left behind in the runtime's tables, buckets and queues. */
async function scenarioLeaving(mutate?: (app: App) => void, variants?: ReadonlyArray<'standard' | 'FIFO'>) {
  const assembly = synthesizeForLocal({ mutate, stacks: [SQS_DLQ_STACK] });
  try {
    return await onLocalRuntime(assembly.stacks, 3, (target, runtime) =>
      leftBehindBy(runtime, () => runSqsDlqScenario(target, { variants })),
    );
  } finally {
    assembly.dispose();
  }
}

/** The low-level resource of a construct at `path` in the SqsDlq stack. */
function cfn<T extends CfnElement>(app: App, path: string): T {
  const stack = app.node.findChild(SQS_DLQ_STACK) as Stack;
  return stack.node
    .findChild(path.split('/')[0])
    .node.findAll()
    .find((c) => c.node.path.endsWith(path)) as T;
}

describe('sqs-dlq scenario on the local runtime', () => {
  test('passes on the app as synthesized: both queues, every step; leaves the stack as it found it', async () => {
    const { value: result, leftBehind } = await scenarioLeaving();
    expect(result.error).toBeUndefined();
    expect(result.steps.filter((s) => !s.ok)).toEqual([]);
    expect(result.steps).toHaveLength(13);
    expect(result.counters).toEqual({ sent: 52, processed: 40, deadLettered: 6 });
    // Each variant's 20 receipts are deleted when the run ends, and no message of the run is left.
    expect(result.cleaned).toEqual([
      { what: "FIFO: this run's messages left in the queue and its DLQ", ok: true, detail: 'none left in 2 queues' },
      { what: "FIFO: receipts of this run's orders", ok: true, detail: '20 deleted' },
      { what: "standard: this run's messages left in the queue and its DLQ", ok: true, detail: 'none left in 2 queues' },
      { what: "standard: receipts of this run's orders", ok: true, detail: '20 deleted' },
    ]);
    expect(leftBehind).toEqual([]);
  }, 60_000);

  describe('bites when the deployed configuration is wrong', () => {
    test('a maxReceiveCount different from what the stack advertises', async () => {
      const result = await scenarioOn(
        (app) => {
          cfn<sqs.CfnQueue>(app, 'Orders/Queue/Resource').addPropertyOverride('RedrivePolicy.maxReceiveCount', 3);
        },
        ['standard'],
      );
      expect(result.error).toBe('ScenarioError: redrive policy maxReceiveCount is 3, the stack says 5');
    }, 30_000);

    test('a removed redrive policy', async () => {
      const result = await scenarioOn(
        (app) => {
          cfn<sqs.CfnQueue>(app, 'Orders/Queue/Resource').addPropertyDeletionOverride('RedrivePolicy');
        },
        ['standard'],
      );
      expect(result.error).toMatch(/has no redrive policy: failed messages would never reach the dead-letter queue$/);
    }, 30_000);

    test('an event source without partial batch responses: poison messages are deleted, never dead-lettered', async () => {
      const { value: result, leftBehind } = await scenarioLeaving(
        (app) => {
          const stack = app.node.findChild(SQS_DLQ_STACK) as Stack;
          const mapping = stack.node
            .findAll()
            .find((c) => c.node.path.includes('Consumer/SqsEventSource') && c.node.id === 'Resource') as lambda.CfnEventSourceMapping;
          mapping.addPropertyDeletionOverride('FunctionResponseTypes');
        },
        ['standard'],
      );
      expect(result.error).toMatch(/^ScenarioError: timed out after \d+(\.\d+)? s waiting for 3 poison messages in the dead-letter queue$/);
      expect(result.steps.find((s) => !s.ok)?.name).toBe('standard: poison messages dead-lettered after exactly 5 receives');
      // A failed run cleans up too: the receipts of the orders it got through are deleted.
      expect(result.cleaned.find((c) => c.what === "standard: receipts of this run's orders")).toEqual(
        expect.objectContaining({ ok: true, detail: '20 deleted' }),
      );
      expect(leftBehind).toEqual([]);
    }, 60_000);
  });
});
