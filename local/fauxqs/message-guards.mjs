// Checks every SQS and SNS message against messages.mjs before fauxqs stores or fans it out, and answers
// with AWS's error where AWS refuses it. Batch semantics follow the API references: a problem with the
// request (entry count, ids, the batch total, for SNS also attributes) fails the request; a problem with
// one SQS entry (or one SNS entry's body) fails that entry only.
import {
  snsAttributes,
  snsBatchEntries,
  snsBatchProblem,
  snsMaxMessageBytes,
  snsPublishProblem,
  sqsBatchProblem,
  sqsMaxMessageBytes,
  sqsMessageProblem,
} from './messages.mjs';

/**
 * @param deps.SqsError, deps.SnsError fauxqs's error classes (the routers serialise them)
 * @param deps.snsSuccessResponse fauxqs's SNS response writer
 * @param deps.escapeXml fauxqs's XML escaping
 * @param deps.handlers the guarded handlers by service and action (PublishBatch publishes entry by entry)
 */
export function messageGuards({ SqsError, SnsError, snsSuccessResponse, escapeXml, handlers }) {
  const sqsFail = (problem) => {
    throw new SqsError(problem.code, problem.message);
  };
  const snsFail = (problem) => {
    throw new SnsError(problem.code, problem.message);
  };

  function sendMessage(body, [store], next) {
    const queue = store.getQueue(body.QueueUrl);
    if (queue === undefined) return next(); // fauxqs answers QueueDoesNotExist
    const problem = sqsMessageProblem(body.MessageBody, body.MessageAttributes, sqsMaxMessageBytes(queue));
    if (problem) sqsFail(problem);
    return next();
  }

  function sendMessageBatch(body, [store], next) {
    const queue = store.getQueue(body.QueueUrl);
    if (queue === undefined) return next();
    const batchProblem = sqsBatchProblem(body.Entries);
    if (batchProblem) sqsFail(batchProblem);
    const failed = [];
    const accepted = [];
    for (const entry of body.Entries) {
      const problem = sqsMessageProblem(entry.MessageBody, entry.MessageAttributes, sqsMaxMessageBytes(queue), true);
      if (problem) failed.push({ Id: entry.Id, SenderFault: true, Code: problem.code, Message: problem.message });
      else accepted.push(entry);
    }
    if (failed.length === 0) return next();
    if (accepted.length === 0) return { Successful: [], Failed: failed };
    const result = next({ ...body, Entries: accepted });
    return { Successful: result.Successful ?? [], Failed: [...failed, ...(result.Failed ?? [])] };
  }

  /**
   * Publish: the message and its attributes are checked against the topic's limit (what becomes of each
   * delivery is sns-delivery.mjs's).
   */
  function publish(params, [snsStore], next) {
    const topic = snsStore.getTopic(params.TopicArn);
    if (topic === undefined) return next(); // fauxqs answers NotFound
    const problem = snsPublishProblem(params.Message, snsAttributes(params), snsMaxMessageBytes(topic));
    if (problem) snsFail(problem);
    return next();
  }

  /** PublishBatch: request-level checks, then each entry published as Publish would publish it. */
  function publishBatch(params, args) {
    const [snsStore] = args;
    const topic = snsStore.getTopic(params.TopicArn);
    if (topic === undefined) throw new SnsError('NotFound', 'Topic does not exist', 404);
    const entries = snsBatchEntries(params);
    const problem = snsBatchProblem(entries, snsMaxMessageBytes(topic));
    if (problem) snsFail(problem);
    if (topic.attributes.FifoTopic === 'true') {
      if (entries.some((e) => !params[`${e.prefix}MessageGroupId`])) {
        snsFail({ code: 'InvalidParameter', message: 'Invalid parameter: The MessageGroupId parameter is required for FIFO topics' });
      }
      if (topic.attributes.ContentBasedDeduplication !== 'true' && entries.some((e) => !params[`${e.prefix}MessageDeduplicationId`])) {
        snsFail({
          code: 'InvalidParameter',
          message: 'Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        });
      }
    }
    const successful = [];
    const failed = [];
    for (const entry of entries) {
      const single = { Action: 'Publish', TopicArn: params.TopicArn };
      for (const [key, value] of Object.entries(params)) {
        if (key.startsWith(entry.prefix)) single[key.slice(entry.prefix.length)] = value;
      }
      try {
        const result = handlers.sns.Publish(single, ...args);
        const messageId = /<MessageId>([^<]+)<\/MessageId>/.exec(result)?.[1] ?? '';
        successful.push(`<member><Id>${escapeXml(entry.id)}</Id><MessageId>${messageId}</MessageId></member>`);
      } catch (error) {
        if (!(error instanceof SnsError)) throw error;
        failed.push(
          `<member><Id>${escapeXml(entry.id)}</Id><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message><SenderFault>true</SenderFault></member>`,
        );
      }
    }
    return snsSuccessResponse('PublishBatch', `<Successful>${successful.join('')}</Successful><Failed>${failed.join('')}</Failed>`);
  }

  return {
    sqs: { SendMessage: [sendMessage], SendMessageBatch: [sendMessageBatch] },
    sns: { Publish: [publish], PublishBatch: [publishBatch] },
  };
}
