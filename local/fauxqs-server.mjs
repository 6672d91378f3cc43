// Runs fauxqs (SQS, SNS and S3 emulator; ESM only, so it cannot load inside jest's CommonJS) as a
// child process of the local runtime. Unlike fauxqs's own CLI, which listens on every interface,
// it binds 127.0.0.1 only. It prints one JSON line {"port":N} when listening, then one JSON line
// per S3 object event ({"s3":{...}}), which the runtime turns into S3 notifications (fauxqs does
// not deliver them itself). The stores come from fauxqs's dist files by path: the package exports
// only its entry point, and this launcher needs the stores to attach the S3 event hook. fauxqs is
// pinned to 1.9.2 in package.json for that reason.
// The entry point is dist/app.js; the stores sit beside it.
const dist = new URL('.', import.meta.resolve('fauxqs'));
const load = (file) => import(new URL(file, dist).href);

const { buildApp } = await load('app.js');
const { SqsQueue, SqsStore } = await load('sqs/sqsStore.js');
const { SnsStore } = await load('sns/snsStore.js');
const { S3Store } = await load('s3/s3Store.js');

// AWS replaces a FIFO message's deduplication id with its message id when it moves the message to
// a FIFO dead-letter queue, so that the DLQ's deduplication cannot drop an independent message and
// a redrive is not dropped by the source's deduplication window (SQS Developer Guide, "Learn how to
// configure a dead-letter queue redrive"). fauxqs keeps the original id; a message that has been
// received before and is enqueued again is being dead-lettered, so apply AWS's rule to it.
const enqueue = SqsQueue.prototype.enqueue;
SqsQueue.prototype.enqueue = function enqueueLikeAws(message) {
  if (this.isFifo() && message.approximateReceiveCount > 0) message.messageDeduplicationId = message.messageId;
  return enqueue.call(this, message);
};

const region = process.env.FAUXQS_DEFAULT_REGION ?? 'us-east-1';
const sqsStore = new SqsStore();
const snsStore = new SnsStore();
const s3Store = new S3Store();
s3Store.spy = {
  addMessage(event) {
    if (event.service === 's3' && (event.status === 'uploaded' || event.status === 'deleted')) {
      process.stdout.write(`${JSON.stringify({ s3: { bucket: event.bucket, key: event.key, status: event.status, time: event.timestamp } })}\n`);
    }
  },
};

const app = buildApp({ logger: false, host: 'localhost', defaultRegion: region, stores: { sqsStore, snsStore, s3Store } });
const address = await app.listen({ port: Number(process.env.FAUXQS_PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port), region })}\n`);

const stop = () => app.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The parent closes stdin when it goes away: never outlive it.
process.stdin.on('end', stop);
process.stdin.resume();
