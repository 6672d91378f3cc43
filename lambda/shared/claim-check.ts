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
 * A pointer is data from whoever could publish, so the receiving side trusts none of it: it reads
 * only from its own payload bucket and key prefix, and only objects whose size (learned before the
 * body is read) matches the declared size and fits its maximum ({@link ClaimCheckPolicy}).
 *
 * Why not the `sns-sqs-big-payload` package: it needs the AWS SDK for JavaScript v2 (end of
 * support, not in the Lambda Node.js runtimes) and by default writes its own `{"S3Payload":...}`
 * format; this module is small, SDK v3, and speaks the extended clients' format only.
 */
import { randomUUID } from 'node:crypto';
import type { GetObjectCommand, GetObjectCommandOutput, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

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

/** Where a pointer may point and how large its payload may be: what the receiving side accepts. */
export interface ClaimCheckPolicy {
  /** The only bucket a pointer may name: the payload bucket of the stack. */
  readonly bucket: string;
  /** The key prefix every pointer's key must start with. */
  readonly keyPrefix: string;
  /** The largest payload read, in bytes: a larger object is refused without being read. */
  readonly maxBytes: number;
}

/** What a {@link PayloadFetcher} may read: the declared size when there is one, and the maximum. */
export interface ReadLimits {
  readonly declaredBytes?: number;
  readonly maxBytes: number;
}

/**
 * Reads the payload a pointer names, refusing (with a {@link ClaimCheckError}) an object whose size
 * is over `maxBytes` or differs from `declaredBytes`, without reading more than that.
 */
export type PayloadFetcher = (pointer: PayloadPointer, limits: ReadLimits) => Promise<string>;

/** The declared size of an offloaded payload, from either attribute name, if present (unchecked). */
export function declaredSize(attributes: Record<string, { Value?: string; StringValue?: string } | undefined>): string | undefined {
  const attribute = attributes[SIZE_ATTRIBUTE] ?? attributes[LEGACY_SIZE_ATTRIBUTE];
  return attribute?.Value ?? attribute?.StringValue;
}

/**
 * Checks a pointer against the policy before anything is read: the bucket must be the policy's,
 * the key under its prefix, the declared size (if any) a whole number from 1 to the maximum.
 * Returns the declared size.
 */
export function checkPointer(
  pointer: PayloadPointer,
  attributes: Record<string, { Value?: string; StringValue?: string } | undefined>,
  policy: ClaimCheckPolicy,
): number | undefined {
  const where = `s3://${pointer.s3BucketName}/${pointer.s3Key}`;
  if (pointer.s3BucketName !== policy.bucket) {
    throw new ClaimCheckError(`payload pointer ${where} names another bucket: only ${policy.bucket} is accepted`);
  }
  if (!pointer.s3Key.startsWith(policy.keyPrefix)) {
    throw new ClaimCheckError(`payload pointer ${where} is outside the key prefix ${policy.keyPrefix}`);
  }
  const raw = declaredSize(attributes);
  if (raw === undefined) return undefined;
  const declared = /^[0-9]{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(declared) || declared < 1) {
    throw new ClaimCheckError(`payload pointer ${where} declares a size of ${JSON.stringify(raw)}: not a whole number of bytes from 1`);
  }
  if (declared > policy.maxBytes) {
    throw new ClaimCheckError(`payload pointer ${where} declares ${declared} bytes, over the ${policy.maxBytes}-byte maximum: not read`);
  }
  return declared;
}

/**
 * The payload of a received message: the body itself, or the S3 object its pointer names, once the
 * pointer passed {@link checkPointer} and the object's size matched the declared size and the
 * policy's maximum (checked before its body is read).
 */
export async function resolvePayload(
  body: string,
  attributes: Record<string, { Value?: string; StringValue?: string } | undefined>,
  fetch: PayloadFetcher,
  policy: ClaimCheckPolicy,
): Promise<{ payload: string; pointer?: PayloadPointer }> {
  const pointer = parsePointer(body);
  if (!pointer) return { payload: body };
  const declaredBytes = checkPointer(pointer, attributes, policy);
  const payload = await fetch(pointer, { declaredBytes, maxBytes: policy.maxBytes });
  return { payload, pointer };
}

/** The object's whole size from a ranged GetObject (`Content-Range: bytes 0-9/5000000`), else its Content-Length. */
function objectSize(object: { ContentRange?: string; ContentLength?: number }): number | undefined {
  const total = object.ContentRange?.match(/\/([0-9]+)$/)?.[1];
  if (total !== undefined) return Number(total);
  return object.ContentLength;
}

/** Stops reading a response body that will not be used (a Node.js stream in Lambda). */
function discard(body: unknown): void {
  (body as { destroy?: () => void } | undefined)?.destroy?.();
}

/**
 * A {@link PayloadFetcher} from an S3 client and the GetObject command class. One ranged GetObject
 * asks for at most the declared size (or the maximum) and learns the object's whole size from
 * Content-Range before reading the body, so a pointer declaring 10 bytes never reads 5 MB, and an
 * object over the maximum is never read at all.
 */
export function s3Fetcher(s3: S3Client, GetObject: typeof GetObjectCommand): PayloadFetcher {
  return async (pointer, limits) => {
    const where = `s3://${pointer.s3BucketName}/${pointer.s3Key}`;
    const wanted = limits.declaredBytes ?? limits.maxBytes;
    let object: GetObjectCommandOutput;
    try {
      object = await s3.send(new GetObject({ Bucket: pointer.s3BucketName, Key: pointer.s3Key, Range: `bytes=0-${wanted - 1}` }));
    } catch (error) {
      const e = error as Error;
      throw new ClaimCheckError(`cannot read payload ${where}: ${e.name}: ${e.message}`);
    }
    const size = objectSize(object);
    if (size === undefined || size > limits.maxBytes || (limits.declaredBytes !== undefined && size !== limits.declaredBytes)) {
      discard(object.Body);
      if (size === undefined) throw new ClaimCheckError(`payload ${where}: S3 did not say its size; not read`);
      if (size > limits.maxBytes) {
        throw new ClaimCheckError(`payload ${where} has ${size} bytes, over the ${limits.maxBytes}-byte maximum: not read`);
      }
      throw new ClaimCheckError(`payload ${where} has ${size} bytes, the message declares ${limits.declaredBytes}`);
    }
    const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
    if (bytes.length !== size) {
      throw new ClaimCheckError(`payload ${where}: read ${bytes.length} of its ${size} bytes`);
    }
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  };
}
