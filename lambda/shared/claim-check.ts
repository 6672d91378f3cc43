/**
 * Claim check for SNS and SQS payloads over 256 KiB, in the wire format of the AWS extended client
 * libraries (amazon-sns-java-extended-client-lib, amazon-sqs-java-extended-client-lib, the Python
 * extended clients): the payload is stored in S3 and the message body is the pointer
 *
 *   ["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"...","s3Key":"..."}]
 *
 * with a Number message attribute `ExtendedPayloadSize` holding the payload's size in bytes (older
 * clients used `SQSLargePayloadSize`; both are read). The extended clients carry up to 2 GB.
 *
 * Why not the `sns-sqs-big-payload` package: it needs the AWS SDK for JavaScript v2 (end of
 * support, not in the Lambda Node.js runtimes) and by default writes its own `{"S3Payload":...}`
 * format; this module is small, SDK v3, and speaks the extended clients' format only.
 */
import { randomUUID } from 'node:crypto';
import type { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** The class name the extended clients put first in a pointer body. */
export const POINTER_CLASS = 'software.amazon.payloadoffloading.PayloadS3Pointer';
/** The message attribute with the offloaded payload's size. */
export const SIZE_ATTRIBUTE = 'ExtendedPayloadSize';
/** The attribute name older extended clients used. */
export const LEGACY_SIZE_ATTRIBUTE = 'SQSLargePayloadSize';
/** SNS's and the extended clients' default threshold: 256 KiB, message attributes included. */
export const DEFAULT_THRESHOLD_BYTES = 262_144;

/** Where an offloaded payload is. */
export interface PayloadPointer {
  readonly s3BucketName: string;
  readonly s3Key: string;
}

/** A message attribute in the SNS Publish shape. */
export interface MessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
}

/** A message ready to publish: the body and its attributes. */
export interface OutgoingMessage {
  readonly body: string;
  readonly attributes: Record<string, MessageAttribute>;
  /** Where the payload went, when it was offloaded. */
  readonly pointer?: PayloadPointer;
}

/** A payload too large to publish without a claim-check bucket. */
export class PayloadTooLargeError extends Error {
  public constructor(bytes: number, limit: number) {
    super(
      `payload of ${bytes} bytes (attributes included) is over the ${limit}-byte SNS/SQS limit: publish it through the claim check (a payload bucket)`,
    );
    this.name = 'PayloadTooLargeError';
  }
}

/** A message whose pointer cannot be resolved. */
export class ClaimCheckError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ClaimCheckError';
  }
}

/** The size SNS counts for a message: body plus each attribute's name, type and value, in UTF-8 bytes. */
export function messageSize(body: string, attributes: Record<string, MessageAttribute> = {}): number {
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, attribute] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType) + Buffer.byteLength(attribute.StringValue ?? '');
  }
  return size;
}

/** The pointer body of an offloaded payload. */
export function encodePointer(pointer: PayloadPointer): string {
  return JSON.stringify([POINTER_CLASS, { s3BucketName: pointer.s3BucketName, s3Key: pointer.s3Key }]);
}

/** The pointer in a message body, or undefined when the body is an ordinary payload. */
export function parsePointer(body: string): PayloadPointer | undefined {
  if (!body.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || parsed[0] !== POINTER_CLASS) return undefined;
  const pointer = parsed[1] as Partial<PayloadPointer> | null;
  if (typeof pointer?.s3BucketName !== 'string' || typeof pointer.s3Key !== 'string' || pointer.s3Key === '') {
    throw new ClaimCheckError(`malformed payload pointer: ${body.slice(0, 200)}`);
  }
  return { s3BucketName: pointer.s3BucketName, s3Key: pointer.s3Key };
}

/** What {@link offload} needs: an S3 client and the PutObject command class (so callers choose how they load the SDK). */
export interface OffloadOptions {
  readonly s3: S3Client;
  readonly PutObject: typeof PutObjectCommand;
  /** The payload bucket; without it a large payload is a {@link PayloadTooLargeError}. */
  readonly bucket?: string;
  /** @default 262144 */
  readonly thresholdBytes?: number;
  /** @default 'payloads/' */
  readonly keyPrefix?: string;
}

/**
 * Prepares a payload for publishing: as is when it fits under the threshold, otherwise stored in the
 * payload bucket and replaced by a pointer with the `ExtendedPayloadSize` attribute.
 */
export async function offload(
  payload: string,
  attributes: Record<string, MessageAttribute>,
  options: OffloadOptions,
): Promise<OutgoingMessage> {
  const threshold = options.thresholdBytes ?? DEFAULT_THRESHOLD_BYTES;
  if (messageSize(payload, attributes) <= threshold) return { body: payload, attributes };
  const bytes = Buffer.byteLength(payload, 'utf8');
  if (!options.bucket) throw new PayloadTooLargeError(messageSize(payload, attributes), threshold);
  const pointer: PayloadPointer = { s3BucketName: options.bucket, s3Key: `${options.keyPrefix ?? 'payloads/'}${randomUUID()}` };
  await options.s3.send(
    new options.PutObject({ Bucket: pointer.s3BucketName, Key: pointer.s3Key, Body: payload, ContentType: 'application/octet-stream' }),
  );
  return {
    body: encodePointer(pointer),
    attributes: { ...attributes, [SIZE_ATTRIBUTE]: { DataType: 'Number', StringValue: String(bytes) } },
    pointer,
  };
}

/** The declared size of an offloaded payload, from either attribute name, if present. */
export function declaredSize(attributes: Record<string, { Value?: string; StringValue?: string } | undefined>): number | undefined {
  const attribute = attributes[SIZE_ATTRIBUTE] ?? attributes[LEGACY_SIZE_ATTRIBUTE];
  const value = attribute?.Value ?? attribute?.StringValue;
  return value === undefined ? undefined : Number(value);
}

/**
 * The payload of a received message: the body itself, or the S3 object its pointer names (checked
 * against the declared size when there is one).
 */
export async function resolvePayload(
  body: string,
  attributes: Record<string, { Value?: string; StringValue?: string } | undefined>,
  fetch: (pointer: PayloadPointer) => Promise<string>,
): Promise<{ payload: string; pointer?: PayloadPointer }> {
  const pointer = parsePointer(body);
  if (!pointer) return { payload: body };
  const payload = await fetch(pointer);
  const expected = declaredSize(attributes);
  const actual = Buffer.byteLength(payload, 'utf8');
  if (expected !== undefined && expected !== actual) {
    throw new ClaimCheckError(
      `payload s3://${pointer.s3BucketName}/${pointer.s3Key} has ${actual} bytes, the message declares ${expected}`,
    );
  }
  return { payload, pointer };
}

/** A fetcher for {@link resolvePayload} from an S3 client and the GetObject command class. */
export function s3Fetcher(s3: S3Client, GetObject: typeof GetObjectCommand): (pointer: PayloadPointer) => Promise<string> {
  return async (pointer) => {
    try {
      const object = await s3.send(new GetObject({ Bucket: pointer.s3BucketName, Key: pointer.s3Key }));
      return (await object.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      const e = error as Error;
      throw new ClaimCheckError(`cannot read payload s3://${pointer.s3BucketName}/${pointer.s3Key}: ${e.name}: ${e.message}`);
    }
  };
}
