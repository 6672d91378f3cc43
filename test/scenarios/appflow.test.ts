import { synthesizeForLocal } from '../../local/assembly';
import type { StackInput } from '../../local/runtime';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { localTarget } from '../../local/target';
import type { Template, TemplateResource } from '../../local/template';
import { APPFLOW_STACK, runAppFlowScenario, scenario } from '../../scenarios/appflow';
import type { ScenarioResult } from '../../scenarios/scenario';
import { declaredOutputsOnly, leftBehindBy } from '../run-locally';

// The app is synthesized once; each broken variant is a copy of its template with one change, run as
// a stack of its own in one runtime, so that every scenario runs side by side.

interface Task {
  TaskType: string;
  SourceFields: string[];
  DestinationField?: string;
  TaskProperties?: Array<{ Key: string; Value: string }>;
}

let base: StackInput;
let runtime: LocalRuntime;
const errors: Error[] = [];
const results = new Map<string, ScenarioResult>();
let leftBehind: string[] = [];

function flowOf(template: Template): TemplateResource & { Properties: { FlowName: string; Tasks: Task[] } } {
  const found = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::AppFlow::Flow' && String(r.Properties?.FlowName).includes('OrdersFlow'),
  );
  if (!found) throw new Error('no orders flow in the template');
  return found as never;
}

/** A copy of the stack under another name, its flow renamed, its tasks changed by `change`. */
function variant(
  name: string,
  change: (tasks: Task[]) => Task[] = (t) => t,
  changeTemplate: (t: Template) => void = () => undefined,
): StackInput {
  // The flow's new name everywhere: its FlowName and the flow ARN in the bucket policies' conditions.
  const original = flowOf(base.template).Properties.FlowName;
  const template = JSON.parse(JSON.stringify(base.template).replaceAll(original, `${original}-${name}`)) as Template;
  const flow = flowOf(template);
  flow.Properties.Tasks = change(flow.Properties.Tasks);
  changeTemplate(template);
  return { ...base, stackName: `${APPFLOW_STACK}-${name}`, template };
}

const VARIANTS: Record<string, StackInput> = {};

beforeAll(async () => {
  [base] = synthesizeForLocal({ stacks: [APPFLOW_STACK] }).stacks;
  Object.assign(VARIANTS, {
    asSynthesized: variant('AsSynthesized'),
    droppedFilter: variant('DroppedFilter', (tasks) =>
      tasks.filter((t) => !(t.TaskType === 'Filter' && t.SourceFields.includes('status'))),
    ),
    changedMapping: variant('ChangedMapping', (tasks) =>
      tasks.map((t) => (t.DestinationField === 'countryCode' ? { ...t, DestinationField: 'country' } : t)),
    ),
    droppingValidation: variant('DroppingValidation', (tasks) =>
      tasks.map((t) =>
        t.TaskType === 'Validate' && t.SourceFields[0] === 'order_id'
          ? { ...t, TaskProperties: [{ Key: 'VALIDATION_ACTION', Value: 'DropRecord' }] }
          : t,
      ),
    ),
  });
  runtime = await startLocalRuntime({ stacks: Object.values(VARIANTS), onError: (e) => errors.push(e) });
  const target = declaredOutputsOnly(localTarget(runtime, { retryDelaySeconds: 0, slackSeconds: 3 }), scenario);
  // The broken variants fail midway: their runs clean up too, so the whole runtime is left as found.
  ({ leftBehind } = await leftBehindBy(runtime, () =>
    Promise.all(
      Object.entries(VARIANTS).map(async ([key, stack]) =>
        results.set(key, await runAppFlowScenario(target, { stackName: stack.stackName })),
      ),
    ),
  ));
}, 60_000);

afterAll(() => runtime?.stop());

describe('appflow scenario on the local runtime', () => {
  test('passes on the app as synthesized: curated output equal to the expected file, a terminated run; every run leaves the runtime as found', () => {
    const result = results.get('asSynthesized') as ScenarioResult;
    expect(result.error).toBeUndefined();
    expect(result.steps.filter((s) => !s.ok)).toEqual([]);
    expect(result.steps.map((s) => s.name)).toEqual([
      'the source folder holds only the sample orders',
      'an on-demand run succeeds',
      'the curated output matches the expected file record by record',
      'a record without an order id terminates the run, which writes nothing',
      'the failed run is reported to the failed-runs queue',
    ]);
    expect(result.counters).toEqual({ sent: 10, processed: 4, deadLettered: 1 });
    // The two files it put in the source folder and the curated object of its successful run.
    expect(result.cleaned).toEqual([
      { what: "the end-of-run reports of this run's flow runs left in the queues", ok: true, detail: 'none left in 2 queues' },
      { what: "the curated output of this run's flow runs", ok: true, detail: '1 object deleted' },
      { what: "this run's files in the source folder", ok: true, detail: '2 objects deleted' },
    ]);
    expect(leftBehind).toEqual([]);
    // Every end-of-run event reached the local EventBridge: none was reported undeliverable.
    expect(errors.filter((e) => e.message.includes('the end-of-run event was not delivered'))).toEqual([]);
    // Both targets of the failed-run rule: the queue (the record, checked above) and the alarm topic.
    expect(runtime.deliveryProblems.filter((p) => p.stackName.startsWith(APPFLOW_STACK))).toEqual([]);
  });

  describe('bites when the deployed configuration is wrong', () => {
    test('a dropped filter task: pending and cancelled orders reach the curated bucket', () => {
      expect(results.get('droppedFilter')?.error).toMatch(
        /^ScenarioError: the curated output has records that a filter or a validation should have removed: o-1002 \(status pending.*o-1006 \(status cancelled/,
      );
    });

    test('a changed mapping: the curated records have the wrong field', () => {
      expect(results.get('changedMapping')?.error).toBe(
        'ScenarioError: curated record o-1001: countryCode is null, expected "DE"; country is "DE", expected null',
      );
    });

    test('a terminating validation turned into a dropping one: the bad run succeeds', () => {
      expect(results.get('droppingValidation')?.error).toMatch(
        /^ScenarioError: run .* ended Successful: a null order_id must terminate it/,
      );
    });

    test('a source bucket policy without AppFlow: the flow is refused at creation, as on AWS', async () => {
      const broken = variant('NoSourceGrant', undefined, (template) => {
        for (const resource of Object.values(template.Resources)) {
          if (resource.Type !== 'AWS::S3::BucketPolicy') continue;
          const document = resource.Properties?.PolicyDocument as { Statement: Array<{ Sid?: string }> };
          document.Statement = document.Statement.filter((s) => !s.Sid?.startsWith('AllowAppFlowSource'));
        }
      });
      await expect(startLocalRuntime({ stacks: [broken] })).rejects.toThrow(
        /OrdersFlow[0-9A-F]+ \(AWS::AppFlow::Flow\): AppFlow would refuse to create flow .*-NoSourceGrant: the policy of bucket .* does not allow appflow.amazonaws.com s3:ListBucket/,
      );
    });

    test('a destination bucket policy without PutObjectAcl: refused at creation', async () => {
      const broken = variant('NoPutObjectAcl', undefined, (template) => {
        for (const resource of Object.values(template.Resources)) {
          if (resource.Type !== 'AWS::S3::BucketPolicy') continue;
          const document = resource.Properties?.PolicyDocument as { Statement: Array<{ Sid?: string; Action?: string[] }> };
          for (const s of document.Statement)
            if (s.Sid?.startsWith('AllowAppFlowDestination')) s.Action = s.Action?.filter((a) => a !== 's3:PutObjectAcl');
        }
      });
      await expect(startLocalRuntime({ stacks: [broken] })).rejects.toThrow(
        /does not allow appflow.amazonaws.com s3:PutObjectAcl on arn:aws:s3:::/,
      );
    });
  });
});
