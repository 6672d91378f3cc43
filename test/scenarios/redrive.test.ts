import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { redrive } from '../../scenarios/redrive';
import { useFauxqs } from '../local-clients';

const local = useFauxqs();

async function pair(name: string, fifo: boolean) {
  const suffix = fifo ? '.fifo' : '';
  const fifoAttributes = fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' } : {};
  const dlqName = `${name}-dlq${suffix}`;
  const dlq = (await local.sqs.send(new CreateQueueCommand({ QueueName: dlqName, Attributes: fifoAttributes }))).QueueUrl as string;
  const dlqArn = `arn:aws:sqs:us-east-1:000000000000:${dlqName}`;
  const sourceName = `${name}${suffix}`;
  const source = (
    await local.sqs.send(
      new CreateQueueCommand({
        QueueName: sourceName,
        Attributes: { ...fifoAttributes, RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) },
      }),
    )
  ).QueueUrl as string;
  return { dlq, dlqArn, source, sourceArn: `arn:aws:sqs:us-east-1:000000000000:${sourceName}` };
}

/** Receives a message twice without deleting it, so that the emulator dead-letters it. */
async function deadLetter(queueUrl: string) {
  for (let i = 0; i < 3; i++) {
    await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
  }
}

test('FIFO: message group and deduplication id survive the move, and the source does not drop the message as a duplicate', async () => {
  const q = await pair('fifo-redrive', true);
  const sent = await local.sqs.send(
    new SendMessageCommand({
      QueueUrl: q.source,
      MessageBody: 'poison',
      MessageGroupId: 'g-7',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'test' } },
    }),
  );
  await deadLetter(q.source);
  const inDlq = await local.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: q.dlq, MessageSystemAttributeNames: ['All'], VisibilityTimeout: 0 }),
  );
  // AWS replaces a dead-lettered FIFO message's deduplication id with its message id.
  expect(inDlq.Messages?.[0].Attributes).toMatchObject({ MessageGroupId: 'g-7', MessageDeduplicationId: sent.MessageId });

  const result = await redrive(local.sqs, {
    deadLetterQueueUrl: q.dlq,
    deadLetterQueueArn: q.dlqArn,
    sourceQueueUrl: q.source,
    sourceQueueArn: q.sourceArn,
    timeoutSeconds: 10,
  });
  expect(result).toEqual({ method: 'receive-send-delete', moved: 1 });
  const back = await local.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: q.source, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
  );
  expect(back.Messages?.[0]).toMatchObject({
    Body: 'poison',
    Attributes: { MessageGroupId: 'g-7', MessageDeduplicationId: sent.MessageId },
    MessageAttributes: { kind: { DataType: 'String', StringValue: 'test' } },
  });
  expect((await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: q.dlq }))).Messages).toBeUndefined();
});

test('moves what the DLQ held when it started, not what fails again meanwhile', async () => {
  const q = await pair('std-redrive', false);
  for (let i = 0; i < 12; i++) await local.sqs.send(new SendMessageCommand({ QueueUrl: q.source, MessageBody: `m${i}` }));
  for (let i = 0; i < 3; i++) await deadLetter(q.source);
  const result = await redrive(local.sqs, {
    deadLetterQueueUrl: q.dlq,
    deadLetterQueueArn: q.dlqArn,
    sourceQueueUrl: q.source,
    sourceQueueArn: q.sourceArn,
    timeoutSeconds: 10,
  });
  expect(result.moved).toBe(12);
});
