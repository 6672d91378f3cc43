import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

/** What the runtime knows of a function from its template. */
export interface FunctionSpec {
  readonly logicalId: string;
  readonly functionName: string;
  readonly functionArn: string;
  /** Folder with the bundled code (the asset in the cloud assembly). */
  readonly codeDir: string;
  /** `file.export`, for example `index.handler`. */
  readonly handler: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** The template's environment, resolved to local names. */
  readonly environment: Record<string, string>;
  /** Where the function's log lines go. */
  readonly logGroupName: string;
  /** DeadLetterConfig.TargetArn: where failed asynchronous events go. */
  readonly deadLetterArn?: string;
  /** Reserved concurrency, when the template sets it. */
  readonly reservedConcurrency?: number;
}

/** The Lambda error shape: what a failed invocation returns. */
export interface InvocationError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: string[];
}

/** The outcome of one invocation. */
export type InvocationResult = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: InvocationError };

/** Settings the runtime passes to every environment. */
export interface EnvironmentSettings {
  /** AWS_* variables of the local runtime: region, credentials, endpoints. */
  readonly awsEnvironment: Record<string, string>;
  /** node_modules folder that resolves modules a bundle leaves external. */
  readonly nodePath: string;
  /** Receives each line a function writes to stdout or stderr. */
  readonly onLog?: (functionName: string, line: string) => void;
  /** Most environments per function (Lambda's concurrency), unless reserved concurrency is lower. */
  readonly maxEnvironments?: number;
}

interface Environment {
  readonly worker: Worker;
  readonly ready: Promise<InvocationError | undefined>;
  busy: boolean;
  invocations: number;
}

const WORKER = path.join(__dirname, 'worker.cjs');

/** Counters of a function, for reports and tests. */
export interface FunctionStats {
  invocations: number;
  errors: number;
  timeouts: number;
  coldStarts: number;
}

/**
 * A function of the template, run in-process: each execution environment is a worker thread with
 * the function's environment variables, loading the bundle once (cold start) and handling one
 * invocation at a time. An invocation that outlives the function timeout is failed with Lambda's
 * "Task timed out" error and its environment is terminated, as Lambda does.
 */
export class LocalFunction {
  public readonly stats: FunctionStats = { invocations: 0, errors: 0, timeouts: 0, coldStarts: 0 };
  private readonly environments: Environment[] = [];
  private readonly waiting: Array<() => void> = [];
  private readonly limit: number;
  private stopped = false;

  public constructor(
    public readonly spec: FunctionSpec,
    private readonly settings: EnvironmentSettings,
  ) {
    this.limit = Math.max(1, Math.min(spec.reservedConcurrency ?? Number.POSITIVE_INFINITY, settings.maxEnvironments ?? 10));
  }

  /** Invokes the function synchronously (RequestResponse) and returns its result or error. */
  public async invoke(event: unknown): Promise<InvocationResult> {
    if (this.stopped) throw new Error(`${this.spec.functionName}: the local runtime is stopped`);
    const env = await this.acquire();
    this.stats.invocations++;
    try {
      const initError = await env.ready;
      if (initError) {
        this.discard(env);
        this.stats.errors++;
        return { ok: false, error: initError };
      }
      return await this.run(env, event);
    } finally {
      env.busy = false;
      this.waiting.shift()?.();
    }
  }

  /** Terminates every environment. */
  public async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.environments.splice(0).map((e) => e.worker.terminate()));
    for (const wake of this.waiting.splice(0)) wake();
  }

  private run(env: Environment, event: unknown): Promise<InvocationResult> {
    const { spec } = this;
    const id = randomUUID();
    const deadline = Date.now() + spec.timeoutSeconds * 1000;
    env.invocations++;
    return new Promise<InvocationResult>((resolve) => {
      const timer = setTimeout(() => {
        env.worker.off('message', onMessage);
        this.stats.timeouts++;
        this.stats.errors++;
        this.discard(env);
        resolve({
          ok: false,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `Task timed out after ${spec.timeoutSeconds.toFixed(2)} seconds`,
            trace: [],
          },
        });
      }, spec.timeoutSeconds * 1000);
      const onMessage = (message: { type: string; id?: string; result?: unknown; error?: InvocationError }) => {
        if (message.id !== id) return;
        clearTimeout(timer);
        env.worker.off('message', onMessage);
        if (message.type === 'result') resolve({ ok: true, result: message.result });
        else {
          this.stats.errors++;
          resolve({ ok: false, error: message.error ?? { errorType: 'Error', errorMessage: 'unknown error', trace: [] } });
        }
      };
      env.worker.on('message', onMessage);
      env.worker.postMessage({
        type: 'invoke',
        id,
        deadline,
        event,
        context: {
          awsRequestId: id,
          functionName: spec.functionName,
          functionVersion: '$LATEST',
          invokedFunctionArn: spec.functionArn,
          memoryLimitInMB: String(spec.memorySize),
          logGroupName: spec.logGroupName,
          logStreamName: `local/${env.worker.threadId}`,
        },
      });
    });
  }

  private async acquire(): Promise<Environment> {
    for (;;) {
      const idle = this.environments.find((e) => !e.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.environments.length < this.limit) {
        const created = this.create();
        created.busy = true;
        return created;
      }
      await new Promise<void>((wake) => this.waiting.push(wake));
      if (this.stopped) throw new Error(`${this.spec.functionName}: the local runtime is stopped`);
    }
  }

  private create(): Environment {
    const { spec, settings } = this;
    this.stats.coldStarts++;
    const worker = new Worker(WORKER, {
      // Not the parent's flags: a loader such as tsx would otherwise hook every require of the bundle.
      execArgv: [],
      workerData: { codeDir: spec.codeDir, handler: spec.handler, nodePath: settings.nodePath },
      env: {
        ...settings.awsEnvironment,
        ...spec.environment,
        AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
        AWS_LAMBDA_LOG_GROUP_NAME: spec.logGroupName,
        AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
        LAMBDA_TASK_ROOT: spec.codeDir,
        _HANDLER: spec.handler,
        TZ: 'UTC',
      },
      stdout: true,
      stderr: true,
    });
    for (const stream of [worker.stdout, worker.stderr]) {
      let buffered = '';
      stream.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          settings.onLog?.(spec.functionName, buffered.slice(0, newline));
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
        }
      });
    }
    const ready = new Promise<InvocationError | undefined>((resolve) => {
      worker.once('message', (message: { type: string; error?: InvocationError }) => {
        resolve(
          message.type === 'init-error'
            ? { ...(message.error as InvocationError), errorType: `Runtime.${message.error?.errorType ?? 'Error'}` }
            : undefined,
        );
      });
      worker.once('error', (error) => resolve({ errorType: 'Runtime.ExitError', errorMessage: error.message, trace: [] }));
    });
    const env: Environment = { worker, ready, busy: false, invocations: 0 };
    worker.once('exit', () => {
      const index = this.environments.indexOf(env);
      if (index >= 0) this.environments.splice(index, 1);
    });
    this.environments.push(env);
    return env;
  }

  private discard(env: Environment): void {
    const index = this.environments.indexOf(env);
    if (index >= 0) this.environments.splice(index, 1);
    void env.worker.terminate();
  }
}
