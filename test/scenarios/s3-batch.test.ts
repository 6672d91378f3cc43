import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { synthesizeForLocal } from '../../local/assembly';
import { readAssembly, type StackInput } from '../../local/runtime';
import { runS3BatchScenario, S3_BATCH_STACK, type S3BatchPart } from '../../scenarios/s3-batch';
import { leftBehindBy, onLocalRuntime } from '../run-locally';

// The app is synthesized once; each mutation test breaks a copy of the cloud assembly on purpose.
let assemblyDir: string;
const copies: string[] = [];

beforeAll(() => {
  assemblyDir = synthesizeForLocal({ stacks: [S3_BATCH_STACK] }).assemblyDir;
}, 60_000);

afterAll(() => {
  for (const dir of [assemblyDir, ...copies]) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the assembly, changed by `mutate` (its folder and the stack's template), for one test. */
function mutated(mutate: (dir: string, stack: StackInput) => void): StackInput {
  const dir = mkdtempSync(path.join(tmpdir(), 's3-batch-mutant-'));
  copies.push(dir);
  cpSync(assemblyDir, dir, { recursive: true });
  const stack = readAssembly(dir).find((s) => s.stackName === S3_BATCH_STACK) as StackInput;
  mutate(dir, stack);
  return stack;
}

/** Runs the scenario (or some of its parts) on a stack; fails a wait after `slackSeconds` without progress. */
async function scenarioOn(stack: StackInput, parts?: readonly S3BatchPart[], slackSeconds = 5) {
  return onLocalRuntime([stack], slackSeconds, async (target, runtime) => {
    const { value: result, leftBehind } = await leftBehindBy(runtime, () =>
      runS3BatchScenario(target, { parts, largeObjectBytes: 1024 * 1024 }),
    );
    return { result, deliveryProblems: runtime.deliveryProblems, leftBehind };
  });
}

/** The template resource of `type` whose logical id starts with `prefix`. */
function resource(stack: StackInput, type: string, prefix: string) {
  const found = Object.entries(stack.template.Resources).filter(([id, r]) => r.Type === type && id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`${found.length} resources start with ${prefix}`);
  return found[0][1] as { Properties: Record<string, unknown> };
}

describe('s3-batch scenario on the local runtime', () => {
  test('passes on the app as synthesized: every job really runs; the run leaves the stack as it found it', async () => {
    const stack = readAssembly(assemblyDir).find((s) => s.stackName === S3_BATCH_STACK) as StackInput;
    const { result, deliveryProblems, leftBehind } = await scenarioOn(stack);
    expect(result.error).toBeUndefined();
    expect(result.steps.filter((s) => !s.ok)).toEqual([]);
    expect(result.steps.map((s) => s.name)).toHaveLength(10);
    expect(result.counters).toEqual({ sent: 7, processed: 3, deadLettered: 2 });
    expect(deliveryProblems).toEqual([]);
    // Five uploads, three results, the submitter's four records (one per job it submitted).
    expect(result.cleaned).toEqual([
      { what: "this run's unfinished jobs", ok: true, detail: 'none' },
      { what: "the results of this run's jobs", ok: true, detail: '3 objects deleted' },
      { what: "this run's job state changes and failures left in the queues", ok: true, detail: 'none left in 5 queues' },
      { what: "the submitter's records of this run's uploads", ok: true, detail: '4 deleted' },
      { what: "this run's uploads", ok: true, detail: '5 objects deleted' },
    ]);
    expect(leftBehind).toEqual([]);
  }, 60_000);

  describe('bites when the deployed configuration is wrong', () => {
    // The broken stacks run side by side; each test waits for its own.
    type Outcome = Awaited<ReturnType<typeof scenarioOn>>;
    const runs = new Map<string, Promise<Outcome>>();
    const outcome = (name: string) => runs.get(name) as Promise<Outcome>;

    beforeAll(() => {
      const idempotency = mutated((dir, s) => {
        // The job name gets a part that changes with every event, as a name derived from the event time would.
        const code = (resource(s, 'AWS::Lambda::Function', 'SubmitterFunction').Properties.Code as { S3Key: string }).S3Key.replace(
          /\.zip$/,
          '',
        );
        const bundle = path.join(dir, `asset.${code}`, 'index.js');
        const text = readFileSync(bundle, 'utf8');
        const marker = '"s3-batch-job-name/v1"';
        if (text.split(marker).length !== 2) throw new Error(`the submitter bundle does not hold ${marker} exactly once`);
        writeFileSync(bundle, text.replace(marker, `${marker}+Date.now()`));
      });
      const pattern = mutated((_dir, s) => {
        const rule = resource(s, 'AWS::Events::Rule', 'JobStatesStateChangeRule').Properties.EventPattern as {
          detail: { status: string[] };
        };
        rule.detail.status = ['SUCCEEDED', 'RUNNABLE'];
      });
      runs.set('idempotency', scenarioOn(idempotency, ['duplicate'], 4));
      runs.set('pattern', scenarioOn(pattern, ['retries', 'events'], 3));
    });
    afterAll(() => Promise.allSettled(runs.values()));

    test('a job name that is no longer derived from the object version alone: the repeated upload starts a second job', async () => {
      const { result } = await outcome('idempotency');
      expect(result.error).toMatch(/^ScenarioError: uploading the same version again started a second job: small-\w+, small-\w+$/);
    }, 40_000);

    test('a job state rule whose pattern selects RUNNABLE instead of FAILED: the notification queue gets what it should not, and not the failure', async () => {
      const { result } = await outcome('pattern');
      expect(result.steps.find((s) => !s.ok)?.name).toBe(
        'job outcomes reach the notification queue through EventBridge, and nothing else does',
      );
      expect(result.error).toMatch(/^ScenarioError: unexpected job state changes in the notification queue: scenario-missing-\w+ RUNNABLE/);
    }, 40_000);
  });
});
