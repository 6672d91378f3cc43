export * from './backlog-worker';
export * from './queue-consumer';
export * from './queue-with-dead-letter';
export * from './sqs-dlq-stack';
