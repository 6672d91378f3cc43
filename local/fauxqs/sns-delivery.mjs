// What becomes of each delivery of an SNS message to an SQS subscription, decided where fauxqs fans the
// message out (its Publish handler looks up each subscription, then the subscribed queue, and enqueues).
// fauxqs enqueues every delivery; SNS does not:
// - raw delivery carries at most 10 message attributes; with more, SNS discards that delivery ("Amazon
//   SNS message attributes");
// - SQS refuses a message larger than the queue's MaximumMessageSize (the body plus, with raw delivery,
//   the attributes; without it, the JSON envelope), so the delivery fails. A delivery SQS refuses fails
//   on every retry too: after SNS's retries it goes to the subscription's dead-letter queue (its
//   RedrivePolicy), and is lost without one or when the dead-letter queue refuses it as well
//   ("Amazon SNS dead-letter queues"). Locally it goes there at once, as the message that would have
//   been delivered.
import { calculateMessageSize, SNS_LIMITS, snsAttributes, sqsMaxMessageBytes } from './messages.mjs';

const deadLetterTargetArn = (subscription) => {
  try {
    return JSON.parse(subscription.attributes.RedrivePolicy ?? '{}').deadLetterTargetArn;
  } catch {
    return undefined;
  }
};

/**
 * The subscribed queue as the fan-out sees it: every property of `queue`, but `enqueue` delivers as SNS
 * does, to the queue when the message fits it, else to the subscription's dead-letter queue when the
 * message fits that, else nowhere.
 */
function deliveringQueue(queue, subscription, queueByArn) {
  const deliver = (message) => {
    const size = calculateMessageSize(message.body, message.messageAttributes);
    if (size <= sqsMaxMessageBytes(queue)) return queue.enqueue(message);
    const dlqArn = deadLetterTargetArn(subscription);
    const dlq = dlqArn === undefined ? undefined : queueByArn(dlqArn);
    if (dlq !== undefined && size <= sqsMaxMessageBytes(dlq)) dlq.enqueue(message);
  };
  return new Proxy(queue, {
    get(target, property) {
      if (property === 'enqueue') return deliver;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Publish: each SQS delivery of the message is discarded, refused or enqueued as SNS would. */
function publish(params, [snsStore, sqsStore], next) {
  const attributeCount = Object.keys(snsAttributes(params)).length;
  const getSubscription = snsStore.getSubscription;
  const getQueueByArn = sqsStore.getQueueByArn;
  const queueByArn = (arn) => getQueueByArn.call(sqsStore, arn);
  // fauxqs looks up a subscription, then its queue: the subscription being delivered to is the last one looked up.
  let delivering;
  snsStore.getSubscription = (arn) => {
    const subscription = getSubscription.call(snsStore, arn);
    const raw = subscription?.protocol === 'sqs' && subscription.attributes.RawMessageDelivery === 'true';
    delivering = raw && attributeCount > SNS_LIMITS.maxRawSqsAttributes ? undefined : subscription;
    return delivering;
  };
  sqsStore.getQueueByArn = (arn) => {
    const queue = queueByArn(arn);
    if (queue === undefined || delivering?.protocol !== 'sqs' || delivering.endpoint !== arn) return queue;
    return deliveringQueue(queue, delivering, queueByArn);
  };
  try {
    return next();
  } finally {
    delete snsStore.getSubscription;
    delete sqsStore.getQueueByArn;
  }
}

/** Guards for the launcher's layer (see layer.mjs), by service and action. */
export function snsDeliveryGuards() {
  return { sns: { Publish: [publish] } };
}
