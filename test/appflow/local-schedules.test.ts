import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AppflowClient, DescribeFlowExecutionRecordsCommand, type ExecutionRecord, StartFlowCommand } from '@aws-sdk/client-appflow';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { synthesizeForLocal } from '../../local/assembly';
import { type LocalRuntime, type StackInput, startLocalRuntime } from '../../local/runtime';
import { localTarget } from '../../local/target';
import type { Template, TemplateResource } from '../../local/template';
import { APPFLOW_STACK, SAMPLE_DIR } from '../../scenarios/appflow';

// What the local AppFlow runs and what it refuses, on copies of the synthesized template whose
// orders flow is changed: scheduled (Active and Draft) flows run with `runSchedules`, SaaS sources and
// Parquet output are listed as not run, and FlowStatus on an on-demand flow fails the stack as on AWS.

interface FlowProperties {
  FlowName: string;
  FlowStatus?: string;
  TriggerConfig: { TriggerType: string; TriggerProperties?: Record<string, unknown> };
  SourceFlowConfig: Record<string, unknown>;
  DestinationFlowConfigList: Array<{ DestinationConnectorProperties: { S3: { S3OutputFormatConfig: { FileType: string } } } }>;
}

let base: StackInput;
let runtime: LocalRuntime;
let appflow: AppflowClient;
let s3: S3Client;
const errors: Error[] = [];

function ordersFlow(template: Template): TemplateResource & { Properties: FlowProperties } {
  const found = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::AppFlow::Flow' && String(r.Properties?.FlowName).includes('OrdersFlow'),
  );
  if (!found) throw new Error('no orders flow in the template');
  return found as never;
}

/** A copy of the stack under another name, its flow renamed (everywhere, policies included) and changed. */
function copy(name: string, change: (flow: FlowProperties) => void): StackInput {
  const original = ordersFlow(base.template).Properties.FlowName;
  const template = JSON.parse(JSON.stringify(base.template).replaceAll(original, `${original}-${name}`)) as Template;
  change(ordersFlow(template).Properties);
  return { ...base, stackName: `${APPFLOW_STACK}-${name}`, template };
}

const scheduled = (status: string) => (flow: FlowProperties) => {
  flow.TriggerConfig = { TriggerType: 'Scheduled', TriggerProperties: { ScheduleExpression: 'rate(1hours)', DataPullMode: 'Incremental' } };
  flow.FlowStatus = status;
};

const COPIES = {
  active: 'ScheduledActive',
  draft: 'ScheduledDraft',
  parquet: 'Parquet',
  saas: 'Saas',
} as const;

const flowName = (copyName: string) => runtime.outputs(`${APPFLOW_STACK}-${copyName}`).OrdersFlowName;

/** The runs of a flow, once none is in progress (fails after 4 s without that). */
async function settledRuns(copyName: string, atLeast: number): Promise<ExecutionRecord[]> {
  for (let i = 0; i < 40; i++) {
    const { flowExecutions = [] } = await appflow.send(new DescribeFlowExecutionRecordsCommand({ flowName: flowName(copyName) }));
    if (flowExecutions.length >= atLeast && flowExecutions.every((e) => e.executionStatus !== 'InProgress')) return flowExecutions;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`flow ${flowName(copyName)}: fewer than ${atLeast} finished runs after 4 s`);
}

beforeAll(async () => {
  [base] = synthesizeForLocal({ stacks: [APPFLOW_STACK] }).stacks;
  const stacks = [
    copy(COPIES.active, scheduled('Active')),
    copy(COPIES.draft, scheduled('Draft')),
    copy(COPIES.parquet, (flow) => {
      flow.DestinationFlowConfigList[0].DestinationConnectorProperties.S3.S3OutputFormatConfig.FileType = 'PARQUET';
    }),
    copy(COPIES.saas, (flow) => {
      flow.SourceFlowConfig = {
        ConnectorType: 'Salesforce',
        ConnectorProfileName: 'my-salesforce',
        SourceConnectorProperties: { Salesforce: { Object: 'Account' } },
      };
    }),
  ];
  runtime = await startLocalRuntime({ stacks, runSchedules: true, onError: (e) => errors.push(e) });
  const target = localTarget(runtime, { retryDelaySeconds: 0 });
  appflow = new AppflowClient(target.clientConfig('appflow'));
  s3 = new S3Client(target.clientConfig('s3'));
}, 60_000);

afterAll(async () => {
  appflow?.destroy();
  s3?.destroy();
  await runtime?.stop();
});

describe('local AppFlow: scheduled flows with runSchedules', () => {
  test('an Active scheduled flow runs at start, as a rate schedule runs at activation', async () => {
    const runs = await settledRuns(COPIES.active, 1);
    expect(runs.map((r) => r.executionStatus)).toEqual(['Successful']);
  });

  test('a Draft scheduled flow is refused, saying why; StartFlow activates it and its schedule runs it on the source data', async () => {
    const name = flowName(COPIES.draft);
    expect(errors.map((e) => e.message)).toContain(
      `AppFlow flow ${name} is Draft: AppFlow runs only Active scheduled flows (deploy it with FlowStatus Active, or activate it with StartFlow); it does not run on its schedule`,
    );
    expect((await appflow.send(new DescribeFlowExecutionRecordsCommand({ flowName: name }))).flowExecutions).toEqual([]);

    const outputs = runtime.outputs(`${APPFLOW_STACK}-${COPIES.draft}`);
    const raw = readFileSync(path.join(SAMPLE_DIR, 'orders.jsonl'), 'utf8');
    await s3.send(new PutObjectCommand({ Bucket: outputs.RawBucketName, Key: `${outputs.OrdersSourcePrefix}/orders.jsonl`, Body: raw }));
    const started = await appflow.send(new StartFlowCommand({ flowName: name }));
    // StartFlow on a scheduled flow activates it: no execution id, as on AWS.
    expect([started.flowStatus, started.executionId]).toEqual(['Active', undefined]);
    const [run] = await settledRuns(COPIES.draft, 1);
    expect(run).toMatchObject({
      executionStatus: 'Successful',
      executionResult: expect.objectContaining({ recordsProcessed: raw.trim().split('\n').length }),
    });
  });
});

describe('local AppFlow: what it lists or refuses', () => {
  test('SaaS sources and Parquet output are listed as not run, by logical id, and StartFlow on them is refused', async () => {
    const listed = runtime.notEmulated.filter((n) => n.type === 'AWS::AppFlow::Flow');
    expect(listed.map((n) => [n.stackName, n.logicalId, n.reason])).toEqual([
      [
        `${APPFLOW_STACK}-${COPIES.parquet}`,
        expect.stringMatching(/^OrdersFlow/),
        'AppFlow flow that does not run locally: Parquet output is not written locally',
      ],
      [
        `${APPFLOW_STACK}-${COPIES.saas}`,
        expect.stringMatching(/^OrdersFlow/),
        'AppFlow flow that does not run locally: Salesforce source: a SaaS connector needs a real connection',
      ],
    ]);
    await expect(appflow.send(new StartFlowCommand({ flowName: flowName(COPIES.parquet) }))).rejects.toThrow(
      'does not run locally: Parquet output is not written locally',
    );
  });

  test('FlowStatus on an on-demand flow fails the stack at creation, as AppFlow refuses it', async () => {
    const broken = copy('OnDemandWithStatus', (flow) => {
      flow.FlowStatus = 'Active';
    });
    await expect(startLocalRuntime({ stacks: [broken] })).rejects.toThrow(
      /^Decoupling-AppFlow-OnDemandWithStatus: OrdersFlow[0-9A-F]+ \(AWS::AppFlow::Flow\) sets FlowStatus Active on an OnDemand flow, which AppFlow refuses$/,
    );
  });
});
