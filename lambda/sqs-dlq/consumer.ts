import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger, processRecord } from './order';

const processor = new BatchProcessor(EventType.SQS);

/**
 * Consumer of the standard queue: records are processed concurrently and each failure is reported
 * as a batch item failure; the batch itself never fails.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  return processPartialResponse(event, (record: SQSRecord) => processRecord(record, context), processor, {
    context,
    throwOnFullBatchFailure: false,
  });
};
