// The SNS fan-out pattern sizes every subscription dead-letter queue for the largest notification in its
// JSON envelope (FAILURE_RECORDS.snsEnvelopedMaxBytes), so that a delivery SNS cannot make still lands
// there. Checked on the local SNS and SQS, which fail an oversized delivery as AWS does: a subscriber
// queue left at 256 KiB refuses the enveloped 256 KiB notification, and the delivery goes to the
// subscription's dead-letter queue, or is lost when that is left at 256 KiB too.
import { CreateTopicCommand, PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { FAILURE_RECORDS, SNS } from '../../lib/shared/limits';
import { receiveAll, useFauxqs } from '../local-clients';

const local = useFauxqs();
const SQS_256_KIB = 262_144;

async function queue(name: string, maximumMessageSize: number): Promise<{ url: string; arn: string }> {
  const result = await local.sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: { MaximumMessageSize: String(maximumMessageSize) } }),
  );
  return { url: result.QueueUrl as string, arn: `arn:aws:sqs:us-east-1:000000000000:${name}` };
}

/** The bodies now in the queue, received and deleted. */
async function drain(url: string): Promise<string[]> {
  return (await receiveAll(local.sqs, url)).map((m) => m.Body as string);
}

/** A topic with one envelope (not raw) subscription of a 256 KiB queue, dead-lettering to a queue of `dlqSize` bytes. */
async function fanout(name: string, dlqSize: number) {
  const topicArn = (await local.sns.send(new CreateTopicCommand({ Name: name }))).TopicArn as string;
  const subscriber = await queue(`${name}-subscriber`, SQS_256_KIB);
  const dlq = await queue(`${name}-dlq`, dlqSize);
  await local.sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: subscriber.arn,
      Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn }) },
    }),
  );
  return { topicArn, subscriber, dlq };
}

// The largest notification SNS accepts, made of the character JSON escapes the most among those SNS
// accepts (a quote takes two bytes in the envelope).
const largest = '"'.repeat(SNS.maxMessageSizeBytes);

describe('SNS fan-out subscription dead-letter queues hold the largest undeliverable notification', () => {
  test('a DLQ of FAILURE_RECORDS.snsEnvelopedMaxBytes receives the enveloped 256 KiB notification the subscriber refused', async () => {
    const { topicArn, subscriber, dlq } = await fanout('sized-dlq', FAILURE_RECORDS.snsEnvelopedMaxBytes);
    await local.sns.send(new PublishCommand({ TopicArn: topicArn, Message: largest }));
    expect(await drain(subscriber.url)).toEqual([]);
    const dead = await drain(dlq.url);
    expect(dead).toHaveLength(1);
    expect(Buffer.byteLength(dead[0])).toBeGreaterThan(2 * SNS.maxMessageSizeBytes);
    expect(Buffer.byteLength(dead[0])).toBeLessThanOrEqual(FAILURE_RECORDS.snsEnvelopedMaxBytes);
    expect(JSON.parse(dead[0])).toMatchObject({ Type: 'Notification', TopicArn: topicArn, Message: largest });
  });

  test('a DLQ left at 256 KiB loses it (why the pattern sizes its DLQs)', async () => {
    const { topicArn, subscriber, dlq } = await fanout('default-dlq', SQS_256_KIB);
    await local.sns.send(new PublishCommand({ TopicArn: topicArn, Message: largest }));
    expect(await drain(subscriber.url)).toEqual([]);
    expect(await drain(dlq.url)).toEqual([]);
  });
});
