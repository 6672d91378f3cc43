/**
 * The numbers the decision guide (docs/choosing.md) states, rendered from lib/shared/limits.ts by
 * `npm run docs` between `<!-- BEGIN facts:choosing -->` markers, so that the guide cannot drift.
 */
import { APIGATEWAY, APPFLOW, LAMBDA_SQS, SNS, SQS, STEP_FUNCTIONS } from '../lib/shared/limits';

const count = (n: number) => n.toLocaleString('en-US');
const KIB = 1024;

/** One line per number that decides between the services. */
export const CHOOSING_FACTS: readonly string[] = [
  `Lambda runs a function for at most ${count(LAMBDA_SQS.timeoutSeconds.max)} s (${LAMBDA_SQS.timeoutSeconds.max / 60} minutes); longer work belongs to AWS Batch or a Step Functions workflow ([s3-batch](patterns/s3-batch.md), [step-functions](patterns/step-functions.md)).`,
  `An SQS message is at most ${count(SQS.maxMessageSizeBytes.max)} bytes (${SQS.maxMessageSizeBytes.max / KIB ** 2} MiB; this project's queues default to the notes' ${SQS.notesMaxMessageSizeBytes / KIB} KiB), kept ${SQS.defaultRetentionSeconds / 86_400} days by default and at most ${SQS.retentionSeconds.max / 86_400} days ([sqs-dlq](patterns/sqs-dlq.md#limits-enforced-at-synth-time)).`,
  `An SNS message is at most ${count(SNS.maxMessageSizeBytes)} bytes (${SNS.maxMessageSizeBytes / KIB} KiB); larger payloads travel by claim check through S3, up to ${SNS.extendedClientMaxBytes / KIB ** 3} GiB with the extended client libraries ([sns-fanout](patterns/sns-fanout.md#claim-check-for-payloads-over-256-kib)).`,
  `FIFO queues without high-throughput mode: ${count(SQS.fifoTransactionsPerSecond)} API calls per second per action, ${count(SQS.fifoBatchedMessagesPerSecond)} messages per second in batches of ${SQS.maxBatchEntries}; standard queues have nearly no limit ([sqs-dlq](patterns/sqs-dlq.md#what-the-service-notes-say-and-where-it-shows)).`,
  `A Standard workflow runs up to ${STEP_FUNCTIONS.standardTimeoutSeconds.max / 86_400} days (one year) with an auditable history; an Express workflow at most ${STEP_FUNCTIONS.expressTimeoutSeconds.max / 60} minutes ([step-functions](patterns/step-functions.md#standard-or-express)).`,
  `API Gateway waits at most ${count(APIGATEWAY.integrationTimeoutMs.max)} ms for a REST integration by default; a WebSocket connection lasts at most ${APIGATEWAY.webSocketConnectionSeconds / 3600} hours and ${APIGATEWAY.webSocketIdleSeconds / 60} minutes idle ([api-lambda](patterns/api-lambda.md#limits-enforced-at-synth-time)).`,
  `An AppFlow flow run moves at most ${APPFLOW.maxBytesPerRun.max / KIB ** 3} GB (the notes' limit for scheduled transfers) ([appflow](patterns/appflow.md#limits-enforced-at-synth-time)).`,
];
