// FIFO deduplication as SQS and SNS define it (SQS Developer Guide, "Exactly-once processing in Amazon
// SQS" and "High throughput for FIFO queues"; SNS Developer Guide, "Message deduplication for FIFO
// topics"; SNS API Reference, Publish MessageDeduplicationId).
//
// fauxqs keys a queue's deduplication on the id alone, so with DeduplicationScope messageGroup the same id
// (or body, with content-based deduplication) in a second message group is dropped where SQS delivers it;
// and it does not deduplicate at the FIFO topic at all. Here a queue decides at enqueue, where every
// arrival passes (SendMessage, SendMessageBatch, SNS fan-out) and the message's group is known; a FIFO
// topic decides before fanning out, by its FifoThroughputScope (Topic, or MessageGroup).

const WINDOW_MS = 5 * 60 * 1000;

/** Ids seen in the last five minutes, oldest first. */
class DeduplicationWindow {
  entries = new Map();

  get(key, now) {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (now - entry.at < WINDOW_MS) return entry;
    this.entries.delete(key);
    return undefined;
  }

  set(key, value, now) {
    this.entries.delete(key);
    this.entries.set(key, { ...value, at: now });
    for (const [oldest, entry] of this.entries) {
      if (now - entry.at < WINDOW_MS) break;
      this.entries.delete(oldest);
    }
  }
}

const queueWindows = new WeakMap();
const topicWindows = new WeakMap();
const windowOf = (owner, windows) => {
  let window = windows.get(owner);
  if (window === undefined) {
    window = new DeduplicationWindow();
    windows.set(owner, window);
  }
  return window;
};

/** Messages dropped as duplicates during the current request: dropped message id -> the original. */
const dropped = new Map();

/**
 * Moves a FIFO queue's deduplication into enqueue, keyed by DeduplicationScope, and applies SQS's
 * dead-letter rule there too: a FIFO message moved to a FIFO dead-letter queue gets its message id as its
 * deduplication id (SQS Developer Guide, "Learn how to configure a dead-letter queue redrive"), so the
 * DLQ's window cannot drop it. fauxqs's own check and record become no-ops.
 */
export function installQueueDeduplication(SqsQueue) {
  SqsQueue.prototype.checkDeduplication = () => ({ isDuplicate: false });
  SqsQueue.prototype.recordDeduplication = () => undefined;
  const enqueue = SqsQueue.prototype.enqueue;
  SqsQueue.prototype.enqueue = function enqueueOnce(message) {
    if (this.isFifo()) {
      if (message.approximateReceiveCount > 0) {
        message.messageDeduplicationId = message.messageId;
      } else if (message.messageDeduplicationId !== undefined) {
        const key =
          this.attributes.DeduplicationScope === 'messageGroup'
            ? `${message.messageGroupId}\n${message.messageDeduplicationId}`
            : message.messageDeduplicationId;
        const window = windowOf(this, queueWindows);
        const now = Date.now();
        const original = window.get(key, now);
        if (original !== undefined) {
          dropped.set(message.messageId, original);
          return;
        }
        window.set(key, { messageId: message.messageId, sequenceNumber: message.sequenceNumber }, now);
      }
    }
    enqueue.call(this, message);
  };
}

/** A duplicate send answers with the original message's id and sequence number, as SQS does. */
function asOriginal(result) {
  const original = result?.MessageId === undefined ? undefined : dropped.get(result.MessageId);
  if (original === undefined) return result;
  return { ...result, MessageId: original.messageId, SequenceNumber: original.sequenceNumber };
}

function forgettingDuplicates(run) {
  try {
    return run();
  } finally {
    dropped.clear();
  }
}

const sendMessage = (body, _args, next) => forgettingDuplicates(() => asOriginal(next()));
const sendMessageBatch = (body, _args, next) =>
  forgettingDuplicates(() => {
    const result = next();
    return { ...result, Successful: (result.Successful ?? []).map(asOriginal) };
  });

/**
 * Publish to a FIFO topic: a deduplication id (given, or the SHA-256 of the body with content-based
 * deduplication) seen in the last five minutes, in the whole topic or, with FifoThroughputScope
 * MessageGroup, in the same message group, is accepted and not delivered.
 */
function publishGuard({ contentBasedDeduplicationId, snsSuccessResponse }) {
  return (params, [snsStore], next) =>
    forgettingDuplicates(() => {
      const topic = snsStore.getTopic(params.TopicArn);
      if (topic?.attributes.FifoTopic !== 'true' || !params.MessageGroupId || typeof params.Message !== 'string') return next();
      const id =
        params.MessageDeduplicationId ??
        (topic.attributes.ContentBasedDeduplication === 'true' ? contentBasedDeduplicationId(params.Message) : undefined);
      if (id === undefined) return next(); // fauxqs refuses it
      const key = topic.attributes.FifoThroughputScope === 'MessageGroup' ? `${params.MessageGroupId}\n${id}` : id;
      const window = windowOf(topic, topicWindows);
      const now = Date.now();
      const original = window.get(key, now);
      if (original !== undefined) return snsSuccessResponse('Publish', `<MessageId>${original.messageId}</MessageId>`);
      const result = next();
      const messageId = /<MessageId>([^<]+)<\/MessageId>/.exec(result)?.[1];
      if (messageId !== undefined) window.set(key, { messageId }, now);
      return result;
    });
}

/** Guards for the launcher's layer (see layer.mjs), by service and action. */
export function fifoGuards(deps) {
  return {
    sqs: { SendMessage: [sendMessage], SendMessageBatch: [sendMessageBatch] },
    sns: { Publish: [publishGuard(deps)] },
  };
}
