// Runs fauxqs (SQS, SNS and S3 emulator; ESM only, so it cannot load inside jest's CommonJS) as a
// child process of the local runtime. Unlike fauxqs's own CLI, which listens on every interface,
// it binds 127.0.0.1 only. It prints one JSON line {"port":N} when listening, then one JSON line
// per S3 object event ({"s3":{...}}), which the runtime turns into S3 notifications (fauxqs does
// not deliver them itself). The stores come from fauxqs's dist files by path: the package exports
// only its entry point, and this launcher needs the stores to attach the S3 event hook. fauxqs is
// pinned to 1.9.2 in package.json for that reason.
//
// Where fauxqs differs from AWS, this launcher corrects it in one place, the modules of ./fauxqs/
// (docs/local-runtime.md lists what they change and what still differs):
// - fauxqs modules replaced through module hooks: SNS filter policies (filter-policy.mjs) and the SQS
//   message rules of sqsTypes.js (sqs-types.mjs);
// - a validating layer around fauxqs's action handlers (layer.mjs): message sizes, counts, characters and
//   attributes (message-guards.mjs), filter policies at Subscribe and SetSubscriptionAttributes
//   (subscriptions.mjs), FIFO deduplication scopes for queues and topics (fifo.mjs), what becomes of each
//   SNS delivery to SQS (sns-delivery.mjs), and the SQS error codes the SDK names errors after.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

// The entry point is dist/app.js; the stores sit beside it.
const dist = new URL('.', import.meta.resolve('fauxqs'));
const here = (file) => new URL(`./fauxqs/${file}`, import.meta.url).href;
const replace = { 'sns/filter.js': here('filter-policy.mjs'), 'sqs/sqsTypes.js': here('sqs-types.mjs') };
for (const file of Object.keys(replace)) {
  // A fauxqs release that moved these files would silently bypass the corrections: refuse to start.
  if (!existsSync(new URL(file, dist))) throw new Error(`fauxqs has no dist/${file}: local/fauxqs/ needs the fauxqs 1.9.2 layout`);
}
register(here('resolve-hooks.mjs'), { data: { dist: dist.href, replace } });
const load = (file) => import(new URL(file, dist).href);

const { buildApp } = await load('app.js');
const { SqsQueue, SqsStore } = await load('sqs/sqsStore.js');
const { SnsStore } = await load('sns/snsStore.js');
const { S3Store } = await load('s3/s3Store.js');
const { SqsRouter } = await load('sqs/sqsRouter.js');
const { SnsRouter } = await load('sns/snsRouter.js');
const { SqsError, SnsError } = await load('common/errors.js');
const { snsSuccessResponse, escapeXml } = await load('common/xml.js');
const { guardRouter, mergeGuards, useAwsQueryErrorCodes } = await import(here('layer.mjs'));
const { messageGuards } = await import(here('message-guards.mjs'));
const { subscriptionGuards } = await import(here('subscriptions.mjs'));
const { fifoGuards, installQueueDeduplication } = await import(here('fifo.mjs'));
const { snsDeliveryGuards } = await import(here('sns-delivery.mjs'));

installQueueDeduplication(SqsQueue);
useAwsQueryErrorCodes(SqsError);
const handlers = { sqs: {}, sns: {} };
const deps = { SqsError, SnsError, snsSuccessResponse, escapeXml, handlers, contentBasedDeduplicationId: SqsStore.contentBasedDeduplicationId };
const guards = mergeGuards(messageGuards(deps), subscriptionGuards(deps), fifoGuards(deps), snsDeliveryGuards());
guardRouter(SqsRouter, guards.sqs, handlers.sqs);
guardRouter(SnsRouter, guards.sns, handlers.sns);

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
