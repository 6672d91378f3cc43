import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger, processRecord } from './order';

const processor = new SqsFifoPartialProcessorAsync();

/**
 * Consumer of the FIFO queue: records are processed in order; when one fails, the records after it
 * in the same message group are returned unprocessed (reported as failures) so the group's order
 * holds, while other groups in the batch go on.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  return processPartialResponse(event, (record: SQSRecord) => processRecord(record, context), processor, {
    context,
    skipGroupOnError: true,
    throwOnFullBatchFailure: false,
  });
};
