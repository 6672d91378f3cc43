import { createHash } from 'node:crypto';
import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, type GetObjectCommandInput, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ClaimCheckError,
  type ClaimCheckPolicy,
  encodePointer,
  messageSize,
  offload,
  PayloadTooLargeError,
  parsePointer,
  resolvePayload,
  s3Fetcher,
} from '../../lambda/shared/claim-check';
import { type LocalDynamoDb, startDynamoDb } from '../../local/dynamodb/server';
import { FAULTS, FaultInjector } from '../faults';

/** The processor's claim-check settings in these tests (the stack passes its own; see the stack test). */
const PAYLOAD_BUCKET = 'payloads-bucket';
const PAYLOAD_MAX_BYTES = 4096;
process.env.DELIVERIES_TABLE_NAME = 'deliveries';
process.env.PAYLOAD_BUCKET_NAME = PAYLOAD_BUCKET;
process.env.PAYLOAD_KEY_PREFIX = 'payloads/';
process.env.PAYLOAD_MAX_BYTES = String(PAYLOAD_MAX_BYTES);
process.env.POWERTOOLS_DEV = 'true';

const s3 = mockClient(S3Client);
const objects = new Map<string, Buffer>();
/** Every GetObject: its Range, and how many body bytes the caller read. */
const reads: Array<{ key: string; range?: string; bytesRead: number; discarded: boolean }> = [];

/**
 * GetObject as S3 answers it: a Range `bytes=0-N` returns at most N + 1 bytes with
 * `Content-Range: bytes 0-M/TOTAL`; the body is only read through transformToByteArray.
 */
function getObject(input: GetObjectCommandInput) {
  const data = objects.get(`${input.Bucket}/${input.Key}`);
  if (data === undefined) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
  const read = { key: `${input.Bucket}/${input.Key}`, range: input.Range, bytesRead: 0, discarded: false };
  reads.push(read);
  const range = input.Range?.match(/^bytes=0-([0-9]+)$/);
  const end = range ? Math.min(Number(range[1]), data.length - 1) : data.length - 1;
  const slice = data.subarray(0, end + 1);
  const body = {
    transformToByteArray: async () => {
      read.bytesRead = slice.length;
      return new Uint8Array(slice);
    },
    destroy: () => {
      read.discarded = true;
    },
  };
  return {
    Body: body as never,
    ContentLength: slice.length,
    ...(range ? { ContentRange: `bytes 0-${end}/${data.length}` } : {}),
  };
}

// Set once, never reset: aws-sdk-client-mock's reset() replaces the stub, and with it the fault
// injector's wrapper around it.
s3.on(PutObjectCommand).callsFake((input) => {
  objects.set(`${input.Bucket}/${input.Key}`, Buffer.from(String(input.Body)));
  return {};
});
s3.on(GetObjectCommand).callsFake(getObject);

beforeEach(() => {
  objects.clear();
  reads.length = 0;
});

describe('claim check (extended client format)', () => {
  const policy: ClaimCheckPolicy = { bucket: 'b', keyPrefix: 'payloads/', maxBytes: 1000 };
  const fetch = s3Fetcher(new S3Client({}), GetObjectCommand);
  const pointerTo = (key: string, bucket = 'b') => encodePointer({ s3BucketName: bucket, s3Key: key });
  const declares = (bytes: number | string) => ({ ExtendedPayloadSize: { Value: String(bytes) } });

  test("the pointer is the extended clients' JSON array, and reads back", () => {
    const pointer = { s3BucketName: 'bucket', s3Key: 'payloads/abc' };
    expect(encodePointer(pointer)).toBe(
      '["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"bucket","s3Key":"payloads/abc"}]',
    );
    expect(parsePointer(encodePointer(pointer))).toEqual(pointer);
    expect(parsePointer('{"id":1}')).toBeUndefined();
    expect(parsePointer('[1,2]')).toBeUndefined();
    expect(() => parsePointer('["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"b"}]')).toThrow(ClaimCheckError);
  });

  test('small payloads pass through; large ones are stored and replaced by a pointer with ExtendedPayloadSize', async () => {
    const small = await offload('{"id":"a"}', {}, { s3: new S3Client({}), PutObject: PutObjectCommand, bucket: 'bucket' });
    expect(small).toEqual({ body: '{"id":"a"}', attributes: {} });
    const payload = 'é'.repeat(200_000); // 400,000 bytes in UTF-8
    const large = await offload(
      payload,
      { kind: { DataType: 'String', StringValue: 'x' } },
      { s3: new S3Client({}), PutObject: PutObjectCommand, bucket: 'bucket' },
    );
    expect(parsePointer(large.body)).toEqual(large.pointer);
    expect(large.attributes).toEqual({
      kind: { DataType: 'String', StringValue: 'x' },
      ExtendedPayloadSize: { DataType: 'Number', StringValue: '400000' },
    });
    expect(objects.get(`bucket/${large.pointer?.s3Key}`)?.toString('utf8')).toBe(payload);
  });

  test('attributes count toward the limit, as SNS counts them', async () => {
    expect(messageSize('ab', { k: { DataType: 'String', StringValue: 'vv' } })).toBe(2 + 1 + 6 + 2);
    const justOver = 'x'.repeat(262_144 - 10);
    await expect(
      offload(
        justOver,
        { kind: { DataType: 'String', StringValue: 'order-created' } },
        { s3: new S3Client({}), PutObject: PutObjectCommand },
      ),
    ).rejects.toThrow(new PayloadTooLargeError(262_144 - 10 + 4 + 6 + 13, 262_144));
  });

  test('a too-large payload without a bucket is a clear error', async () => {
    await expect(offload('x'.repeat(300_000), {}, { s3: new S3Client({}), PutObject: PutObjectCommand })).rejects.toThrow(
      'payload of 300000 bytes (attributes included) is over the 262144-byte SNS/SQS limit: publish it through the claim check (a payload bucket)',
    );
  });

  test('resolving checks the declared size (either attribute name) and names a missing object', async () => {
    objects.set('b/payloads/k', Buffer.from('hello'));
    const pointer = pointerTo('payloads/k');
    await expect(resolvePayload(pointer, { ExtendedPayloadSize: { Value: '5' } }, fetch, policy)).resolves.toEqual({
      payload: 'hello',
      pointer: { s3BucketName: 'b', s3Key: 'payloads/k' },
    });
    await expect(resolvePayload(pointer, { SQSLargePayloadSize: { StringValue: '6' } }, fetch, policy)).rejects.toThrow(
      'payload s3://b/payloads/k has 5 bytes, the message declares 6',
    );
    await expect(resolvePayload(pointerTo('payloads/gone'), {}, fetch, policy)).rejects.toThrow(
      'cannot read payload s3://b/payloads/gone: NoSuchKey',
    );
    await expect(resolvePayload('plain', {}, fetch, policy)).resolves.toEqual({ payload: 'plain' });
  });

  test.each([
    [
      'another bucket',
      pointerTo('payloads/k', 'someone-elses-bucket'),
      declares(5),
      'payload pointer s3://someone-elses-bucket/payloads/k names another bucket: only b is accepted',
    ],
    [
      'a key outside the prefix',
      pointerTo('private/k'),
      declares(5),
      'payload pointer s3://b/private/k is outside the key prefix payloads/',
    ],
    [
      'a declared size over the maximum',
      pointerTo('payloads/k'),
      declares(1001),
      'payload pointer s3://b/payloads/k declares 1001 bytes, over the 1000-byte maximum: not read',
    ],
    [
      'a declared size that is not a number',
      pointerTo('payloads/k'),
      declares('5e3'),
      'payload pointer s3://b/payloads/k declares a size of "5e3": not a whole number of bytes from 1',
    ],
    [
      'a declared size of 0',
      pointerTo('payloads/k'),
      declares(0),
      'payload pointer s3://b/payloads/k declares a size of "0": not a whole number of bytes from 1',
    ],
    [
      'a negative declared size',
      pointerTo('payloads/k'),
      declares(-5),
      'payload pointer s3://b/payloads/k declares a size of "-5": not a whole number of bytes from 1',
    ],
  ])('refused before any read: %s', async (_name, body, attributes, message) => {
    objects.set('someone-elses-bucket/payloads/k', Buffer.from('hello'));
    objects.set('b/private/k', Buffer.from('hello'));
    objects.set('b/payloads/k', Buffer.from('hello'));
    await expect(resolvePayload(body, attributes, fetch, policy)).rejects.toThrow(new ClaimCheckError(message));
    expect(reads).toEqual([]);
  });

  test('an object larger than declared is refused from its size, before its body is read', async () => {
    objects.set('b/payloads/big', Buffer.alloc(5 * 1024 * 1024, 'x'));
    const big: ClaimCheckPolicy = { ...policy, maxBytes: 64 * 1024 * 1024 };
    await expect(resolvePayload(pointerTo('payloads/big'), declares(10), fetch, big)).rejects.toThrow(
      'payload s3://b/payloads/big has 5242880 bytes, the message declares 10',
    );
    expect(reads).toEqual([{ key: 'b/payloads/big', range: 'bytes=0-9', bytesRead: 0, discarded: true }]);
  });

  test('without a declared size, an object over the maximum is refused unread', async () => {
    objects.set('b/payloads/big', Buffer.alloc(1001, 'x'));
    await expect(resolvePayload(pointerTo('payloads/big'), {}, fetch, policy)).rejects.toThrow(
      'payload s3://b/payloads/big has 1001 bytes, over the 1000-byte maximum: not read',
    );
    expect(reads).toEqual([{ key: 'b/payloads/big', range: 'bytes=0-999', bytesRead: 0, discarded: true }]);
  });

  test('at the maximum: read whole, in one ranged request', async () => {
    const text = 'é'.repeat(500); // 1,000 bytes
    objects.set('b/payloads/max', Buffer.from(text));
    await expect(resolvePayload(pointerTo('payloads/max'), declares(1000), fetch, policy)).resolves.toMatchObject({ payload: text });
    await expect(resolvePayload(pointerTo('payloads/max'), {}, fetch, policy)).resolves.toMatchObject({ payload: text });
    expect(reads.map((r) => [r.range, r.bytesRead])).toEqual([
      ['bytes=0-999', 1000],
      ['bytes=0-999', 1000],
    ]);
  });
});

describe('fan-out processor', () => {
  type Handler = (event: SNSEvent, context: Context) => Promise<void>;
  let handler: Handler;
  let db: LocalDynamoDb;
  let faults: FaultInjector;
  const warnings: Array<Record<string, unknown>> = [];
  const infos: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    db = await startDynamoDb({ tables: [{ tableName: 'deliveries', partitionKey: 'id', ttlAttribute: 'expiresAt' }] });
    process.env.AWS_ENDPOINT_URL_DYNAMODB = db.endpoint;
    jest.spyOn(console, 'warn').mockImplementation((line?: unknown) => {
      warnings.push(JSON.parse(String(line)));
    });
    jest.spyOn(console, 'info').mockImplementation((line?: unknown) => {
      infos.push(JSON.parse(String(line)));
    });
    faults = new FaultInjector([
      {
        client: DynamoDBClient,
        throttle: () =>
          new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput.', $metadata: {} }),
      },
      { client: S3Client, throttle: () => Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown' }) },
    ]);
    handler = require('../../lambda/sns-fanout/processor').handler as Handler;
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await db.stop();
  });
  beforeEach(() => {
    warnings.length = 0;
    infos.length = 0;
    faults.reset();
  });

  const context = {
    awsRequestId: 'r-1',
    functionName: 'processor',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:p',
    memoryLimitInMB: '512',
    getRemainingTimeInMillis: () => 30_000,
  } as unknown as Context;
  let snsMessages = 0;
  function event(message: string, attributes: Record<string, { Type: string; Value: string }> = {}): SNSEvent {
    snsMessages++;
    return {
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: 'arn:aws:sns:us-east-1:1:t:sub',
          Sns: {
            Type: 'Notification',
            MessageId: `sns-${snsMessages}`,
            TopicArn: 'arn:aws:sns:us-east-1:1:t',
            Subject: '',
            Message: message,
            Timestamp: '2026-01-01T00:00:00Z',
            SignatureVersion: '1',
            Signature: 's',
            SigningCertUrl: 'u',
            UnsubscribeUrl: 'u',
            MessageAttributes: attributes,
          },
        },
      ],
    };
  }
  const delivery = (id: string) => db.items('deliveries').filter((item) => item.id === id);
  /** A claim-checked notification of `bytes` bytes stored under the stack's bucket and prefix. */
  function claimChecked(id: string, bytes: number, declared = bytes) {
    const base = JSON.stringify({ id, kind: 'order-updated', blob: '' });
    const payload = JSON.stringify({ id, kind: 'order-updated', blob: 'x'.repeat(bytes - base.length) });
    objects.set(`${PAYLOAD_BUCKET}/payloads/${id}`, Buffer.from(payload));
    const message = encodePointer({ s3BucketName: PAYLOAD_BUCKET, s3Key: `payloads/${id}` });
    return { payload, message, attributes: { ExtendedPayloadSize: { Type: 'Number', Value: String(declared) } } };
  }

  test('records a delivery with its size and SHA-256', async () => {
    const message = JSON.stringify({ id: 'n-1', kind: 'order-created', amount: 5 });
    await handler(event(message), context);
    expect(delivery('n-1')).toEqual([
      expect.objectContaining({
        id: 'n-1',
        kind: 'order-created',
        snsMessageId: `sns-${snsMessages}`,
        bytes: message.length,
        sha256: createHash('sha256').update(message).digest('hex'),
        claimCheck: false,
      }),
    ]);
    expect(reads).toHaveLength(0);
  });

  test('resolves a claim-checked payload from S3, at the maximum size', async () => {
    const { payload, message, attributes } = claimChecked('n-2', PAYLOAD_MAX_BYTES);
    await handler(event(message, attributes), context);
    expect(delivery('n-2')).toEqual([
      expect.objectContaining({ claimCheck: true, bytes: PAYLOAD_MAX_BYTES, sha256: createHash('sha256').update(payload).digest('hex') }),
    ]);
  });

  test('a second delivery of the same notification records nothing new; other content under its id is a conflict', async () => {
    const message = JSON.stringify({ id: 'n-dup', kind: 'order-created' });
    await handler(event(message), context);
    const first = delivery('n-dup');
    await handler(event(message), context);
    expect(delivery('n-dup')).toEqual(first);
    expect(infos.filter((l) => l.message === 'notification already recorded')).toEqual([
      expect.objectContaining({ id: 'n-dup', firstSnsMessageId: first[0].snsMessageId }),
    ]);
    await expect(handler(event(JSON.stringify({ id: 'n-dup', kind: 'order-cancelled' })), context)).rejects.toThrow(
      'notification n-dup was already recorded with another payload (its SHA-256 differs): not recorded again',
    );
    expect(warnings).toEqual([expect.objectContaining({ message: 'notification failed', errorType: 'NotificationConflictError' })]);
    expect(delivery('n-dup')).toEqual(first);
  });

  test.each([
    ['not JSON', 'hello', 'invalid notification: message is not JSON'],
    ['an unknown kind', '{"id":"n-3","kind":"order-shipped"}', /^invalid notification: kind: Invalid option: expected one of/],
    ['no id', '{"kind":"order-created"}', /^invalid notification: id: /],
  ])('%s: one structured line, then the error for Lambda to retry', async (_name, message, reason) => {
    const before = db.items('deliveries').length;
    await expect(handler(event(message), context)).rejects.toThrow();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ message: 'notification failed', errorType: 'InvalidNotificationError' });
    expect(String(warnings[0].reason)).toMatch(reason);
    expect(db.items('deliveries')).toHaveLength(before);
  });

  test.each([
    [
      'a pointer to another bucket',
      () => ({
        message: encodePointer({ s3BucketName: 'someone-elses-bucket', s3Key: 'payloads/x' }),
        attributes: { ExtendedPayloadSize: { Type: 'Number', Value: '10' } },
      }),
      'payload pointer s3://someone-elses-bucket/payloads/x names another bucket: only payloads-bucket is accepted',
    ],
    [
      'a declared size one over the maximum',
      () => claimChecked('n-over', PAYLOAD_MAX_BYTES + 1),
      `payload pointer s3://payloads-bucket/payloads/n-over declares ${PAYLOAD_MAX_BYTES + 1} bytes, over the ${PAYLOAD_MAX_BYTES}-byte maximum: not read`,
    ],
    [
      'an object larger than it declares',
      () => claimChecked('n-lies', PAYLOAD_MAX_BYTES, 10),
      `payload s3://payloads-bucket/payloads/n-lies has ${PAYLOAD_MAX_BYTES} bytes, the message declares 10`,
    ],
  ])('%s: refused with one clear line, nothing recorded', async (_name, make, reason) => {
    objects.set('someone-elses-bucket/payloads/x', Buffer.from('{"id":"x","kind":"order-created"}'));
    const { message, attributes } = make();
    const before = db.items('deliveries').length;
    await expect(handler(event(message, attributes), context)).rejects.toThrow(reason);
    expect(warnings).toEqual([expect.objectContaining({ message: 'notification failed', errorType: 'ClaimCheckError', reason })]);
    expect(db.items('deliveries')).toHaveLength(before);
    expect(reads.every((r) => r.key.startsWith(`${PAYLOAD_BUCKET}/payloads/`) && r.bytesRead <= PAYLOAD_MAX_BYTES)).toBe(true);
  });

  /** Lambda's asynchronous invocation: the first attempt and MaximumRetryAttempts (the stack's 2) retries. */
  async function invokeAsync(e: SNSEvent): Promise<'succeeded' | 'failed'> {
    for (let attempt = 0; attempt <= 2; attempt++) {
      const outcome = await faults.invoke(() => handler(e, context));
      if (!outcome.killed && !('error' in outcome)) return 'succeeded';
    }
    return 'failed';
  }

  test.each(FAULTS)('%s, at each call in turn (S3, then DynamoDB): the notification is recorded exactly once', async (fault) => {
    const notifications = (prefix: string) => {
      const plain = JSON.stringify({ id: `${prefix}-plain`, kind: 'order-created' });
      const checked = claimChecked(`${prefix}-checked`, 2000);
      return [
        { id: `${prefix}-plain`, event: event(plain), sha256: createHash('sha256').update(plain).digest('hex') },
        {
          id: `${prefix}-checked`,
          event: event(checked.message, checked.attributes),
          sha256: createHash('sha256').update(checked.payload).digest('hex'),
        },
      ];
    };
    faults.reset();
    for (const n of notifications('free')) expect(await invokeAsync(n.event)).toBe('succeeded');
    const callCount = faults.calls; // one PutItem for the plain one; GetObject + PutItem for the claim-checked one
    expect(callCount).toBe(3);
    for (let i = 0; i < callCount; i++) {
      faults.reset(i, fault);
      for (const n of notifications(`${fault.replace(' ', '-')}-${i}`)) {
        const where = `${fault} at call ${i}, ${n.id}`;
        expect([where, await invokeAsync(n.event)]).toEqual([where, 'succeeded']);
        expect([where, delivery(n.id).map((item) => item.sha256)]).toEqual([where, [n.sha256]]);
      }
    }
  });
});
