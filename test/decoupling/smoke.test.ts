import { main } from '../../scripts/decoupling/cli';
import { leftBehind } from '../../scripts/decoupling/smoke';
import { capturedIo } from './captured-io';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('decoupling smoke: preflight before the scenario touches anything', () => {
  test('no region: one line, exit 3', async () => {
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    process.env.AWS_CONFIG_FILE = '/nonexistent';
    const run = capturedIo();
    expect(await main(['smoke', 'sqs-dlq'], run.io)).toBe(3);
    expect(run.err.join('')).toBe('decoupling: no AWS region: set AWS_REGION, configure one for your profile, or pass --region\n');
  });

  test('an unreachable CloudFormation: the stack cannot be read, exit 3, and no scenario step ran', async () => {
    process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = 'http://127.0.0.1:9';
    process.env.AWS_MAX_ATTEMPTS = '1';
    const run = capturedIo();
    expect(await main(['smoke', 'sqs-dlq', '--region', 'eu-west-1', '--stack-name', 'my-orders'], run.io)).toBe(3);
    expect(run.out.join('')).toBe('✓ region eu-west-1\n✓ credentials\n');
    expect(run.err.join('')).toMatch(/^decoupling: cannot read stack my-orders in eu-west-1: /);
  });

  test('an unknown pattern: exit 2', async () => {
    const run = capturedIo();
    expect(await main(['smoke', 'nope'], run.io)).toBe(2);
  });
});

describe('decoupling smoke: what a run leaves behind', () => {
  test('every cleanup ran: nothing to say', () => {
    expect(leftBehind({ cleaned: [{ what: 'receipts of this run', ok: true, detail: '20 deleted' }] })).toBeUndefined();
  });

  test('a failed cleanup is named with its error, on one line', () => {
    expect(
      leftBehind({
        cleaned: [
          { what: 'receipts of this run', ok: true, detail: '20 deleted' },
          { what: "this run's uploads", ok: false, detail: 'AccessDenied: not authorized' },
        ],
      }),
    ).toBe("warning: test data left in the stack: this run's uploads (AccessDenied: not authorized)");
  });
});
