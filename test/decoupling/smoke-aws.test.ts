import { CloudFormationClient, DescribeStacksCommand, type StackStatus } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../scripts/decoupling/cli';
import { capturedIo } from './captured-io';

// A stand-in for the sqs-dlq scenario, written as a pattern's scenario is (its Run knows nothing of
// interruption): a step that registers a cleanup, a wait (endless on a stack whose output Consumer is
// `stuck`), a last step.
jest.mock('../../scenarios/sqs-dlq', () => {
  const { Run, eventually } = jest.requireActual('../../scenarios/scenario');
  return {
    scenario: {
      pattern: 'sqs-dlq',
      stack: 'Decoupling-SqsDlq',
      description: 'a stand-in',
      outputs: ['QueueUrl', 'DeadLetterQueueUrl'],
      run: async (
        target: { outputs(name: string): Promise<Record<string, string>> },
        options: { report?: (line: string) => void; stackName?: string },
      ) => {
        const run = new Run('sqs-dlq', target, options.report);
        try {
          const outputs = await target.outputs(options.stackName ?? 'Decoupling-SqsDlq');
          await run.step('send', async () => {
            run.cleanup('sent messages', async () => '3 deleted');
            return `3 sent to ${outputs.QueueUrl}`;
          });
          await run.step('wait for the consumer', () =>
            eventually('the consumer', 60, async () => (outputs.Consumer === 'stuck' ? undefined : 'consumed')),
          );
          await run.step('check', async () => 'ok');
          return await run.finish();
        } catch (error) {
          return await run.finish(error);
        }
      },
    },
  };
});

const cloudformation = mockClient(CloudFormationClient);
const saved = { ...process.env };
const OUTPUTS = [
  { OutputKey: 'QueueUrl', OutputValue: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders' },
  { OutputKey: 'DeadLetterQueueUrl', OutputValue: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq' },
];

beforeEach(() => {
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  cloudformation.reset();
});
afterEach(() => {
  process.env = { ...saved };
});

function stack(StackStatus: StackStatus, Outputs = OUTPUTS) {
  cloudformation.on(DescribeStacksCommand, { StackName: 'orders' }).resolves({
    Stacks: [{ StackName: 'orders', StackStatus, Outputs, CreationTime: new Date(0) }],
  });
}

/** A captured io whose signal is aborted (as a first Ctrl-C does) when a line containing `at` is written. */
function interruptedAt(at: string) {
  const run = capturedIo();
  const controller = new AbortController();
  const io = {
    ...run.io,
    signal: controller.signal,
    out: {
      write: (s: string) => {
        run.io.out.write(s);
        if (s.includes(at)) controller.abort();
      },
    },
  };
  return { ...run, io };
}

const SMOKE = ['smoke', 'sqs-dlq', '--stack-name', 'orders', '--region', 'eu-west-1'];

describe('decoupling smoke against a deployed stack (CloudFormation mocked, the scenario a stand-in)', () => {
  test.each(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE'] as const)(
    '%s: preflight passes, the scenario runs on the outputs it read, its test data is removed, exit 0',
    async (status) => {
      stack(status);
      const run = capturedIo();
      expect(await main([...SMOKE], run.io)).toBe(0);
      const out = run.out.join('');
      expect(out).toMatch(
        new RegExp(
          `^✓ region eu-west-1\\n✓ credentials\\n✓ stack orders ${status}\\n✓ 2 outputs the scenario reads\\n\\nsqs-dlq on aws \\(orders\\): a stand-in\\n`,
        ),
      );
      expect(out).toContain('  ✓ send: 3 sent to https://sqs.eu-west-1.amazonaws.com/123456789012/orders');
      expect(out).toContain('  ✓ check: ok');
      expect(out).toContain('  ⌫ sent messages: 3 deleted');
      expect(out).toMatch(/\nsqs-dlq on aws: PASSED; steps 3\/3; [\d.]+ s\n$/);
      expect(run.err).toEqual([]);
      // The scenario read the outputs the preflight checked, not the stack a second time.
      expect(cloudformation.commandCalls(DescribeStacksCommand)).toHaveLength(1);
    },
  );

  test.each([
    ['ROLLBACK_COMPLETE', 'its first deploy failed and was rolled back, so it has no resources: delete it and deploy again'],
    ['UPDATE_IN_PROGRESS', 'an operation is under way: run smoke again when the stack reaches a COMPLETE state'],
    ['UPDATE_ROLLBACK_IN_PROGRESS', 'an operation is under way'],
    ['REVIEW_IN_PROGRESS', 'a change set was created but never executed: deploy it (npx cdk deploy Decoupling-SqsDlq)'],
    ['DELETE_COMPLETE', 'it was deleted, or is being deleted: deploy it again (npx cdk deploy Decoupling-SqsDlq)'],
    ['UPDATE_ROLLBACK_FAILED', 'an operation failed and left it in an unknown state'],
    ['CREATE_FAILED', 'an operation failed and left it in an unknown state'],
  ] as const)('%s: refused in one line naming the state and what to do, exit 3, no step run', async (status, why) => {
    stack(status);
    const run = capturedIo();
    expect(await main([...SMOKE], run.io)).toBe(3);
    expect(run.err.join('')).toMatch(new RegExp(`^decoupling: stack orders is ${status}: .+\\n$`));
    expect(run.err.join('')).toContain(why);
    expect(run.out.join('')).toBe('✓ region eu-west-1\n✓ credentials\n');
  });

  test('an output missing: named, with how to get it, exit 3, no step run', async () => {
    stack('UPDATE_COMPLETE', OUTPUTS.slice(0, 1));
    const run = capturedIo();
    expect(await main([...SMOKE], run.io)).toBe(3);
    expect(run.err.join('')).toBe(
      'decoupling: stack orders has no output DeadLetterQueueUrl: redeploy it with this version of the app (npx cdk deploy Decoupling-SqsDlq)\n',
    );
    expect(run.out.join('')).not.toContain('…');
  });

  test('no such stack: one line, exit 3', async () => {
    cloudformation
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id orders does not exist'), { name: 'ValidationError' }));
    const run = capturedIo();
    expect(await main([...SMOKE], run.io)).toBe(3);
    expect(run.err.join('')).toBe('decoupling: stack orders not found in eu-west-1: deploy it (npx cdk deploy) or pass --stack-name\n');
  });
});

describe('decoupling smoke interrupted (a first Ctrl-C): the run stops, removes its test data, exit 130', () => {
  test('during a step: that step ends, no other starts, the cleanups run', async () => {
    stack('UPDATE_COMPLETE');
    const run = interruptedAt('… send');
    expect(await main([...SMOKE], run.io)).toBe(130);
    const out = run.out.join('');
    expect(out).toContain('  ✓ send: 3 sent');
    expect(out).toContain('  ■ wait for the consumer: not started, the run was interrupted');
    expect(out).not.toContain('… wait for the consumer');
    expect(out).not.toContain('check');
    expect(out).toContain('  ⌫ sent messages: 3 deleted');
    expect(out).toMatch(/\nsqs-dlq on aws: INTERRUPTED; steps 1\/1; [\d.]+ s\n$/);
  });

  test('during a wait: the wait ends at once rather than at its deadline, the cleanups run', async () => {
    stack('UPDATE_COMPLETE', [...OUTPUTS, { OutputKey: 'Consumer', OutputValue: 'stuck' }]);
    const run = interruptedAt('… wait for the consumer');
    const started = Date.now();
    expect(await main([...SMOKE], run.io)).toBe(130);
    expect(Date.now() - started).toBeLessThan(10_000);
    const out = run.out.join('');
    expect(out).toMatch(/ {2}✗ wait for the consumer: interrupted waiting for the consumer \(/);
    expect(out).not.toContain('check');
    expect(out).toContain('  ⌫ sent messages: 3 deleted');
    expect(out).toMatch(/\nsqs-dlq on aws: INTERRUPTED; steps 1\/2; [\d.]+ s\n$/);
  });
});
