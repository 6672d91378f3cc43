import { randomUUID } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type AppFlowCaller, missingGrant } from '../appflow/bucket-access';
import type { ExecutionRecord, LocalFlow } from '../appflow/flow';
import { outputObjects, type S3DestinationSettings } from '../appflow/output';
import { type FlowRecord, readCsv, readJsonLines } from '../appflow/records';
import { deliverEndOfRunReport } from '../appflow/run-report';
import { applyTasks, type FlowTask } from '../appflow/tasks';
import { RestError, startRestEndpoint } from '../rest-endpoint';
import type { Created, LocalService, ResourceInput, ServiceHost, ServiceModule, StackContext } from './service';

export type { ExecutionRecord, LocalFlow } from '../appflow/flow';
export { defaultBusArn, deliverEndOfRunReport, endOfRunReport } from '../appflow/run-report';

/** AppFlow's documented limits the local runs enforce (User Guide: "Amazon S3", "Quotas for Amazon AppFlow"). */
export const LOCAL_APPFLOW_LIMITS = {
  /** One Amazon S3 source file: at most 125 MB. */
  maxSourceFileBytes: 125 * 1024 * 1024,
  /** One run: at most 100 GB. */
  maxRunBytes: 100 * 1024 * 1024 * 1024,
} as const;

/** The AppFlow service of the local runtime, as tests and other services see it. */
export interface AppFlowService extends LocalService {
  /** The flows by name. */
  readonly flows: ReadonlyMap<string, LocalFlow>;
  /** Starts a run of an on-demand flow (what StartFlow does) and returns its execution id. */
  startFlow(flowName: string): string;
  /**
   * With `runSchedules`: runs every Active scheduled flow with a rate() expression at once and then
   * at each interval, until the runtime stops; a flow that is not Active is reported, not run.
   */
  run(): void;
  /** Waits for the runs in flight. */
  idle(): Promise<void>;
}

const RATE = /^rate\((\d+)(minutes|hours|days)\)$/;
const UNIT_MS: Record<string, number> = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 };

/**
 * `AWS::AppFlow::Flow` with an Amazon S3 source and destination, run locally: StartFlow (REST
 * endpoint `appflow`) reads every file under the source folder (CSV or JSON Lines), applies the flow's
 * tasks as AppFlow does (`local/appflow/tasks.ts`), writes the destination objects with the
 * configured file type, aggregation and prefix, records the run for DescribeFlowExecutionRecords
 * and sends AppFlow's "AppFlow End Flow Run Report" event to the default event bus. A scheduled
 * flow runs on its rate() schedule when the runtime is started with `runSchedules` (StartFlow
 * activates a Draft one, and its schedule then starts). A flow whose bucket policies do not let
 * AppFlow in fails at creation, as on AWS. SaaS sources, Parquet output and cron() schedules are
 * listed, not run.
 */
export const appflowService: ServiceModule = {
  name: 'appflow',
  async start(host: ServiceHost): Promise<AppFlowService> {
    const flows = new Map<string, LocalFlow>();
    const inFlight = new Set<Promise<unknown>>();
    const timers: NodeJS.Timeout[] = [];
    let stopping = false;
    /** Set once the runtime has started background work with `runSchedules`. */
    let schedulesRunning = false;
    let s3: S3Client | undefined;
    const client = () => {
      s3 ??= new S3Client(host.clientConfig(host.service('s3').endpoint as string));
      return s3;
    };

    const flowNamed = (name: unknown): LocalFlow => {
      const flow = typeof name === 'string' ? flows.get(name) : undefined;
      if (!flow) throw new RestError('ResourceNotFoundException', 404, `Flow ${String(name)} does not exist`);
      return flow;
    };

    const report = (flow: LocalFlow, run: ExecutionRecord, trigger: string) => deliverEndOfRunReport(host, flow, run, trigger);

    const readSource = async (flow: LocalFlow, run: ExecutionRecord): Promise<FlowRecord[][]> => {
      const source = flow.source as NonNullable<LocalFlow['source']>;
      const batches: FlowRecord[][] = [];
      let token: string | undefined;
      do {
        const page = await client().send(
          new ListObjectsV2Command({ Bucket: source.bucket, Prefix: `${source.prefix}/`, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) {
          const key = object.Key as string;
          if (key.endsWith('/')) continue;
          const head = await client().send(new HeadObjectCommand({ Bucket: source.bucket, Key: key }));
          const size = Number(head.ContentLength ?? 0);
          if (size > LOCAL_APPFLOW_LIMITS.maxSourceFileBytes) {
            throw new Error(`s3://${source.bucket}/${key} is ${size} bytes: an Amazon S3 source file may not exceed 125 MB`);
          }
          run.executionResult.bytesProcessed += size;
          if (run.executionResult.bytesProcessed > LOCAL_APPFLOW_LIMITS.maxRunBytes)
            throw new Error('the run exceeds 100 GB, the most one flow run processes');
          const text = await (await client().send(new GetObjectCommand({ Bucket: source.bucket, Key: key }))).Body?.transformToString(
            'utf8',
          );
          const where = `s3://${source.bucket}/${key}`;
          batches.push(source.format === 'CSV' ? readCsv(text ?? '', where) : readJsonLines(text ?? '', where));
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return batches;
    };

    const execute = async (flow: LocalFlow, run: ExecutionRecord, trigger: string) => {
      try {
        const batches = await readSource(flow, run);
        run.executionResult.recordsProcessed = batches.reduce((n, b) => n + b.length, 0);
        // Every batch is transformed before anything is written: a terminated run writes nothing.
        const results = batches.map((batch) => applyTasks(flow.tasks, batch));
        run.local.filtered = results.reduce((n, r) => n + r.filtered, 0);
        run.local.dropped = results.reduce((n, r) => n + r.dropped, 0);
        const at = new Date(run.startedAt * 1000);
        const destination = flow.destination as S3DestinationSettings;
        for (const object of outputObjects(
          destination,
          flow.name,
          run.executionId,
          at,
          results.map((r) => r.records),
        )) {
          await client().send(
            new PutObjectCommand({
              Bucket: destination.BucketName,
              Key: object.key,
              Body: object.body,
              ContentType: 'application/octet-stream',
            }),
          );
          run.executionResult.bytesWritten += Buffer.byteLength(object.body);
          run.local.written.push(object.key);
        }
        run.executionStatus = 'Successful';
      } catch (error) {
        run.executionStatus = 'Error';
        run.executionResult.errorInfo = { executionMessage: (error as Error).message, putFailuresCount: 0 };
      }
      run.lastUpdatedAt = Date.now() / 1000;
      await report(flow, run, trigger);
    };

    const begin = (flow: LocalFlow, trigger: string): { run: ExecutionRecord; done: Promise<void> } => {
      if (flow.notRun) throw new RestError('UnsupportedOperationException', 400, `Flow ${flow.name} does not run locally: ${flow.notRun}`);
      if (stopping) throw new RestError('ServiceQuotaExceededException', 400, 'the local runtime is stopping');
      const now = Date.now() / 1000;
      const run: ExecutionRecord = {
        executionId: randomUUID(),
        executionStatus: 'InProgress',
        executionResult: { recordsProcessed: 0, bytesProcessed: 0, bytesWritten: 0 },
        startedAt: now,
        lastUpdatedAt: now,
        local: { filtered: 0, dropped: 0, written: [] },
      };
      flow.executions.unshift(run);
      const done = execute(flow, run, trigger);
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done));
      return { run, done };
    };

    const startFlow = (name: string): string => {
      const flow = flowNamed(name);
      if (flow.triggerType !== 'OnDemand') {
        throw new RestError(
          'UnsupportedOperationException',
          400,
          `Flow ${name} is a ${flow.triggerType} flow: StartFlow activates it; locally it runs on its rate() schedule when the runtime is started with runSchedules: true`,
        );
      }
      return begin(flow, 'ONDEMAND').run.executionId;
    };

    /** Runs an Active scheduled flow now and then at each interval of its rate() expression; refuses any other flow, saying why. */
    const schedule = (flow: LocalFlow): void => {
      const rate = RATE.exec(flow.scheduleExpression ?? '');
      if (flow.triggerType !== 'Scheduled' || flow.notRun || !rate) return;
      if (flow.status !== 'Active') {
        host.onError(
          new Error(
            `AppFlow flow ${flow.name} is ${flow.status}: AppFlow runs only Active scheduled flows (deploy it with FlowStatus Active, or activate it with StartFlow); it does not run on its schedule`,
          ),
        );
        return;
      }
      const tick = () => {
        if (!stopping) begin(flow, 'SCHEDULED');
      };
      tick(); // a rate schedule runs once at activation
      const timer = setInterval(tick, Number(rate[1]) * UNIT_MS[rate[2]]);
      timer.unref();
      timers.push(timer);
    };

    const publicFlow = (flow: LocalFlow) => ({
      flowArn: flow.arn,
      flowName: flow.name,
      flowStatus: flow.status,
      triggerConfig: { triggerType: flow.triggerType },
      lastRunExecutionDetails: flow.executions[0] && {
        mostRecentExecutionStatus: flow.executions[0].executionStatus,
        mostRecentExecutionTime: flow.executions[0].startedAt,
        mostRecentExecutionMessage: flow.executions[0].executionResult.errorInfo?.executionMessage,
      },
    });

    const endpoint = await startRestEndpoint({
      service: 'AppFlow',
      unsupported: 'UnsupportedOperationException',
      invalidBody: 'ValidationException',
      internal: 'InternalServerException',
      routes: {
        '/start-flow': (input) => {
          const flow = flowNamed(input.flowName);
          if (flow.triggerType !== 'OnDemand') {
            if (flow.notRun)
              throw new RestError('UnsupportedOperationException', 400, `Flow ${flow.name} does not run locally: ${flow.notRun}`);
            const wasActive = flow.status === 'Active';
            flow.status = 'Active';
            // Activation starts the schedule, as on AWS; before the runtime runs, run() starts it.
            if (!wasActive && schedulesRunning) schedule(flow);
            return { flowArn: flow.arn, flowStatus: flow.status };
          }
          return { flowArn: flow.arn, flowStatus: flow.status, executionId: startFlow(flow.name) };
        },
        '/describe-flow': (input) => publicFlow(flowNamed(input.flowName)),
        '/list-flows': () => ({ flows: [...flows.values()].map(publicFlow) }),
        '/describe-flow-execution-records': (input) => {
          const flow = flowNamed(input.flowName);
          const max = Number(input.maxResults ?? 20);
          if (!Number.isInteger(max) || max < 1 || max > 100)
            throw new RestError('ValidationException', 400, `maxResults ${input.maxResults} is not 1 to 100`);
          const start = input.nextToken === undefined ? 0 : Number(input.nextToken);
          const page = flow.executions.slice(start, start + max).map(({ local: _local, ...record }) => record);
          return { flowExecutions: page, nextToken: start + max < flow.executions.length ? String(start + max) : undefined };
        },
      },
    });

    const create = async (input: ResourceInput): Promise<Created> => {
      const name = String(input.prop('FlowName'));
      const arn = `arn:aws:appflow:${host.region}:${host.accountId}:flow/${name}`;
      const created: Created = { ref: name, attributes: { FlowArn: arn } };
      const trigger = input.prop('TriggerConfig') as {
        TriggerType: LocalFlow['triggerType'];
        TriggerProperties?: { ScheduleExpression?: string };
      };
      const flowStatus = input.prop('FlowStatus') as string | undefined;
      if (trigger.TriggerType === 'OnDemand' && flowStatus !== undefined) {
        throw new Error(
          `${input.stack.stackName}: ${input.logicalId} (AWS::AppFlow::Flow) sets FlowStatus ${flowStatus} on an OnDemand flow, which AppFlow refuses`,
        );
      }
      if (flows.has(name)) throw new Error(`${input.stack.stackName}: ${input.logicalId}: a flow named ${name} already exists`);
      const sourceConfig = input.prop('SourceFlowConfig') as {
        ConnectorType: string;
        SourceConnectorProperties: Record<string, Record<string, unknown>>;
      };
      const destinations = input.prop('DestinationFlowConfigList') as Array<{
        ConnectorType: string;
        DestinationConnectorProperties: Record<string, unknown>;
      }>;
      const s3Source = sourceConfig.SourceConnectorProperties.S3 as
        | { BucketName: string; BucketPrefix?: string; S3InputFormatConfig?: { S3InputFileType?: 'CSV' | 'JSON' } }
        | undefined;
      const destination = destinations[0]?.DestinationConnectorProperties.S3 as S3DestinationSettings | undefined;
      let notRun: string | undefined;
      if (sourceConfig.ConnectorType !== 'S3' || !s3Source)
        notRun = `${sourceConfig.ConnectorType} source: a SaaS connector needs a real connection`;
      else if (destinations.length !== 1 || destinations[0].ConnectorType !== 'S3' || !destination)
        notRun = 'only one Amazon S3 destination runs locally';
      else if ((destination.S3OutputFormatConfig?.FileType ?? 'JSON') === 'PARQUET') notRun = 'Parquet output is not written locally';
      else if (trigger.TriggerType === 'Scheduled' && !RATE.test(trigger.TriggerProperties?.ScheduleExpression ?? ''))
        notRun = `its schedule ${trigger.TriggerProperties?.ScheduleExpression} does not run locally (rate() schedules do, with runSchedules)`;
      if (notRun) input.list(`AppFlow flow that does not run locally: ${notRun}`);
      const prefix = (s3Source?.BucketPrefix ?? '').replace(/^\/+|\/+$/g, '');
      flows.set(name, {
        stackName: input.stack.stackName,
        logicalId: input.logicalId,
        name,
        arn,
        triggerType: trigger.TriggerType,
        status:
          trigger.TriggerType === 'OnDemand' || flowStatus === 'Active' ? 'Active' : flowStatus === 'Suspended' ? 'Suspended' : 'Draft',
        scheduleExpression: trigger.TriggerProperties?.ScheduleExpression,
        notRun,
        source: s3Source && { bucket: s3Source.BucketName, prefix, format: s3Source.S3InputFormatConfig?.S3InputFileType ?? 'CSV' },
        destination,
        tasks: (input.prop('Tasks') as FlowTask[] | undefined) ?? [],
        executions: [],
      });
      return created;
    };

    /** AppFlow checks its bucket access when it creates a flow: a flow the policies do not allow fails here. */
    const wire = async (stack: StackContext) => {
      const statementsOf = new Map<string, unknown[]>();
      for (const [id, resource] of Object.entries(stack.template.Resources)) {
        if (resource.Type !== 'AWS::S3::BucketPolicy') continue;
        const where = `${stack.stackName}: Resources.${id}.Properties`;
        const bucket = String(stack.resolve(resource.Properties?.Bucket, `${where}.Bucket`));
        const document = stack.resolve(resource.Properties?.PolicyDocument, `${where}.PolicyDocument`) as { Statement?: unknown[] };
        statementsOf.set(bucket, [...(statementsOf.get(bucket) ?? []), ...(document.Statement ?? [])]);
      }
      for (const flow of flows.values()) {
        if (flow.stackName !== stack.stackName || flow.notRun) continue;
        const caller: AppFlowCaller = { account: host.accountId, flowArn: flow.arn };
        const source = flow.source as NonNullable<LocalFlow['source']>;
        const destination = flow.destination as S3DestinationSettings;
        const destinationFolder = [destination.BucketPrefix, flow.name].filter(Boolean).join('/');
        const checks: Array<[string, Array<[string, string]>]> = [
          [
            source.bucket,
            [
              ['s3:ListBucket', `arn:aws:s3:::${source.bucket}`],
              ['s3:GetObject', `arn:aws:s3:::${source.bucket}/${source.prefix}/object`],
            ],
          ],
          [
            destination.BucketName,
            [
              ['s3:PutObject', `arn:aws:s3:::${destination.BucketName}/${destinationFolder}/object`],
              ['s3:AbortMultipartUpload', `arn:aws:s3:::${destination.BucketName}/${destinationFolder}/object`],
              ['s3:ListMultipartUploadParts', `arn:aws:s3:::${destination.BucketName}/${destinationFolder}/object`],
              ['s3:PutObjectAcl', `arn:aws:s3:::${destination.BucketName}/${destinationFolder}/object`],
              ['s3:ListBucketMultipartUploads', `arn:aws:s3:::${destination.BucketName}`],
              ['s3:GetBucketAcl', `arn:aws:s3:::${destination.BucketName}`],
            ],
          ],
        ];
        for (const [bucket, wanted] of checks) {
          const missing = missingGrant((statementsOf.get(bucket) ?? []) as never[], wanted, caller);
          if (missing) {
            throw new Error(
              `${stack.stackName}: ${flow.logicalId} (AWS::AppFlow::Flow): AppFlow would refuse to create flow ${flow.name}: the policy of bucket ${bucket} does not allow appflow.amazonaws.com ${missing}`,
            );
          }
        }
      }
    };

    const service: AppFlowService = {
      name: 'appflow',
      resourceTypes: ['AWS::AppFlow::Flow'],
      endpoint: `http://127.0.0.1:${endpoint.port}`,
      endpointVariable: 'APPFLOW',
      flows,
      create,
      wire,
      startFlow,
      run() {
        if (!host.settings.runSchedules) return;
        schedulesRunning = true;
        for (const flow of flows.values()) schedule(flow);
      },
      async idle() {
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      },
      async drain() {
        stopping = true;
        for (const timer of timers) clearInterval(timer);
        await service.idle();
      },
      async stop() {
        await endpoint.stop();
        s3?.destroy();
      },
    };
    return service;
  },
};
