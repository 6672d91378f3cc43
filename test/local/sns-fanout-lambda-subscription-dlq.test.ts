// The SNS fan-out stack's Lambda subscription, when SNS may not invoke the processor (its
// AWS::Lambda::Permission removed from the template): SNS cannot make the delivery, so it goes to the
// subscription's dead-letter queue (SNS Developer Guide, "Amazon SNS dead-letter queues"), as the
// local runtime routes it. That queue is sized for the largest notification in its JSON envelope
// (FAILURE_RECORDS.snsEnvelopedMaxBytes): the largest notification the topic accepts must be found
// there whole. On the stack's own template, so a change to the DLQ's size or to the subscription is seen.
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { App } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { FAILURE_RECORDS, SNS } from '../../lib/shared/limits';
import { type LocalAssembly, synthesizeForLocal } from '../../local/assembly';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { SNS_FANOUT_STACK } from '../../scenarios/sns-fanout';
import { localClient, receiveAll } from '../local-clients';

/** Removes the permission that lets SNS invoke the processor for the fan-out topic, and returns its path. */
function withoutProcessorPermission(app: App): string[] {
  const processor = app.node.findChild(SNS_FANOUT_STACK).node.findChild('Processor');
  const permissions = processor.node.children.filter(
    (child) => child instanceof lambda.CfnPermission && child.principal === 'sns.amazonaws.com',
  );
  for (const permission of permissions) processor.node.tryRemoveChild(permission.node.id);
  return permissions.map((p) => p.node.path);
}

let removed: string[] = [];
let assembly: LocalAssembly;
let runtime: LocalRuntime;
let snsClient: SNSClient;
let sqsClient: SQSClient;

beforeAll(async () => {
  assembly = synthesizeForLocal({ stacks: [SNS_FANOUT_STACK], mutate: (app) => (removed = withoutProcessorPermission(app)) });
  runtime = await startLocalRuntime({ stacks: assembly.stacks, retryDelaySeconds: 0 });
  snsClient = localClient(runtime, SNSClient, 'sns');
  sqsClient = localClient(runtime, SQSClient, 'sqs');
}, 60_000);

afterAll(async () => {
  snsClient?.destroy();
  sqsClient?.destroy();
  await runtime?.stop();
  assembly?.dispose();
});

/** The bodies now in a queue, received and deleted (short polling: the stack's queues long-poll by default). */
async function drain(queueUrl: string): Promise<string[]> {
  return (await receiveAll(sqsClient, queueUrl)).map((m) => m.Body as string);
}

test('without its Lambda permission, the processor subscription sends the largest notification, whole, to its dead-letter queue', async () => {
  expect(removed).toEqual([expect.stringMatching(/^Decoupling-SnsFanout\/Processor\/AllowInvoke:/)]);
  expect(runtime.deliveryProblems).toEqual([
    expect.objectContaining({
      reason: expect.stringMatching(/^function Processor\w+ has no AWS::Lambda::Permission letting sns\.amazonaws\.com invoke it/),
      outcome: expect.stringMatching(/^deliveries go to its dead-letter queue arn:aws:sqs:.*NotificationsProcessorDeadLetterQueue/),
    }),
  ]);

  const outputs = runtime.outputs(SNS_FANOUT_STACK);
  // The largest notification the topic accepts (no attributes), made of the character JSON escaping
  // doubles, with an id to find it by.
  const id = 'largest-undeliverable';
  const message = id + '"'.repeat(SNS.maxMessageSizeBytes - id.length);
  expect(Buffer.byteLength(message)).toBe(SNS.maxMessageSizeBytes);
  await snsClient.send(new PublishCommand({ TopicArn: outputs.TopicArn, Message: message }));

  const dead = (await drain(outputs.ProcessorSubscriptionDeadLetterQueueUrl)).filter((body) => body.includes(id));
  expect(dead).toHaveLength(1);
  // In its SNS envelope: larger than any 256 KiB queue takes, within what the DLQ is sized for.
  expect(Buffer.byteLength(dead[0])).toBeGreaterThan(2 * SNS.maxMessageSizeBytes);
  expect(Buffer.byteLength(dead[0])).toBeLessThanOrEqual(FAILURE_RECORDS.snsEnvelopedMaxBytes);
  expect(JSON.parse(dead[0])).toMatchObject({ Type: 'Notification', TopicArn: outputs.TopicArn, Message: message });
  // The processor never ran: nothing reached its own failure destination.
  expect(await drain(outputs.ProcessorFailuresQueueUrl)).toEqual([]);
}, 30_000);
