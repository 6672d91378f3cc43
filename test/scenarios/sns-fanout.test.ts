import type { App, Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { synthesizeForLocal } from '../../local/assembly';
import { runSnsFanoutScenario, SNS_FANOUT_STACK } from '../../scenarios/sns-fanout';
import { leftBehindBy, onLocalRuntime } from '../run-locally';

async function scenarioOn(mutate?: (app: App) => void) {
  const assembly = synthesizeForLocal({ mutate, stacks: [SNS_FANOUT_STACK] });
  try {
    return await onLocalRuntime(assembly.stacks, 3, async (target, runtime) => {
      const { value: result, leftBehind } = await leftBehindBy(runtime, () =>
        runSnsFanoutScenario(target, { largePayloadBytes: 300 * 1024 }),
      );
      return { result, deliveryProblems: runtime.deliveryProblems, leftBehind };
    });
  } finally {
    assembly.dispose();
  }
}

function find<T>(app: App, pathEnd: string): T {
  const stack = app.node.findChild(SNS_FANOUT_STACK) as Stack;
  const found = stack.node.findAll().find((c) => c.node.path.endsWith(pathEnd));
  if (!found) throw new Error(`no construct ending in ${pathEnd}`);
  return found as T;
}

// Each test runs its own local runtime; they wait mostly on deliveries, so they run side by side.
describe('sns-fanout scenario on the local runtime', () => {
  test.concurrent('passes on the app as synthesized; leaves the stack as it found it', async () => {
    const { result, deliveryProblems, leftBehind } = await scenarioOn();
    expect(result.error).toBeUndefined();
    expect(result.steps.filter((s) => !s.ok)).toEqual([]);
    expect(result.steps).toHaveLength(10);
    expect(result.counters).toEqual({ sent: 42, processed: 37, deadLettered: 2 });
    expect(deliveryProblems).toEqual([]);
    // The 25 records of the Lambda subscriber (the rejected notifications have none) and the payload.
    expect(result.cleaned).toEqual([
      { what: 'the claim-checked payload', ok: true, detail: '1 object deleted' },
      { what: "this run's messages left in the queues and dead-letter queues", ok: true, detail: 'none left in 17 queues' },
      {
        what: "the Lambda subscriber's records of this run's notifications",
        ok: true,
        detail: '25 of 27 deleted (the others were never written)',
      },
    ]);
    expect(leftBehind).toEqual([]);
  }, 60_000);

  test.concurrent('bites when the priority filter policy is removed: the queue receives what it should not', async () => {
    const { result } = await scenarioOn((app) => {
      find<sns.CfnSubscription>(app, 'Priority/Queue/DecouplingSnsFanoutNotificationsTopicA49E3489/Resource').addPropertyDeletionOverride(
        'FilterPolicy',
      );
    });
    expect(result.error).toMatch(/^ScenarioError: priority queue: missing .*; not selected but received \w/);
  }, 60_000);

  test.concurrent('bites when the queue key no longer lets SNS use it: deliveries go to the subscription DLQ, as on AWS', async () => {
    const { result, deliveryProblems, leftBehind } = await scenarioOn((app) => {
      const key = find<kms.CfnKey>(app, 'Priority/Key/Resource');
      key.addPropertyOverride('KeyPolicy', {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub template
            Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      });
    });
    expect(result.error).toMatch(/^ScenarioError: timed out after [\d.]+ s waiting for 8 messages in /);
    expect(deliveryProblems).toEqual([
      expect.objectContaining({
        reason: expect.stringMatching(
          /^the policy of key PriorityKey\w+ \(queue PriorityQueue\w+\) does not let sns.amazonaws.com kms:GenerateDataKey and kms:Decrypt for this topic$/,
        ),
        outcome: expect.stringMatching(/^deliveries go to its dead-letter queue arn:aws:sqs:us-east-1:000000000000:/),
      }),
    ]);
    // The failed run drains its messages from every queue, the subscription DLQ included.
    expect(result.cleaned.find((c) => c.what.startsWith("this run's messages"))?.detail).toMatch(
      /^\d+ deleted \(8 from [\w-]*NotificationsPriorityDeadLetterQueue/,
    );
    expect(leftBehind).toEqual([]);
  }, 60_000);
});
