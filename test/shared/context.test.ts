import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';
import { PATTERNS } from '../../lib/patterns';
import { contextKeys, isCdkContextKey, isEmail, readAppConfig } from '../../lib/shared/context';
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

describe('strict context: an unknown key fails synth with one line naming it and the closest known key', () => {
  test.each([
    [{ profle: 'production' }, 'Unknown context key profle: did you mean profile? known keys: '],
    [{ alarmemail: 'ops@example.com' }, 'Unknown context key alarmemail: did you mean alarmEmail? known keys: '],
    [{ backlogworker: 'true' }, 'Unknown context key backlogworker: did you mean backlogWorker? known keys: '],
    [{ webhook: 'https://example.com' }, 'Unknown context key webhook: did you mean webhookUrl? '],
    [{ somethingElse: 'x' }, 'Unknown context key somethingElse: known keys: profile, alarmEmail, '],
  ])('%j', (context, start) => {
    const error = errorOf(() => buildApp({ context: { ...NO_BUNDLING, ...context }, nag: false }));
    expect(error.startsWith(start)).toBe(true);
    expect(error).not.toContain('\n');
  });

  test("CDK's own keys are accepted: feature flags, aws:cdk:*, cached lookups, the CLI's bare keys", () => {
    for (const key of [
      '@aws-cdk/core:newFlag',
      'aws:cdk:enable-path-metadata',
      'availability-zones:account=1:region=eu-west-1',
      'cli-telemetry',
    ]) {
      expect(isCdkContextKey(key)).toBe(true);
    }
    expect(() =>
      config({ '@aws-cdk/aws-s3:someFlag': true, 'aws:cdk:version-reporting': false, 'acknowledged-issue-numbers': [1] }),
    ).not.toThrow();
  });

  test('every pattern key is known, and the keys are listed once', () => {
    const names = contextKeys().map((k) => k.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.slice(0, 2)).toEqual(['profile', 'alarmEmail']);
    for (const pattern of PATTERNS) for (const key of pattern.contextKeys) expect(names).toContain(key.name);
  });
});

describe('the backlog worker is opt-in and runs only your image', () => {
  test.each([
    [
      { backlogWorker: 'true' },
      'Invalid context backlogWorker=true: allowed true only with -c backlogWorkerImage=<your image>: there is no default worker',
    ],
    [
      { backlogWorkerImage: 'public.ecr.aws/acme/worker:1.0.0' },
      'Invalid context backlogWorkerImage="public.ecr.aws/acme/worker:1.0.0": allowed only with -c backlogWorker=true',
    ],
    [
      { backlogWorker: 'true', backlogWorkerImage: 'not an image' },
      'Invalid context backlogWorkerImage="not an image": allowed an image reference such as public.ecr.aws/acme/order-worker:1.0.0, or unset',
    ],
  ])('%j fails with one line', (context, message) => {
    expect(errorOf(() => buildApp({ context: { ...NO_BUNDLING, ...context }, nag: false }))).toBe(message);
  });

  test('with both keys, the worker runs the given image', () => {
    const app = buildApp({
      context: { ...NO_BUNDLING, backlogWorker: 'true', backlogWorkerImage: 'public.ecr.aws/acme/worker:1.0.0' },
      nag: false,
    });
    const template = Template.fromStack(app.node.findChild('Decoupling-SqsDlq') as Stack);
    template.resourceCountIs('AWS::ECS::Service', 1);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Image: 'public.ecr.aws/acme/worker:1.0.0' })],
    });
  });
});
