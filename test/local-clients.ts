import { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type Fauxqs, startFauxqs } from '../local/emulator';
import { resolveLocalhostNames } from '../local/localhost-dns';
import type { LocalRuntime } from '../local/runtime';

/** fauxqs for one test file, with SQS and SNS clients on it (read them inside tests and hooks). */
export interface FauxqsClients {
  readonly fauxqs: Fauxqs;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
}

/** What is set up in `beforeAll`: reading it before is a mistake in the test file. */
function ready<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is set up in beforeAll: use it inside tests and hooks`);
  return value;
}

/**
 * Starts fauxqs before the test file's tests (with `*.localhost` resolved to loopback, for its queue
 * URLs) and SQS and SNS clients on it; destroys the clients and stops fauxqs after them.
 */
export function useFauxqs(): FauxqsClients {
  let started: { fauxqs: Fauxqs; sqs: SQSClient; sns: SNSClient } | undefined;
  beforeAll(async () => {
    resolveLocalhostNames();
    const fauxqs = await startFauxqs();
    const config = { endpoint: fauxqs.endpoint, region: fauxqs.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    started = { fauxqs, sqs: new SQSClient(config), sns: new SNSClient(config) };
  }, 20_000);
  afterAll(async () => {
    started?.sqs.destroy();
    started?.sns.destroy();
    await started?.fauxqs.stop();
  });
  return {
    get fauxqs() {
      return ready(started, 'fauxqs').fauxqs;
    },
    get sqs() {
      return ready(started, 'the SQS client').sqs;
    },
    get sns() {
      return ready(started, 'the SNS client').sns;
    },
  };
}

/** An SDK v3 client class, as the tests construct them. */
type ClientClass<T> = new (config: { region: string; credentials: LocalRuntime['endpoints']['credentials']; endpoint: string }) => T;

/**
 * An SDK v3 client of one service of a running local runtime (`service` as `endpoints.services` names
 * it: `sqs`, `dynamodb`, `events`, `secretsmanager`...); the caller destroys it.
 */
export function localClient<T>(runtime: LocalRuntime, Client: ClientClass<T>, service: string): T {
  const { region, credentials, services } = runtime.endpoints;
  const endpoint = services[service];
  if (endpoint === undefined) throw new Error(`the local runtime has no ${service} endpoint`);
  return new Client({ region, credentials, endpoint });
}

/**
 * Every message now in a queue, in the order received, each deleted once received: short polls of
 * up to 10 with all message attributes, until one comes back empty. For queues that are filled
 * before it is called (a FIFO queue gives one message per group per receive locally; the loop goes on).
 */
export async function receiveAll(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const received: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) return received;
    for (const message of Messages) {
      received.push(message);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}
