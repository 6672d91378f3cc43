import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { releaseMessages } from './queue-messages';

/** Where to move messages from and to. */
export interface RedriveRequest {
  readonly deadLetterQueueUrl: string;
  readonly deadLetterQueueArn: string;
  readonly sourceQueueUrl: string;
  readonly sourceQueueArn: string;
  /** Give up after this long. */
  readonly timeoutSeconds: number;
}

/** What a redrive did. */
export interface RedriveResult {
  readonly method: 'StartMessageMoveTask' | 'receive-send-delete';
  readonly moved: number;
}

const UNSUPPORTED = /InvalidAction|UnsupportedOperation|UnknownOperation|Unknown action/i;

/**
 * Moves every message of a dead-letter queue back to its source queue. On AWS it starts a message
 * move task (StartMessageMoveTask) and waits for it to complete. Where that API does not exist (the
 * local emulator) it moves messages itself: receive, send to the source, then delete from the DLQ,
 * keeping message attributes, and for FIFO queues the message group id and deduplication id. A
 * message is deleted from the DLQ only after the source accepted it, so a failure loses nothing.
 */
export async function redrive(sqs: SQSClient, request: RedriveRequest): Promise<RedriveResult> {
  let taskHandle: string | undefined;
  try {
    const task = await sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: request.deadLetterQueueArn, DestinationArn: request.sourceQueueArn }),
    );
    taskHandle = task.TaskHandle;
  } catch (error) {
    const e = error as Error;
    if (!UNSUPPORTED.test(`${e.name} ${e.message}`)) throw error;
    return { method: 'receive-send-delete', moved: await moveByHand(sqs, request) };
  }
  const deadline = Date.now() + request.timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    const tasks = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: request.deadLetterQueueArn, MaxResults: 10 }));
    const task = tasks.Results?.find((t) => t.TaskHandle === taskHandle) ?? tasks.Results?.[0];
    if (task?.Status === 'COMPLETED') return { method: 'StartMessageMoveTask', moved: Number(task.ApproximateNumberOfMessagesMoved ?? 0) };
    if (task?.Status === 'FAILED' || task?.Status === 'CANCELLED') {
      throw new Error(`message move task ${task.Status.toLowerCase()}: ${task.FailureReason ?? 'no reason given'}`);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`message move task did not complete within ${request.timeoutSeconds} s`);
}

/** Options of {@link moveMessages}. */
export interface MoveOptions {
  /** Called after each batch with what has moved and what there was to move when the move started. */
  readonly onProgress?: (moved: number, toMove: number) => void;
  /** Most messages moved per second (as StartMessageMoveTask's MaxNumberOfMessagesPerSecond). */
  readonly maxPerSecond?: number;
  /** Stops the move between batches; what was sent is already deleted from the DLQ. */
  readonly signal?: AbortSignal;
}

/**
 * Moves the messages of a dead-letter queue to `request.sourceQueueUrl` with receive, send and
 * delete, as a message move task would where that API does not exist. Returns how many moved.
 */
export async function moveMessages(sqs: SQSClient, request: RedriveRequest, options: MoveOptions = {}): Promise<number> {
  return moveByHand(sqs, request, options);
}

async function moveByHand(sqs: SQSClient, request: RedriveRequest, options: MoveOptions = {}): Promise<number> {
  const fifo = request.sourceQueueArn.endsWith('.fifo');
  const started = Date.now();
  const deadline = Date.now() + request.timeoutSeconds * 1000;
  // Like a message move task, move what is in the DLQ when the redrive starts. A message that fails
  // again after the move comes back with the id the source gave it: it is not moved a second time.
  // Messages being looked at (in flight) when the redrive starts count too: they become visible again.
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: request.deadLetterQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const toMove =
    Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  const movedIds = new Set<string>();
  let moved = 0;
  let emptyReceives = 0;
  options.onProgress?.(0, toMove);
  while (emptyReceives < 2 && moved < toMove && !options.signal?.aborted) {
    if (Date.now() > deadline) throw new Error(`redrive did not finish within ${request.timeoutSeconds} s (${moved} moved)`);
    const batch = Math.max(1, Math.min(10, toMove - moved, options.maxPerSecond ?? 10));
    if (options.maxPerSecond) {
      // Keep the average rate at or under the limit: the next batch is due when it keeps moved/elapsed in bounds.
      const due = started + ((moved + batch) / options.maxPerSecond) * 1000;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: request.deadLetterQueueUrl,
        MaxNumberOfMessages: batch,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const returned = (received.Messages ?? []).filter((m) => movedIds.has(m.MessageId as string));
    const messages = (received.Messages ?? []).filter((m) => !movedIds.has(m.MessageId as string));
    await releaseMessages(sqs, request.deadLetterQueueUrl, returned);
    if (messages.length === 0) {
      emptyReceives++;
      continue;
    }
    emptyReceives = 0;
    const sent = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: request.sourceQueueUrl, Entries: messages.map((m, i) => entry(m, i, fifo)) }),
    );
    if (sent.Failed?.length) {
      const first = sent.Failed[0];
      throw new Error(`redrive: the source queue refused ${sent.Failed.length} message(s): ${first.Code}: ${first.Message ?? ''}`);
    }
    for (const s of sent.Successful ?? []) movedIds.add(s.MessageId as string);
    const accepted = new Set((sent.Successful ?? []).map((s) => s.Id));
    const toDelete = messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })).filter((e) => accepted.has(e.Id));
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: request.deadLetterQueueUrl, Entries: toDelete }));
    moved += toDelete.length;
    options.onProgress?.(moved, toMove);
  }
  return moved;
}

function entry(message: Message, index: number, fifo: boolean): SendMessageBatchRequestEntry {
  const attributes = message.Attributes ?? {};
  return {
    Id: String(index),
    MessageBody: message.Body ?? '',
    MessageAttributes: message.MessageAttributes,
    ...(fifo ? { MessageGroupId: attributes.MessageGroupId, MessageDeduplicationId: attributes.MessageDeduplicationId } : {}),
  };
}
