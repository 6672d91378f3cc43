// The AWS Batch job of the s3-batch pattern: reads one S3 object version, computes its SHA-256, its
// byte count and its record (line) count, checks that it is UTF-8 text, and writes a JSON result
// under the output prefix. The container image runs this file (see Dockerfile); the local runtime
// runs the same file as a local process. Plain CommonJS on Node.js: no build step, and the local
// runtime can resolve the AWS SDK from the project's node_modules through NODE_PATH.
//
//   node job.js --bucket <bucket> --key <key> --etag <etag> [--version-id <id>|null]
//
// Exit codes (the job definition's retry strategy reads them):
//   0   done (or the object was overwritten since the job was submitted: its newer version has a job of its own)
//   64  bad arguments (EX_USAGE): retrying cannot help, the job definition exits
//   65  the object is not UTF-8 text (EX_DATAERR): retrying cannot help, the job definition exits
//   66  the object cannot be read (EX_NOINPUT): retried, as any other failure
//   1   anything else (S3 errors, throttling, a bug): retried
'use strict';
const { createHash } = require('node:crypto');
const { parseArgs } = require('node:util');

const EXIT = Object.freeze({ OK: 0, FAILURE: 1, USAGE: 64, DATA: 65, NO_INPUT: 66 });

/** A failure with the exit code that tells the retry strategy what to do. */
class JobError extends Error {
  /**
   * @param {number} exitCode
   * @param {string} message
   */
  constructor(exitCode, message) {
    super(message);
    this.name = 'JobError';
    this.exitCode = exitCode;
  }
}

/**
 * The job's arguments, validated.
 * @param {readonly string[]} argv the arguments after the script name
 * @returns {{ bucket: string, key: string, etag: string, versionId: string | undefined }}
 */
function parseArguments(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        bucket: { type: 'string' },
        key: { type: 'string' },
        etag: { type: 'string' },
        'version-id': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new JobError(EXIT.USAGE, `bad arguments: ${messageOf(error)}`);
  }
  for (const name of ['bucket', 'key', 'etag']) {
    const value = values[name];
    // An unresolved `Ref::name` means the submitter did not pass the parameter and the definition has no default.
    if (typeof value !== 'string' || value === '' || value.startsWith('Ref::')) {
      throw new JobError(EXIT.USAGE, `bad arguments: --${name} is missing`);
    }
  }
  const versionId = values['version-id'];
  return {
    bucket: String(values.bucket),
    key: String(values.key),
    etag: String(values.etag).replace(/"/g, ''),
    versionId: versionId === undefined || versionId === '' || versionId === 'null' || versionId.startsWith('Ref::') ? undefined : versionId,
  };
}

/**
 * Where the result of `key` goes: the output prefix plus the key below the input prefix, plus `.json`.
 * @param {string} key
 * @param {string} inputPrefix
 * @param {string} outputPrefix
 */
function resultKey(key, inputPrefix, outputPrefix) {
  if (!key.startsWith(inputPrefix) || key.length === inputPrefix.length) {
    throw new JobError(EXIT.USAGE, `key ${JSON.stringify(key)} is not under the input prefix ${JSON.stringify(inputPrefix)}`);
  }
  return `${outputPrefix}${key.slice(inputPrefix.length)}.json`;
}

/**
 * Hashes and counts bytes as they arrive, and checks that they are UTF-8 text without NUL bytes.
 * Records are newline-terminated lines; a last line without a newline counts too.
 */
function createDigest() {
  const hash = createHash('sha256');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  let newlines = 0;
  let last = -1;
  return {
    /** @param {Uint8Array} chunk */
    update(chunk) {
      if (chunk.length === 0) return;
      if (chunk.includes(0)) throw new JobError(EXIT.DATA, `not a text file: a NUL byte within the first ${bytes + chunk.length} bytes`);
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        throw new JobError(EXIT.DATA, `not UTF-8 text: an invalid byte sequence within the first ${bytes + chunk.length} bytes`);
      }
      hash.update(chunk);
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
      last = chunk[chunk.length - 1];
    },
    /** @returns {{ bytes: number, records: number, sha256: string }} */
    digest() {
      try {
        decoder.decode();
      } catch {
        throw new JobError(EXIT.DATA, 'not UTF-8 text: the object ends inside a multi-byte character');
      }
      return { bytes, records: newlines + (bytes > 0 && last !== 10 ? 1 : 0), sha256: hash.digest('hex') };
    },
  };
}

/**
 * Digests a stream of bytes (an S3 object body).
 * @param {AsyncIterable<Uint8Array>} stream
 */
async function digestStream(stream) {
  const digest = createDigest();
  for await (const chunk of stream) digest.update(chunk);
  return digest.digest();
}

/** @param {unknown} error */
function messageOf(error) {
  return error && typeof error === 'object' && 'message' in error ? String(error.message) : String(error);
}

/** @param {unknown} error */
function s3ErrorName(error) {
  return error && typeof error === 'object' && 'name' in error ? String(error.name) : '';
}

/**
 * Runs the job and returns its exit code. Everything it needs comes in, so tests can run it with a
 * mocked S3 client.
 * @param {{
 *   argv: readonly string[],
 *   env: Record<string, string | undefined>,
 *   s3: { send(command: unknown): Promise<any> },
 *   commands: { GetObjectCommand: new (input: any) => unknown, PutObjectCommand: new (input: any) => unknown },
 *   log?: (entry: Record<string, unknown>) => void,
 *   now?: () => Date,
 * }} options
 * @returns {Promise<number>}
 */
async function run(options) {
  const { env, s3, commands } = options;
  const log = options.log ?? ((entry) => process.stdout.write(`${JSON.stringify(entry)}\n`));
  const now = options.now ?? (() => new Date());
  const job = { jobId: env.AWS_BATCH_JOB_ID ?? 'local', attempt: Number(env.AWS_BATCH_JOB_ATTEMPT ?? 1) };
  let args;
  try {
    args = parseArguments(options.argv);
    const outputKey = resultKey(args.key, env.INPUT_PREFIX ?? '', env.OUTPUT_PREFIX ?? 'results/');
    const startedAt = now();
    let object;
    try {
      object = await s3.send(
        new commands.GetObjectCommand({ Bucket: args.bucket, Key: args.key, VersionId: args.versionId, IfMatch: `"${args.etag}"` }),
      );
    } catch (error) {
      const name = s3ErrorName(error);
      if (name === 'PreconditionFailed') {
        log({ level: 'INFO', message: 'superseded: the object was overwritten after this job was submitted', ...job, ...args });
        return EXIT.OK;
      }
      if (name === 'NoSuchKey' || name === 'NoSuchVersion' || name === 'NotFound' || name === 'AccessDenied') {
        throw new JobError(EXIT.NO_INPUT, `cannot read s3://${args.bucket}/${args.key}: ${name}`);
      }
      throw error;
    }
    const digest = await digestStream(object.Body);
    const result = {
      bucket: args.bucket,
      key: args.key,
      eTag: args.etag,
      versionId: args.versionId ?? null,
      contentType: object.ContentType ?? null,
      ...digest,
      jobId: job.jobId,
      attempt: job.attempt,
      startedAt: startedAt.toISOString(),
      finishedAt: now().toISOString(),
    };
    await s3.send(
      new commands.PutObjectCommand({
        Bucket: args.bucket,
        Key: outputKey,
        Body: JSON.stringify(result),
        ContentType: 'application/json',
      }),
    );
    log({ level: 'INFO', message: 'processed', ...job, ...args, outputKey, bytes: digest.bytes, records: digest.records });
    return EXIT.OK;
  } catch (error) {
    const exitCode = error instanceof JobError ? error.exitCode : EXIT.FAILURE;
    log({
      level: 'ERROR',
      message: 'failed',
      ...job,
      ...(args ?? {}),
      exitCode,
      errorType: s3ErrorName(error) || 'Error',
      reason: messageOf(error),
    });
    return exitCode;
  }
}

/** Runs the job in this process, with the AWS SDK's default configuration (AWS_* variables). */
async function main() {
  const { S3Client, GetObjectCommand, PutObjectCommand } = require('@aws-sdk/client-s3');
  const s3 = new S3Client({});
  // SIGTERM comes first when the attempt times out or the job is terminated; SIGKILL follows 30 s later.
  process.once('SIGTERM', () => {
    process.stdout.write(`${JSON.stringify({ level: 'WARN', message: 'terminated (SIGTERM)', jobId: process.env.AWS_BATCH_JOB_ID })}\n`);
    process.exit(143);
  });
  const exitCode = await run({ argv: process.argv.slice(2), env: process.env, s3, commands: { GetObjectCommand, PutObjectCommand } });
  s3.destroy();
  process.exitCode = exitCode;
}

module.exports = { EXIT, JobError, createDigest, digestStream, main, parseArguments, resultKey, run };

if (require.main === module) void main();
