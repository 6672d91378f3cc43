import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import * as readline from 'node:readline';

/** An S3 object event reported by the fauxqs launcher. */
export interface S3ObjectEvent {
  readonly bucket: string;
  readonly key: string;
  readonly status: 'uploaded' | 'deleted';
  readonly time: number;
}

/** The running fauxqs child process: SQS, SNS and S3 on one loopback port. */
export interface Fauxqs {
  readonly port: number;
  readonly region: string;
  /** http://localhost:PORT, for AWS_ENDPOINT_URL_SQS/SNS. */
  readonly endpoint: string;
  /** http://s3.localhost:PORT: virtual-hosted-style S3, with *.localhost resolved to 127.0.0.1. */
  readonly s3Endpoint: string;
  /** Emits 's3' with an {@link S3ObjectEvent}. */
  readonly events: EventEmitter;
  stop(): Promise<void>;
}

const LAUNCHER = path.join(__dirname, 'fauxqs-server.mjs');

/** Starts fauxqs as a child process bound to 127.0.0.1 on a free port. */
export function startFauxqs(options: { region?: string; startTimeoutMs?: number } = {}): Promise<Fauxqs> {
  const child: ChildProcess = spawn(process.execPath, ['--no-warnings', LAUNCHER], {
    env: { ...process.env, FAUXQS_DEFAULT_REGION: options.region ?? 'us-east-1', FAUXQS_PORT: '0' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const events = new EventEmitter();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fauxqs did not start within ${options.startTimeoutMs ?? 15_000} ms: ${stderr.trim()}`));
    }, options.startTimeoutMs ?? 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fauxqs exited with code ${code} before it was ready: ${stderr.trim()}`));
    });
    const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      let message: { port?: number; region?: string; s3?: S3ObjectEvent };
      try {
        message = JSON.parse(line);
      } catch {
        return; // not ours
      }
      if (message.s3) {
        events.emit('s3', message.s3);
      } else if (message.port) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        const port = message.port;
        resolve({
          port,
          region: message.region ?? 'us-east-1',
          endpoint: `http://localhost:${port}`,
          s3Endpoint: `http://s3.localhost:${port}`,
          events,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 3000).unref();
            }),
        });
      }
    });
  });
}
