import {
  CancelMessageMoveTaskCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  type ListMessageMoveTasksResultEntry,
  ListQueuesCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { resolveLocalhostNames } from '../../local/localhost-dns';
import { moveMessages } from '../../scenarios/redrive';
import { CliError, type CliIo, EXIT } from './io';
import { Progress } from './progress';

/** `decoupling redrive` options. */
export interface RedriveOptions {
  /** The dead-letter queue: its URL or ARN. */
  readonly queue: string;
  /** Where to move the messages: a queue URL or ARN (default: each message's source queue). */
  readonly to?: string;
  /** Most messages moved per second (1 to 500). */
  readonly maxPerSecond?: number;
  readonly region?: string;
  /** An endpoint such as the local runtime's SQS endpoint (default: from a local queue URL, else AWS). */
  readonly endpointUrl?: string;
  /** Seconds between progress polls of a message move task. */
  readonly pollSeconds?: number;
}

/** A queue, resolved. */
export interface QueueRef {
  readonly url: string;
  readonly arn: string;
  readonly fifo: boolean;
}

/** StartMessageMoveTask's MaxNumberOfMessagesPerSecond: at most 500 (SQS API Reference). */
export const MAX_MOVE_RATE = 500;
const UNSUPPORTED = /InvalidAction|UnsupportedOperation|UnknownOperation|Unknown action|not supported/i;
/** An SQS queue ARN: its region, account and name. */
export const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80}(\.fifo)?)$/;

/** The SQS client for a queue: a local queue URL (or --endpoint-url) is its own endpoint. */
export function clientFor(options: Pick<RedriveOptions, 'queue' | 'region' | 'endpointUrl'>): SQSClient {
  let endpoint = options.endpointUrl;
  if (!endpoint && /^https?:\/\//.test(options.queue)) {
    const url = new URL(options.queue);
    if (url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname.endsWith('.localhost')) endpoint = url.origin;
  }
  const region = options.region ?? QUEUE_ARN.exec(options.queue)?.[1] ?? (endpoint ? 'us-east-1' : undefined);
  const local = endpoint && /localhost|127\.0\.0\.1/.test(endpoint);
  // The local runtime's queue URLs use *.localhost names; resolve them to loopback in this process too.
  if (local) resolveLocalhostNames();
  return new SQSClient({
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
}

/** One line for the usual reasons an SQS call fails. */
export function describeSqsError(error: unknown, what: string): CliError {
  if (error instanceof CliError) return error;
  const e = error as Error & { name?: string; Code?: string };
  const name = e.name ?? '';
  if (/AccessDenied|NotAuthorized|UnauthorizedOperation/i.test(`${name} ${e.message}`)) {
    return new CliError(
      `access denied ${what}: a redrive needs sqs:StartMessageMoveTask, sqs:ListMessageMoveTasks, sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes on the dead-letter queue and sqs:SendMessage on the destination (${name}: ${e.message})`,
      EXIT.target,
    );
  }
  if (/NonExistentQueue|QueueDoesNotExist/i.test(name)) return new CliError(`no such queue ${what}`, EXIT.target);
  if (name === 'CredentialsProviderError' || /credential/i.test(e.message ?? '')) {
    return new CliError(`no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (${e.message})`, EXIT.target);
  }
  if (/Region is missing/i.test(e.message ?? '')) return new CliError('no AWS region: set AWS_REGION or pass --region', EXIT.target);
  if (/ECONNREFUSED/.test(`${e.message} ${(e as { code?: string }).code ?? ''}`)) {
    return new CliError(`cannot reach the SQS endpoint ${what}: is the local runtime running (npx decoupling up)?`, EXIT.target);
  }
  return new CliError(`${what}: ${name || 'Error'}: ${e.message}`, EXIT.failed);
}

/** Resolves a queue URL or ARN to both, and whether it is FIFO. */
export async function resolveQueue(sqs: SQSClient, urlOrArn: string): Promise<QueueRef> {
  try {
    let url = urlOrArn;
    const arn = QUEUE_ARN.exec(urlOrArn);
    if (arn) {
      url = (await sqs.send(new GetQueueUrlCommand({ QueueName: arn[3], QueueOwnerAWSAccountId: arn[2] }))).QueueUrl as string;
    } else if (!/^https?:\/\//.test(urlOrArn)) {
      throw new CliError(`${urlOrArn} is neither a queue URL nor an SQS queue ARN`, EXIT.usage);
    }
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'FifoQueue'] }));
    const queueArn = attributes.Attributes?.QueueArn as string;
    return { url, arn: queueArn, fifo: queueArn.endsWith('.fifo') };
  } catch (error) {
    throw describeSqsError(error, urlOrArn);
  }
}

/** The queues whose redrive policy names `dlq`: ListDeadLetterSourceQueues, or a scan where that API is missing. */
export async function sourcesOf(sqs: SQSClient, dlq: QueueRef): Promise<QueueRef[]> {
  let urls: string[];
  try {
    urls = [];
    let token: string | undefined;
    do {
      const page = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq.url, NextToken: token, MaxResults: 1000 }));
      urls.push(...(page.queueUrls ?? []));
      token = page.NextToken;
    } while (token);
  } catch (error) {
    if (!UNSUPPORTED.test(`${(error as Error).name} ${(error as Error).message}`)) throw describeSqsError(error, dlq.url);
    urls = [];
    const all = (await sqs.send(new ListQueuesCommand({ MaxResults: 1000 }))).QueueUrls ?? [];
    for (const url of all) {
      const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }));
      const policy = JSON.parse(a.Attributes?.RedrivePolicy ?? '{}') as { deadLetterTargetArn?: string };
      if (policy.deadLetterTargetArn === dlq.arn) urls.push(url);
    }
  }
  return Promise.all(urls.map((url) => resolveQueue(sqs, url)));
}

/** The checks a redrive must pass before it starts: a DLQ with a source, and queues of the same type. */
export async function planRedrive(
  sqs: SQSClient,
  options: RedriveOptions,
): Promise<{ dlq: QueueRef; sources: QueueRef[]; destination?: QueueRef }> {
  if (
    options.maxPerSecond !== undefined &&
    (!Number.isInteger(options.maxPerSecond) || options.maxPerSecond < 1 || options.maxPerSecond > MAX_MOVE_RATE)
  ) {
    throw new CliError(
      `--max-per-second must be a whole number from 1 to ${MAX_MOVE_RATE} (StartMessageMoveTask's limit), got ${options.maxPerSecond}`,
      EXIT.usage,
    );
  }
  const dlq = await resolveQueue(sqs, options.queue);
  const sources = await sourcesOf(sqs, dlq);
  if (sources.length === 0) {
    throw new CliError(
      `${dlq.arn} is not a dead-letter queue: no queue names it in its redrive policy, so there is no source to move messages back to`,
      EXIT.target,
    );
  }
  const destination = options.to ? await resolveQueue(sqs, options.to) : undefined;
  for (const target of destination ? [destination] : sources) {
    if (target.fifo !== dlq.fifo) {
      throw new CliError(
        `FIFO constraint: a ${dlq.fifo ? 'FIFO' : 'standard'} dead-letter queue redrives only to a ${dlq.fifo ? 'FIFO' : 'standard'} queue, and ${target.arn} is ${target.fifo ? 'FIFO' : 'standard'}`,
        EXIT.target,
      );
    }
  }
  return { dlq, sources, destination };
}

/** `decoupling redrive`: starts a message move task and shows its progress until it ends. */
export async function redriveCommand(options: RedriveOptions, io: CliIo): Promise<number> {
  const sqs = clientFor(options);
  try {
    const { dlq, sources, destination } = await planRedrive(sqs, options);
    const target = destination ?? (sources.length === 1 ? sources[0] : undefined);
    io.out.write(`redrive ${dlq.arn} -> ${target?.arn ?? `each message's source (${sources.map((s) => s.arn).join(', ')})`}\n`);
    let handle: string | undefined;
    try {
      handle = (
        await sqs.send(
          new StartMessageMoveTaskCommand({
            SourceArn: dlq.arn,
            DestinationArn: destination?.arn,
            MaxNumberOfMessagesPerSecond: options.maxPerSecond,
          }),
        )
      ).TaskHandle;
    } catch (error) {
      if (!UNSUPPORTED.test(`${(error as Error).name} ${(error as Error).message}`))
        throw describeSqsError(error, `starting a move from ${dlq.arn}`);
    }
    const progress = new Progress(io.progress, 'messages moved', io.now);
    if (handle === undefined) return await moveLocally(sqs, dlq, target, options, progress, io);
    return await followTask(sqs, dlq, handle, progress, options.pollSeconds ?? 2, io);
  } catch (error) {
    throw describeSqsError(error, options.queue);
  } finally {
    sqs.destroy();
  }
}

/** Where the endpoint has no message move tasks (the local runtime): move in the foreground. */
async function moveLocally(
  sqs: SQSClient,
  dlq: QueueRef,
  target: QueueRef | undefined,
  options: RedriveOptions,
  progress: Progress,
  io: CliIo,
): Promise<number> {
  if (!target) {
    throw new CliError(
      `${dlq.arn} is the dead-letter queue of several queues and this endpoint has no message move tasks: pass --to <queue>`,
      EXIT.usage,
    );
  }
  io.out.write('this endpoint has no message move tasks (StartMessageMoveTask): moving in the foreground (receive, send, delete)\n');
  const moved = await moveMessages(
    sqs,
    {
      deadLetterQueueUrl: dlq.url,
      deadLetterQueueArn: dlq.arn,
      sourceQueueUrl: target.url,
      sourceQueueArn: target.arn,
      timeoutSeconds: 24 * 3600,
    },
    { onProgress: (done, total) => progress.update(done, total), maxPerSecond: options.maxPerSecond, signal: io.signal },
  );
  if (io.signal?.aborted) {
    progress.finish(`interrupted: ${moved} moved; the rest stays in the dead-letter queue`);
    return EXIT.interrupted;
  }
  progress.finish(`done: ${moved} moved`);
  return EXIT.ok;
}

/** Polls ListMessageMoveTasks for the task and shows its progress until it ends. */
async function followTask(
  sqs: SQSClient,
  dlq: QueueRef,
  handle: string,
  progress: Progress,
  pollSeconds: number,
  io: CliIo,
): Promise<number> {
  for (;;) {
    const task = await findTask(sqs, dlq.arn, handle);
    const moved = Number(task?.ApproximateNumberOfMessagesMoved ?? 0);
    const toMove = Number(task?.ApproximateNumberOfMessagesToMove ?? 0);
    progress.update(moved, toMove);
    if (task?.Status === 'COMPLETED') {
      progress.finish(`done: ${moved} moved`);
      return EXIT.ok;
    }
    if (task?.Status === 'FAILED' || task?.Status === 'CANCELLED') {
      progress.finish(`task ${task.Status.toLowerCase()} after ${moved} moved${task.FailureReason ? `: ${task.FailureReason}` : ''}`);
      return EXIT.failed;
    }
    if (io.signal?.aborted) {
      progress.finish(`stopped watching; the task goes on (npx decoupling redrive status --queue ${dlq.arn}, or cancel)`);
      return EXIT.interrupted;
    }
    await new Promise((r) => setTimeout(r, pollSeconds * 1000));
  }
}

async function findTask(sqs: SQSClient, sourceArn: string, handle?: string): Promise<ListMessageMoveTasksResultEntry | undefined> {
  const tasks = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }))).Results ?? [];
  return handle ? tasks.find((t) => t.TaskHandle === handle) : tasks[0];
}

/** `decoupling redrive status`: the most recent message move tasks of a dead-letter queue. */
export async function redriveStatusCommand(options: Pick<RedriveOptions, 'queue' | 'region' | 'endpointUrl'>, io: CliIo): Promise<number> {
  const sqs = clientFor(options);
  try {
    const dlq = await resolveQueue(sqs, options.queue);
    let tasks: ListMessageMoveTasksResultEntry[];
    try {
      tasks = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: 10 }))).Results ?? [];
    } catch (error) {
      if (UNSUPPORTED.test(`${(error as Error).name} ${(error as Error).message}`)) {
        throw new CliError(
          'this endpoint has no message move tasks (the local runtime): a local redrive runs in the foreground',
          EXIT.target,
        );
      }
      throw error;
    }
    if (tasks.length === 0) io.out.write(`no message move task on ${dlq.arn}\n`);
    for (const t of tasks) {
      const started = t.StartedTimestamp ? new Date(Number(t.StartedTimestamp)).toISOString() : '?';
      io.out.write(
        `${t.Status}  ${t.ApproximateNumberOfMessagesMoved ?? 0}/${t.ApproximateNumberOfMessagesToMove ?? '?'} moved  started ${started}  to ${t.DestinationArn ?? "each message's source"}${t.FailureReason ? `  (${t.FailureReason})` : ''}\n`,
      );
    }
    return EXIT.ok;
  } catch (error) {
    throw describeSqsError(error, options.queue);
  } finally {
    sqs.destroy();
  }
}

/** `decoupling redrive cancel`: cancels the running message move task of a dead-letter queue. */
export async function redriveCancelCommand(options: Pick<RedriveOptions, 'queue' | 'region' | 'endpointUrl'>, io: CliIo): Promise<number> {
  const sqs = clientFor(options);
  try {
    const dlq = await resolveQueue(sqs, options.queue);
    let running: ListMessageMoveTasksResultEntry | undefined;
    try {
      running = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: 10 }))).Results?.find(
        (t) => t.Status === 'RUNNING',
      );
    } catch (error) {
      if (UNSUPPORTED.test(`${(error as Error).name} ${(error as Error).message}`)) {
        throw new CliError('this endpoint has no message move tasks (the local runtime): stop a local redrive with Ctrl-C', EXIT.target);
      }
      throw error;
    }
    if (!running?.TaskHandle) throw new CliError(`no running message move task on ${dlq.arn}`, EXIT.target);
    const result = await sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: running.TaskHandle }));
    io.out.write(`cancelled; ${result.ApproximateNumberOfMessagesMoved ?? 0} messages had moved\n`);
    return EXIT.ok;
  } catch (error) {
    throw describeSqsError(error, options.queue);
  } finally {
    sqs.destroy();
  }
}
