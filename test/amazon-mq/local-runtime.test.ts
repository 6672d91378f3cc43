import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as amazonmq from 'aws-cdk-lib/aws-amazonmq';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AmazonMqStack } from '../../lib/amazon-mq';
import { STACK_IDS } from '../../lib/app';
import { resolve } from '../../local/intrinsics';
import { deadLetterPolicy } from '../../local/mq/activemq-config';
import { checkEventSourceNetwork } from '../../local/mq/network-checks';
import { type LocalRuntime, readAssembly, startLocalRuntime } from '../../local/runtime';
import { generatePassword } from '../../local/services/secretsmanager';
import type { StackContext } from '../../local/services/service';
import type { Template as LocalTemplate } from '../../local/template';
import { CDK_JSON_CONTEXT, NO_BUNDLING, settings } from '../helpers';
import { localClient } from '../local-clients';

const FIXTURES = path.join(__dirname, '..', 'local', 'fixtures');

describe('local Secrets Manager: generated passwords follow GenerateSecretString', () => {
  test('length, excluded characters, one of each included class', () => {
    for (let i = 0; i < 50; i++) {
      const password = generatePassword({ PasswordLength: 12, ExcludeCharacters: ',:=', RequireEachIncludedType: true });
      expect(password).toHaveLength(12);
      expect(password).not.toMatch(/[,:=]/);
      for (const cls of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/]) expect(password).toMatch(cls);
    }
    expect(generatePassword({ ExcludePunctuation: true, ExcludeUppercase: true, ExcludeLowercase: true })).toMatch(/^[0-9]{32}$/);
    expect(() => generatePassword({ PasswordLength: 3 })).toThrow('PasswordLength 3 is too short to include 4 character types');
  });
});

describe('ActiveMQ dead-letter policy from the broker configuration', () => {
  test("ActiveMQ's defaults without a configuration: a shared ActiveMQ.DLQ, non-persistent messages discarded", () => {
    expect(deadLetterPolicy(undefined)).toMatchObject({ processNonPersistent: false, forcePersistent: false });
    expect(deadLetterPolicy(undefined).deadLetterQueue('orders')).toBe('ActiveMQ.DLQ');
  });

  test('individual dead-letter queues with their prefix; persistence forced by the plugin', () => {
    const xml =
      '<individualDeadLetterStrategy queuePrefix="DLQ." processNonPersistent="true"/><forcePersistencyModeBrokerPlugin persistenceFlag="true"/>';
    const policy = deadLetterPolicy(xml);
    expect(policy.deadLetterQueue('orders')).toBe('DLQ.orders');
    expect(policy).toMatchObject({ processNonPersistent: true, forcePersistent: true });
    expect(deadLetterPolicy('<individualDeadLetterStrategy/>').deadLetterQueue('q')).toBe('ActiveMQ.DLQ.Queue.q');
  });
});

describe('what the Amazon MQ event source needs on AWS, checked from the template', () => {
  const stack = new AmazonMqStack(new App({ context: NO_BUNDLING }), STACK_IDS.amazonMq, { settings: settings('sandbox') });
  const json = Template.fromStack(stack).toJSON() as LocalTemplate;
  const brokerId = (engine: string) =>
    Object.entries(json.Resources).find(
      ([, r]) => r.Type === 'AWS::AmazonMQ::Broker' && r.Properties?.EngineType === engine,
    )?.[0] as string;
  const context = (template: LocalTemplate): StackContext =>
    ({
      stackName: 'Decoupling-AmazonMq',
      template,
      resolve: (value: unknown, where: string) =>
        resolve(
          value,
          {
            region: 'eu-west-1',
            accountId: '111122223333',
            partition: 'aws',
            stackName: 'Decoupling-AmazonMq',
            stackId: 'x',
            urlSuffix: 'amazonaws.com',
            ref: () => undefined,
            getAtt: () => undefined,
          },
          where,
        ),
    }) as unknown as StackContext;
  const without = (predicate: (type: string, id: string, properties: Record<string, unknown>) => boolean): LocalTemplate => ({
    ...json,
    Resources: Object.fromEntries(Object.entries(json.Resources).filter(([id, r]) => !predicate(r.Type, id, r.Properties ?? {}))),
  });

  test('the stack as synthesized passes for both engines', () => {
    expect(checkEventSourceNetwork(context(json), brokerId('RABBITMQ'), 'RABBITMQ')).toBeUndefined();
    expect(checkEventSourceNetwork(context(json), brokerId('ACTIVEMQ'), 'ACTIVEMQ')).toBeUndefined();
  });

  test('a broker group that does not let itself reach the event source port', () => {
    const template = without((type, _id, p) => type === 'AWS::EC2::SecurityGroupIngress' && p.FromPort === 61617);
    expect(checkEventSourceNetwork(context(template), brokerId('ACTIVEMQ'), 'ACTIVEMQ')).toMatch(
      /security groups do not let themselves reach port 61617: the event source's network interfaces use them/,
    );
  });

  test('no STS endpoint: ActiveMQ event sources fail, RabbitMQ ones do not need it; a NAT gateway would serve both', () => {
    const template = without((type, id) => type === 'AWS::EC2::VPCEndpoint' && id.includes('Sts'));
    expect(checkEventSourceNetwork(context(template), brokerId('ACTIVEMQ'), 'ACTIVEMQ')).toMatch(
      /no NAT gateway and no interface endpoint with private DNS that broker .* reach on 443 for sts: the event source cannot call them$/,
    );
    expect(checkEventSourceNetwork(context(template), brokerId('RABBITMQ'), 'RABBITMQ')).toBeUndefined();
    const withNat = { ...template, Resources: { ...template.Resources, Nat: { Type: 'AWS::EC2::NatGateway', Properties: {} } } };
    expect(checkEventSourceNetwork(context(withNat), brokerId('ACTIVEMQ'), 'ACTIVEMQ')).toBeUndefined();
  });

  test('endpoints the broker group cannot reach on 443 do not count', () => {
    const template = without((type, _id, p) => type === 'AWS::EC2::SecurityGroupIngress' && p.FromPort === 443);
    expect(checkEventSourceNetwork(context(template), brokerId('RABBITMQ'), 'RABBITMQ')).toMatch(
      /for lambda, secretsmanager: the event source cannot call them$/,
    );
  });
});

/** A small app: a generated secret, a broker whose user reads it, and two fixture functions. */
function brokerApp(outdir: string, password?: string): App {
  const app = new App({ outdir, context: CDK_JSON_CONTEXT });
  const stack = new Stack(app, 'MqFixture');
  const secret = new secretsmanager.Secret(stack, 'User', {
    generateSecretString: { secretStringTemplate: '{"username":"app"}', generateStringKey: 'password', excludeCharacters: ',:=' },
  });
  new amazonmq.CfnBroker(stack, 'Broker', {
    brokerName: 'fixture',
    engineType: 'RABBITMQ',
    engineVersion: '4.2',
    hostInstanceType: 'mq.m7g.medium',
    deploymentMode: 'SINGLE_INSTANCE',
    publiclyAccessible: false,
    autoMinorVersionUpgrade: true,
    users: [{ username: 'app', password: password ?? secret.secretValueFromJson('password').unsafeUnwrap() }],
  });
  const code = lambda.Code.fromAsset(FIXTURES);
  new lambda.Function(stack, 'Sleeper', { runtime: lambda.Runtime.NODEJS_24_X, code, handler: 'sleeper.handler' });
  new lambda.Function(stack, 'Failer', { runtime: lambda.Runtime.NODEJS_24_X, code, handler: 'failer.handler' });
  return app;
}

describe('local runtime: Secrets Manager, Amazon MQ without running brokers, Lambda Invoke', () => {
  const dirs: string[] = [];
  const scratch = (prefix: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  let runtime: LocalRuntime;
  let secretName = '';
  const saved = process.env.DECOUPLING_BROKERS_DIR;

  beforeAll(async () => {
    process.env.DECOUPLING_BROKERS_DIR = scratch('no-brokers-'); // no brokers.json: no local brokers
    const outdir = scratch('mq-fixture-');
    brokerApp(outdir).synth();
    const stacks = readAssembly(outdir);
    const secretId = Object.entries(stacks[0].template.Resources).find(([, r]) => r.Type === 'AWS::SecretsManager::Secret')?.[0];
    secretName = `MqFixture-${secretId}`;
    runtime = await startLocalRuntime({ stacks, retryDelaySeconds: 0 });
  }, 30_000);

  afterAll(async () => {
    await runtime?.stop();
    if (saved === undefined) delete process.env.DECOUPLING_BROKERS_DIR;
    else process.env.DECOUPLING_BROKERS_DIR = saved;
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('a broker without a running local broker is listed, with how to start one', () => {
    expect(runtime.notEmulated).toContainEqual(
      expect.objectContaining({
        logicalId: 'Broker',
        reason: 'no local RabbitMQ broker is running: scripts/brokers.sh start runs the local brokers',
      }),
    );
  });

  test('secrets: generated value, a pending version and its removal, version stages', async () => {
    const client = localClient(runtime, SecretsManagerClient, 'secretsmanager');
    try {
      const described = await client.send(new DescribeSecretCommand({ SecretId: secretName }));
      expect(described.ARN).toMatch(new RegExp(`^arn:aws:secretsmanager:us-east-1:000000000000:secret:${secretName}-[A-Za-z0-9]{6}$`));
      const id = described.ARN as string;
      const current = await client.send(new GetSecretValueCommand({ SecretId: id }));
      const value = JSON.parse(current.SecretString ?? '{}') as { username: string; password: string };
      expect(value.username).toBe('app');
      expect(value.password).toHaveLength(32);
      const pending = await client.send(
        new PutSecretValueCommand({ SecretId: id, SecretString: '{"username":"app","password":"x"}', VersionStages: ['AWSPENDING'] }),
      );
      expect((await client.send(new GetSecretValueCommand({ SecretId: id, VersionStage: 'AWSPENDING' }))).SecretString).toContain('"x"');
      expect((await client.send(new GetSecretValueCommand({ SecretId: id }))).VersionId).toBe(current.VersionId);
      await client.send(
        new UpdateSecretVersionStageCommand({ SecretId: id, VersionStage: 'AWSPENDING', RemoveFromVersionId: pending.VersionId }),
      );
      await expect(client.send(new GetSecretValueCommand({ SecretId: id, VersionStage: 'AWSPENDING' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
      await expect(client.send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    } finally {
      client.destroy();
    }
  });

  test('Lambda Invoke: a result, or the function error with X-Amz-Function-Error; unknown functions are not found', async () => {
    const client = localClient(runtime, LambdaClient, 'lambda');
    const name = (id: string) => [...runtime.functions.values()].find((f) => f.spec.logicalId.startsWith(id))?.spec.functionName;
    try {
      const ok = await client.send(new InvokeCommand({ FunctionName: name('Sleeper'), Payload: Buffer.from('{"a":1}') }));
      expect(ok.FunctionError).toBeUndefined();
      expect(JSON.parse(Buffer.from(ok.Payload ?? []).toString())).toMatchObject({ invocations: 1 });
      const failed = await client.send(new InvokeCommand({ FunctionName: name('Failer'), Payload: Buffer.from('{"a":1}') }));
      expect(failed.FunctionError).toBe('Unhandled');
      expect(JSON.parse(Buffer.from(failed.Payload ?? []).toString())).toMatchObject({ errorType: 'PoisonError' });
      await expect(client.send(new InvokeCommand({ FunctionName: 'missing' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    } finally {
      client.destroy();
    }
  }, 20_000);

  test('a broker password that breaks Amazon MQ rules fails, as CreateBroker does', async () => {
    const outdir = scratch('mq-bad-');
    brokerApp(outdir, 'short').synth();
    await expect(startLocalRuntime({ stacks: readAssembly(outdir) })).rejects.toThrow(
      'MqFixture: Broker: Amazon MQ refuses the password of app: at least 12 characters, 4 unique, none of , : =',
    );
  }, 30_000);
});
