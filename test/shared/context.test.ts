import { App } from 'aws-cdk-lib';
import { buildApp } from '../../lib/app';
import { isEmail, readAppConfig } from '../../lib/shared/context';
import { errorOf, NO_BUNDLING } from '../helpers';

function config(context: Record<string, unknown>) {
  return readAppConfig(new App({ context }).node);
}

describe('context', () => {
  test('defaults: sandbox, no e-mail, the profile decides the worker', () => {
    expect(config({})).toEqual({ profile: 'sandbox', alarmEmail: undefined, backlogWorker: undefined });
  });

  test('valid values, as strings from -c or values from cdk.json', () => {
    expect(config({ profile: 'production', alarmEmail: ' ops@example.com ', backlogWorker: 'false' })).toEqual({
      profile: 'production',
      alarmEmail: 'ops@example.com',
      backlogWorker: false,
    });
    expect(config({ backlogWorker: true }).backlogWorker).toBe(true);
    expect(config({ alarmEmail: '' }).alarmEmail).toBeUndefined();
  });

  test.each([
    [{ profile: 'prod' }, 'Invalid context profile="prod": allowed sandbox | production (default sandbox)'],
    [{ profile: 42 }, 'Invalid context profile=42: allowed sandbox | production (default sandbox)'],
    [{ alarmEmail: 'ops@' }, 'Invalid context alarmEmail="ops@": allowed an e-mail address such as ops@example.com, or unset'],
    [
      { alarmEmail: 'ops example.com' },
      'Invalid context alarmEmail="ops example.com": allowed an e-mail address such as ops@example.com, or unset',
    ],
    [{ backlogWorker: 'yes' }, 'Invalid context backlogWorker="yes": allowed true | false, or unset'],
  ])('%j fails with one line', (context, message) => {
    const error = errorOf(() => buildApp({ context: { ...NO_BUNDLING, ...context }, nag: false }));
    expect(error).toBe(message);
    expect(error).not.toContain('\n');
  });

  test.each(['a@b.co', 'first.last+tag@sub.example.org', "o'brien@example.ie"])('%s is an e-mail address', (email) => {
    expect(isEmail(email)).toBe(true);
  });
  test.each(['', 'a@b', '@example.com', 'a@@example.com', 'a b@example.com', 'a@-example.com', `${'a'.repeat(250)}@example.com`])(
    '%s is not an e-mail address',
    (email) => {
      expect(isEmail(email)).toBe(false);
    },
  );
});
