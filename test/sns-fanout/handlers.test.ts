import { createHash } from 'node:crypto';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ClaimCheckError,
  encodePointer,
  messageSize,
  offload,
  PayloadTooLargeError,
  parsePointer,
  resolvePayload,
  s3Fetcher,
} from '../../lambda/shared/claim-check';

process.env.DELIVERIES_TABLE_NAME = 'deliveries';
process.env.POWERTOOLS_DEV = 'true';

const s3 = mockClient(S3Client);
const dynamo = mockClient(DynamoDBClient);
const objects = new Map<string, string>();

/** The part of an SDK stream body that the claim check reads. */
function body(text: string) {
  return { transformToString: async () => text } as never;
}

beforeEach(() => {
  s3.reset();
  dynamo.reset();
  objects.clear();
  s3.on(PutObjectCommand).callsFake((input) => {
    objects.set(`${input.Bucket}/${input.Key}`, String(input.Body));
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input) => {
    const text = objects.get(`${input.Bucket}/${input.Key}`);
    if (text === undefined) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    return { Body: body(text) };
  });
  dynamo.on(PutItemCommand).resolves({});
});

describe('claim check (extended client format)', () => {
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
    expect(objects.get(`bucket/${large.pointer?.s3Key}`)).toBe(payload);
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
    objects.set('b/k', 'hello');
    const fetch = s3Fetcher(new S3Client({}), GetObjectCommand);
    const pointer = encodePointer({ s3BucketName: 'b', s3Key: 'k' });
    await expect(resolvePayload(pointer, { ExtendedPayloadSize: { Value: '5' } }, fetch)).resolves.toEqual({
      payload: 'hello',
      pointer: { s3BucketName: 'b', s3Key: 'k' },
    });
    await expect(resolvePayload(pointer, { SQSLargePayloadSize: { StringValue: '6' } }, fetch)).rejects.toThrow(
      'payload s3://b/k has 5 bytes, the message declares 6',
    );
    await expect(resolvePayload(encodePointer({ s3BucketName: 'b', s3Key: 'gone' }), {}, fetch)).rejects.toThrow(
      'cannot read payload s3://b/gone: NoSuchKey',
    );
    await expect(resolvePayload('plain', {}, fetch)).resolves.toEqual({ payload: 'plain' });
  });
});

describe('fan-out processor', () => {
  type Handler = (event: SNSEvent, context: Context) => Promise<void>;
  let handler: Handler;
  const warnings: Array<Record<string, unknown>> = [];

  beforeAll(() => {
    jest.spyOn(console, 'warn').mockImplementation((line: unknown) => {
      warnings.push(JSON.parse(String(line)));
    });
    handler = require('../../lambda/sns-fanout/processor').handler as Handler;
  });
  afterAll(() => jest.restoreAllMocks());
  beforeEach(() => {
    warnings.length = 0;
  });

  const context = {
    awsRequestId: 'r-1',
    functionName: 'processor',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:p',
    memoryLimitInMB: '512',
    getRemainingTimeInMillis: () => 30_000,
  } as unknown as Context;
  function event(message: string, attributes: Record<string, { Type: string; Value: string }> = {}): SNSEvent {
    return {
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: 'arn:aws:sns:us-east-1:1:t:sub',
          Sns: {
            Type: 'Notification',
            MessageId: 'sns-1',
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

  test('records a delivery with its size and SHA-256', async () => {
    const message = JSON.stringify({ id: 'n-1', kind: 'order-created', amount: 5 });
    await handler(event(message), context);
    const item = dynamo.commandCalls(PutItemCommand)[0].args[0].input.Item;
    expect(item).toMatchObject({
      id: { S: 'n-1' },
      kind: { S: 'order-created' },
      snsMessageId: { S: 'sns-1' },
      bytes: { N: String(message.length) },
      sha256: { S: createHash('sha256').update(message).digest('hex') },
      claimCheck: { BOOL: false },
    });
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  test('resolves a claim-checked payload from S3', async () => {
    const payload = JSON.stringify({ id: 'n-2', kind: 'order-updated', blob: 'x'.repeat(300_000) });
    objects.set('payloads-bucket/payloads/p1', payload);
    await handler(
      event(encodePointer({ s3BucketName: 'payloads-bucket', s3Key: 'payloads/p1' }), {
        ExtendedPayloadSize: { Type: 'Number', Value: String(payload.length) },
      }),
      context,
    );
    expect(dynamo.commandCalls(PutItemCommand)[0].args[0].input.Item).toMatchObject({
      id: { S: 'n-2' },
      claimCheck: { BOOL: true },
      bytes: { N: String(payload.length) },
    });
  });

  test.each([
    ['not JSON', 'hello', 'invalid notification: message is not JSON'],
    ['an unknown kind', '{"id":"n-3","kind":"order-shipped"}', /^invalid notification: kind: Invalid option: expected one of/],
    ['no id', '{"kind":"order-created"}', /^invalid notification: id: /],
  ])('%s: one structured line, then the error for Lambda to retry', async (_name, message, reason) => {
    await expect(handler(event(message), context)).rejects.toThrow();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ message: 'notification failed', snsMessageId: 'sns-1', errorType: 'InvalidNotificationError' });
    expect(String(warnings[0].reason)).toMatch(reason);
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(0);
  });
});
