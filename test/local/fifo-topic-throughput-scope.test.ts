// A FIFO topic's FifoThroughputScope, as the local runtime reads it from a synthesized template. With
// MessageGroup, SNS deduplicates per message group, so the same deduplication id in two groups is
// delivered in both (SNS Developer Guide, "High throughput for FIFO topics"); with Topic (the
// default) the second is a duplicate of the first and dropped before any subscriber. The emulator's
// rule is tested on its own in messaging-fidelity.test.ts; this proves the runtime forwards the
// template's property to it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { localClient, receiveAll } from '../local-clients';

const STACK = 'FifoTopicScope';

/** Two FIFO topics that differ only in their throughput scope, each with a high-throughput FIFO queue subscribed raw. */
function synthesize(outdir: string) {
  const app = new App({ outdir });
  const stack = new Stack(app, STACK);
  for (const [id, scope] of [
    ['MessageGroup', sns.FifoThroughputScope.MESSAGE_GROUP],
    ['Topic', sns.FifoThroughputScope.TOPIC],
  ] as const) {
    const topic = new sns.Topic(stack, `${id}Topic`, { fifo: true, fifoThroughputScope: scope });
    // The queue deduplicates per message group too: whatever it drops, it drops in the topic.
    const queue = new sqs.Queue(stack, `${id}Queue`, {
      fifo: true,
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
    });
    topic.addSubscription(new subscriptions.SqsSubscription(queue, { rawMessageDelivery: true }));
    new CfnOutput(stack, `${id}TopicArn`, { value: topic.topicArn });
    new CfnOutput(stack, `${id}QueueUrl`, { value: queue.queueUrl });
  }
  const assembly = app.synth();
  return { stackName: STACK, template: assembly.getStackByName(STACK).template, assemblyDir: assembly.directory };
}

const outdir = mkdtempSync(path.join(tmpdir(), 'fifo-topic-scope-'));
const stack = synthesize(outdir);
let runtime: LocalRuntime;
let snsClient: SNSClient;
let sqsClient: SQSClient;

beforeAll(async () => {
  runtime = await startLocalRuntime({ stacks: [stack], retryDelaySeconds: 0 });
  snsClient = localClient(runtime, SNSClient, 'sns');
  sqsClient = localClient(runtime, SQSClient, 'sqs');
}, 30_000);

afterAll(async () => {
  snsClient?.destroy();
  sqsClient?.destroy();
  await runtime?.stop();
  rmSync(outdir, { recursive: true, force: true });
});

/** Publishes the same deduplication id in groups g1, g2 and g1 again; returns the bodies the subscribed queue received. */
async function publishSameIdInTwoGroups(scope: 'MessageGroup' | 'Topic'): Promise<string[]> {
  const outputs = runtime.outputs(STACK);
  for (const [group, body] of [
    ['g1', 'one'],
    ['g2', 'two'],
    ['g1', 'one again'],
  ]) {
    await snsClient.send(
      new PublishCommand({ TopicArn: outputs[`${scope}TopicArn`], Message: body, MessageGroupId: group, MessageDeduplicationId: 'same' }),
    );
  }
  const received = await receiveAll(sqsClient, outputs[`${scope}QueueUrl`]);
  return received.map((m) => m.Body as string).sort();
}

describe("a FIFO topic's FifoThroughputScope from the template", () => {
  test('the template carries both scopes', () => {
    const scopes = Object.values(stack.template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>)
      .filter((r) => r.Type === 'AWS::SNS::Topic')
      .map((r) => r.Properties.FifoThroughputScope);
    expect(scopes.sort()).toEqual(['MessageGroup', 'Topic']);
  });

  test('MessageGroup: the same deduplication id in two groups is delivered in both, and once per group', async () => {
    expect(await publishSameIdInTwoGroups('MessageGroup')).toEqual(['one', 'two']);
  });

  test('Topic: the same deduplication id in a second group is a duplicate, dropped before the subscriber', async () => {
    expect(await publishSameIdInTwoGroups('Topic')).toEqual(['one']);
  });
});
