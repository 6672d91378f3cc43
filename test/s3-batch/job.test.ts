import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

// The job's own code, as the image runs it (plain CommonJS, containers/s3-batch/job.js).
const JOB = path.join(__dirname, '..', '..', 'containers', 's3-batch', 'job.js');
const job = require(JOB) as {
  EXIT: { OK: number; FAILURE: number; USAGE: number; DATA: number; NO_INPUT: number };
  createDigest(): { update(chunk: Uint8Array): void; digest(): { bytes: number; records: number; sha256: string } };
  digestStream(stream: AsyncIterable<Uint8Array>): Promise<{ bytes: number; records: number; sha256: string }>;
  parseArguments(argv: readonly string[]): { bucket: string; key: string; etag: string; versionId?: string };
  resultKey(key: string, inputPrefix: string, outputPrefix: string): string;
  run(options: {
    argv: readonly string[];
    env: Record<string, string | undefined>;
    s3: { send(command: unknown): Promise<unknown> };
    commands: {
      GetObjectCommand: new (input: Record<string, unknown>) => unknown;
      PutObjectCommand: new (input: Record<string, unknown>) => unknown;
    };
    log?: (entry: Record<string, unknown>) => void;
    now?: () => Date;
  }): Promise<number>;
};

const SAMPLES = path.join(__dirname, 'samples');
const sample = (name: string) => readFileSync(path.join(SAMPLES, name));

async function* chunks(bytes: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('the job on sample files: checksum, byte count, record count', () => {
  test.each([
    ['orders.csv', 4],
    ['unicode-no-trailing-newline.csv', 4],
    ['empty.csv', 0],
    ['blank-lines.csv', 3],
  ])('%s: %i records, the file’s SHA-256 and size, whatever the chunking', async (name, records) => {
    const bytes = sample(name);
    const expected = { bytes: bytes.length, records, sha256: createHash('sha256').update(bytes).digest('hex') };
    for (const size of [1, 3, 64 * 1024]) expect(await job.digestStream(chunks(bytes, size))).toEqual(expected);
  });

  test('bytes that are not UTF-8 text fail with exit code 65 (EX_DATAERR)', async () => {
    const cases = [
      Buffer.from([0x61, 0x00, 0x62]), // NUL
      Buffer.from('caf\xe9', 'latin1'), // Latin-1, not UTF-8
      Buffer.from([0xe6, 0x9d]), // ends inside a multi-byte character
    ];
    for (const bytes of cases) {
      await expect(job.digestStream(chunks(bytes, 1))).rejects.toMatchObject({ name: 'JobError', exitCode: job.EXIT.DATA });
    }
  });
});

describe('the job’s arguments', () => {
  test('bucket, key, etag and an optional version id; "null" means no version', () => {
    expect(job.parseArguments(['--bucket', 'b', '--key', 'incoming/a b.csv', '--etag', '"abc"', '--version-id', 'null'])).toEqual({
      bucket: 'b',
      key: 'incoming/a b.csv',
      etag: 'abc',
      versionId: undefined,
    });
    expect(job.parseArguments(['--bucket', 'b', '--key', 'k', '--etag', 'e', '--version-id', 'v1']).versionId).toBe('v1');
  });

  test.each([
    ['a missing argument', ['--bucket', 'b', '--etag', 'e'], /--key is missing/],
    ['an unresolved Ref:: placeholder', ['--bucket', 'Ref::bucket', '--key', 'k', '--etag', 'e'], /--bucket is missing/],
    ['an unknown option', ['--bucket', 'b', '--key', 'k', '--etag', 'e', '--force'], /bad arguments: Unknown option '--force'/],
  ])('%s is exit code 64 (EX_USAGE)', (_name, argv, message) => {
    expect(() => job.parseArguments(argv)).toThrow(message);
    try {
      job.parseArguments(argv);
    } catch (error) {
      expect((error as { exitCode: number }).exitCode).toBe(job.EXIT.USAGE);
    }
  });

  test('results go under the output prefix, mirroring the key below the input prefix; other keys are refused', () => {
    expect(job.resultKey('incoming/2024/a.csv', 'incoming/', 'results/')).toBe('results/2024/a.csv.json');
    expect(() => job.resultKey('other/a.csv', 'incoming/', 'results/')).toThrow(
      'key "other/a.csv" is not under the input prefix "incoming/"',
    );
    expect(() => job.resultKey('incoming/', 'incoming/', 'results/')).toThrow(/is not under the input prefix/);
  });
});

describe('a job run (S3 mocked)', () => {
  class GetObjectCommand {
    public constructor(public readonly input: Record<string, unknown>) {}
  }
  class PutObjectCommand {
    public constructor(public readonly input: Record<string, unknown>) {}
  }
  const argv = ['--bucket', 'data', '--key', 'incoming/orders.csv', '--etag', 'abc', '--version-id', 'null'];
  const env = { INPUT_PREFIX: 'incoming/', OUTPUT_PREFIX: 'results/', AWS_BATCH_JOB_ID: 'job-1', AWS_BATCH_JOB_ATTEMPT: '2' };

  function s3(get: (input: Record<string, unknown>) => unknown) {
    const puts: Array<Record<string, unknown>> = [];
    return {
      puts,
      send: async (command: unknown) => {
        if (command instanceof GetObjectCommand) return get(command.input);
        if (command instanceof PutObjectCommand) {
          puts.push(command.input);
          return {};
        }
        throw new Error('unexpected command');
      },
    };
  }
  const failing = (name: string) => () => {
    throw Object.assign(new Error(`${name} (mocked)`), { name });
  };
  const run = (client: ReturnType<typeof s3>, logs: Array<Record<string, unknown>> = []) =>
    job.run({
      argv,
      env,
      s3: client,
      commands: { GetObjectCommand, PutObjectCommand },
      log: (entry) => logs.push(entry),
      now: () => new Date('2026-01-01T00:00:00Z'),
    });

  test('reads exactly the version it was given (If-Match its ETag) and writes the result under the output prefix', async () => {
    const bytes = sample('orders.csv');
    const gets: Array<Record<string, unknown>> = [];
    const client = s3((input) => {
      gets.push(input);
      return { Body: chunks(bytes, 16), ContentType: 'text/csv' };
    });
    expect(await run(client)).toBe(job.EXIT.OK);
    expect(gets).toEqual([{ Bucket: 'data', Key: 'incoming/orders.csv', VersionId: undefined, IfMatch: '"abc"' }]);
    expect(client.puts).toHaveLength(1);
    expect(client.puts[0]).toMatchObject({ Bucket: 'data', Key: 'results/orders.csv.json', ContentType: 'application/json' });
    expect(JSON.parse(String(client.puts[0].Body))).toEqual({
      bucket: 'data',
      key: 'incoming/orders.csv',
      eTag: 'abc',
      versionId: null,
      contentType: 'text/csv',
      bytes: bytes.length,
      records: 4,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      jobId: 'job-1',
      attempt: 2,
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:00.000Z',
    });
  });

  test('an object overwritten since the job was submitted: nothing to do (its newer version has a job), exit 0, no result', async () => {
    const logs: Array<Record<string, unknown>> = [];
    const client = s3(failing('PreconditionFailed'));
    expect(await run(client, logs)).toBe(job.EXIT.OK);
    expect(client.puts).toEqual([]);
    expect(logs[0]).toMatchObject({ level: 'INFO', message: 'superseded: the object was overwritten after this job was submitted' });
  });

  test('exit codes the retry strategy reads: 66 when the object cannot be read, 65 when it is not text, 1 otherwise', async () => {
    expect(await run(s3(failing('NoSuchKey')))).toBe(job.EXIT.NO_INPUT);
    expect(await run(s3(() => ({ Body: chunks(Buffer.from([0xff, 0xfe]), 1) })))).toBe(job.EXIT.DATA);
    const logs: Array<Record<string, unknown>> = [];
    expect(await run(s3(failing('SlowDown')), logs)).toBe(job.EXIT.FAILURE);
    expect(logs[0]).toMatchObject({
      level: 'ERROR',
      message: 'failed',
      exitCode: 1,
      errorType: 'SlowDown',
      jobId: 'job-1',
      key: 'incoming/orders.csv',
    });
  });

  test('as a process: bad arguments exit with 64 and one JSON line that says why', () => {
    const result = spawnSync(process.execPath, [JOB, '--bucket', 'b'], {
      encoding: 'utf8',
      env: { ...process.env, AWS_REGION: 'us-east-1' },
    });
    expect(result.status).toBe(64);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1) as string)).toMatchObject({
      level: 'ERROR',
      exitCode: 64,
      reason: 'bad arguments: --key is missing',
    });
  });
});
