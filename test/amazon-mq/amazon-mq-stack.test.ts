import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AmazonMqStack, type AmazonMqStackProps } from '../../lib/amazon-mq';
import { STACK_IDS } from '../../lib/app';
import { appTemplate, errorOf, NO_BUNDLING, settings } from '../helpers';

const ID = STACK_IDS.amazonMq;

/** The stack alone (cheaper than the whole app) with a profile and props. */
function stackTemplate(profile: 'sandbox' | 'production', props: Partial<AmazonMqStackProps> = {}): Template {
  return Template.fromStack(new AmazonMqStack(new App({ context: NO_BUNDLING }), ID, { settings: settings(profile), ...props }));
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] }>;

function resources(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

function onlyOne(template: Template, type: string, props: Record<string, unknown> = {}) {
  const found = Object.entries(template.findResources(type, { Properties: props }));
  expect(found).toHaveLength(1);
  return found[0][1] as { Properties: Record<string, unknown> };
}

describe('Decoupling-AmazonMq, sandbox profile (both engines)', () => {
  const template = appTemplate(ID);

  test('snapshot (asset hashes normalised)', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('a VPC of isolated subnets only: no internet gateway, no NAT gateway, one AZ; rejected traffic logged', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 1);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.hasResourceProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false });
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', LogDestinationType: 'cloud-watch-logs' });
  });

  test('interface endpoints with private DNS for Secrets Manager, Lambda and STS, closed to the VPC at large', () => {
    const endpoints = Object.values(resources(template, 'AWS::EC2::VPCEndpoint'));
    const services = endpoints.map((e) => JSON.stringify(e.Properties.ServiceName).match(/\.(\w+)"\]/)?.[1]).sort();
    expect(services).toEqual(['lambda', 'secretsmanager', 'sts']);
    for (const e of endpoints) expect(e.Properties).toMatchObject({ VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
    const endpointGroup = onlyOne(template, 'AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Interface endpoints'),
    });
    // open: false: no ingress from the VPC CIDR, only the rules added per client group.
    expect(endpointGroup.Properties.SecurityGroupIngress).toBeUndefined();
    const ingress = Object.values(resources(template, 'AWS::EC2::SecurityGroupIngress')).filter((r) => r.Properties.FromPort === 443);
    expect(ingress).toHaveLength(4); // two producers and two broker groups (the event sources' ENIs)
    for (const rule of ingress) expect(rule.Properties.SourceSecurityGroupId).toBeDefined();
  });

  test('brokers: current engine versions, private, single instance in one subnet, logs, maintenance window, users from Secrets Manager', () => {
    const rabbit = onlyOne(template, 'AWS::AmazonMQ::Broker', { EngineType: 'RABBITMQ' });
    const active = onlyOne(template, 'AWS::AmazonMQ::Broker', { EngineType: 'ACTIVEMQ' });
    expect(rabbit.Properties).toMatchObject({
      EngineVersion: '4.2',
      HostInstanceType: 'mq.m7g.medium',
      DeploymentMode: 'SINGLE_INSTANCE',
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: true,
      Logs: { General: true },
      MaintenanceWindowStartTime: { DayOfWeek: 'SUNDAY', TimeOfDay: '03:00', TimeZone: 'UTC' },
    });
    expect(rabbit.Properties.EncryptionOptions).toBeUndefined();
    expect(active.Properties).toMatchObject({
      EngineVersion: '5.19',
      HostInstanceType: 'mq.t3.micro',
      DeploymentMode: 'SINGLE_INSTANCE',
      PubliclyAccessible: false,
      Logs: { General: true, Audit: true },
      EncryptionOptions: { UseAwsOwnedKey: true },
      Configuration: { Id: { Ref: expect.stringMatching(/^ActiveMqBrokerConfiguration/) } },
    });
    for (const broker of [rabbit, active]) {
      expect(broker.Properties.SubnetIds).toHaveLength(1);
      const [user] = broker.Properties.Users as Array<{ Username: string; Password: unknown }>;
      expect(user.Username).toBe('app');
      // The password is a dynamic reference to the generated secret, never a literal.
      expect(JSON.stringify(user.Password)).toMatch(/\{\{resolve:secretsmanager:.*:SecretString:password::\}\}/);
    }
  });

  test('broker secrets: generated JSON {username, password}, 32 characters without , : =, each character class', () => {
    const secrets = Object.values(resources(template, 'AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(2);
    for (const s of secrets) {
      expect(s.Properties.GenerateSecretString).toEqual({
        SecretStringTemplate: '{"username":"app"}',
        GenerateStringKey: 'password',
        PasswordLength: 32,
        ExcludeCharacters: ',:=',
        RequireEachIncludedType: true,
      });
    }
  });

  test('ActiveMQ configuration: every message persistent, an individual DLQ per queue', () => {
    const config = onlyOne(template, 'AWS::AmazonMQ::Configuration');
    expect(config.Properties).toMatchObject({ EngineType: 'ACTIVEMQ', EngineVersion: '5.19', AuthenticationStrategy: 'SIMPLE' });
    const xml = (config.Properties.Data as { 'Fn::Base64': string })['Fn::Base64'];
    expect(xml).toContain('<individualDeadLetterStrategy queuePrefix="DLQ." useQueueForQueueMessages="true" processNonPersistent="true"/>');
    expect(xml).toContain('<forcePersistencyModeBrokerPlugin persistenceFlag="true"/>');
  });

  test('broker groups open their TLS port only to the producer, and their event source port only to themselves', () => {
    const ingress = Object.values(resources(template, 'AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    const rabbitPorts = ingress
      .filter((r) => JSON.stringify(r.GroupId).includes('RabbitMqBroker'))
      .map((r) => [r.FromPort, JSON.stringify(r.SourceSecurityGroupId)]);
    expect(rabbitPorts).toEqual(
      expect.arrayContaining([
        [5671, expect.stringContaining('RabbitMqBrokerSecurityGroup')],
        [5671, expect.stringContaining('RabbitMqProducerSecurityGroup')],
      ]),
    );
    expect(rabbitPorts).toHaveLength(2);
    const activePorts = ingress
      .filter((r) => JSON.stringify(r.GroupId).includes('ActiveMqBroker'))
      .map((r) => [r.FromPort, JSON.stringify(r.SourceSecurityGroupId)]);
    expect(activePorts.sort()).toEqual([
      [61614, expect.stringContaining('ActiveMqProducerSecurityGroup')],
      [61617, expect.stringContaining('ActiveMqBrokerSecurityGroup')],
    ]);
    for (const group of Object.values(resources(template, 'AWS::EC2::SecurityGroup'))) {
      expect(JSON.stringify(group.Properties.SecurityGroupIngress ?? [])).not.toContain('0.0.0.0/0');
    }
  });

  test('producers run in the VPC, read the secret (by ARN, not its value) and publish to the declared topology', () => {
    const rabbit = onlyOne(template, 'AWS::Lambda::Function', {
      Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'amazon-mq-rabbitmq-producer' } },
    });
    expect(rabbit.Properties).toMatchObject({
      VpcConfig: { SubnetIds: [expect.anything()], SecurityGroupIds: [expect.anything()] },
      Environment: {
        Variables: {
          BROKER_ENDPOINTS: { 'Fn::Join': [',', { 'Fn::GetAtt': [expect.stringMatching(/^RabbitMqBroker/), 'AmqpEndpoints'] }] },
          BROKER_SECRET_ARN: { Ref: expect.stringMatching(/^RabbitMqUserSecret/) },
          QUEUE_NAME: 'orders',
          DEAD_LETTER_EXCHANGE: 'orders.dlx',
          DEAD_LETTER_QUEUE: 'orders.dlq',
          DELIVERY_LIMIT: '4',
          MAX_MESSAGE_BYTES: '65536',
        },
      },
    });
    const active = onlyOne(template, 'AWS::Lambda::Function', {
      Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'amazon-mq-activemq-producer' } },
    });
    expect(active.Properties).toMatchObject({
      Environment: {
        Variables: {
          BROKER_ENDPOINTS: { 'Fn::Join': [',', { 'Fn::GetAtt': [expect.stringMatching(/^ActiveMqBroker/), 'StompEndpoints'] }] },
        },
      },
    });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/"(PASSWORD|BROKER_PASSWORD)"/);
  });

  test('event source mappings: queue and dead-letter queue per broker, BASIC_AUTH secret, batch 10, window 1 s; after the broker', () => {
    const mappings = Object.values(resources(template, 'AWS::Lambda::EventSourceMapping'));
    expect(mappings.map((m) => (m.Properties.Queues as string[])[0]).sort()).toEqual(['DLQ.orders', 'orders', 'orders', 'orders.dlq']);
    for (const m of mappings) {
      expect(m.Properties).toMatchObject({ BatchSize: 10, MaximumBatchingWindowInSeconds: 1, Enabled: true });
      const access = m.Properties.SourceAccessConfigurations as Array<{ Type: string; URI: unknown }>;
      expect(access[0]).toEqual({ Type: 'BASIC_AUTH', URI: { Ref: expect.stringMatching(/UserSecret/) } });
      expect(m.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/Broker[0-9A-F]{8}$/)]));
    }
    const rabbit = mappings.filter((m) => JSON.stringify(m.Properties.EventSourceArn).includes('RabbitMqBroker'));
    for (const m of rabbit) expect(m.Properties.SourceAccessConfigurations).toContainEqual({ Type: 'VIRTUAL_HOST', URI: '/' });
  });

  test('the consumer role may describe the brokers, read their secrets and manage the event sources network interfaces', () => {
    const policies = Object.values(resources(template, 'AWS::IAM::Policy')).map((p) => JSON.stringify(p.Properties.PolicyDocument));
    const mq = policies.filter((p) => p.includes('mq:DescribeBroker'));
    expect(mq).toHaveLength(2); // one per function (consumer, dead-letter recorder), for both brokers
    for (const p of mq) {
      expect(p).toContain('ec2:CreateNetworkInterface');
      expect(p).toMatch(
        /RabbitMqBroker[0-9A-F]{8}","Arn"[\s\S]*ActiveMqBroker[0-9A-F]{8}","Arn"|ActiveMqBroker[0-9A-F]{8}","Arn"[\s\S]*RabbitMqBroker[0-9A-F]{8}","Arn"/,
      );
    }
  });

  test('broker log groups get retention (7 days in sandbox), and Amazon MQ may write them', () => {
    const retention = Object.values(resources(template, 'Custom::LogRetention'));
    expect(retention).toHaveLength(3); // RabbitMQ general; ActiveMQ general and audit
    for (const r of retention) expect(r.Properties.RetentionInDays).toBe(7);
    const policy = JSON.stringify(onlyOne(template, 'AWS::Logs::ResourcePolicy').Properties.PolicyDocument);
    expect(policy).toContain('\\"Service\\":\\"mq.amazonaws.com\\"');
    expect(policy).toContain('\\"Action\\":[\\"logs:CreateLogStream\\",\\"logs:PutLogEvents\\"]');
    expect(policy).toContain(':log-group:/aws/amazonmq/broker/*');
  });

  test('alarms: CPU, memory or heap, backlog and connections per broker; consumer errors; dead letters', () => {
    const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).map((a) => String(a.Properties.AlarmDescription));
    for (const what of ['CPU', 'memory', 'JVM heap', 'connections', 'messages waiting']) {
      expect(alarms.filter((d) => d.includes(what)).length).toBeGreaterThanOrEqual(1);
    }
    expect(alarms.filter((d) => /^(RabbitMQ|ActiveMQ) broker /.test(d)).length).toBe(8);
    expect(alarms.some((d) => d.startsWith('Messages were dead-lettered'))).toBe(true);
    expect(alarms.some((d) => d.startsWith('Consumer: invocations failed'))).toBe(true);
  });

  test('outputs: endpoints, secret ARNs, queue names and producers per engine', () => {
    const outputs = Object.keys(template.toJSON().Outputs);
    for (const label of ['RabbitMq', 'ActiveMq']) {
      for (const suffix of [
        'BrokerArn',
        'BrokerEndpoints',
        'SecretArn',
        'QueueName',
        'DeadLetterQueueName',
        'MaxDeliveries',
        'ProducerFunctionName',
      ]) {
        expect(outputs).toContain(`${label}${suffix}`);
      }
    }
    template.hasOutput('RabbitMqMaxDeliveries', { Value: '5' });
    template.hasOutput('ActiveMqMaxDeliveries', { Value: '7' });
    template.hasOutput('Engines', { Value: 'RABBITMQ,ACTIVEMQ' });
  });
});

describe('Decoupling-AmazonMq, production profile', () => {
  const template = stackTemplate('production');

  test('RabbitMQ three-node cluster and ActiveMQ active/standby across AZs, production instance types, logs kept a year', () => {
    const rabbit = onlyOne(template, 'AWS::AmazonMQ::Broker', { EngineType: 'RABBITMQ' });
    const active = onlyOne(template, 'AWS::AmazonMQ::Broker', { EngineType: 'ACTIVEMQ' });
    expect(rabbit.Properties).toMatchObject({ DeploymentMode: 'CLUSTER_MULTI_AZ', HostInstanceType: 'mq.m7g.large' });
    expect(active.Properties).toMatchObject({ DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ', HostInstanceType: 'mq.m5.large' });
    expect(active.Properties.SubnetIds).toHaveLength(2);
    expect((rabbit.Properties.SubnetIds as unknown[]).length).toBeGreaterThanOrEqual(2);
    for (const r of Object.values(resources(template, 'Custom::LogRetention'))) expect(r.Properties.RetentionInDays).toBe(365);
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
  });

  test('ActiveMQ alarms watch both instances of the pair', () => {
    const cpu = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).find((a) =>
      String(a.Properties.AlarmDescription).startsWith('ActiveMQ broker Decoupling-AmazonMq/ActiveMqBroker: CPU'),
    );
    expect(JSON.stringify(cpu?.Properties.Metrics)).toContain('MAX([i1, i2])');
  });
});

describe('Decoupling-AmazonMq, one engine (engines: [RABBITMQ], as -c mqEngines=rabbitmq sets)', () => {
  const template = stackTemplate('sandbox', { engines: ['RABBITMQ'] });

  test('only the RabbitMQ broker, and no STS endpoint (only ActiveMQ event sources need it)', () => {
    template.resourceCountIs('AWS::AmazonMQ::Broker', 1);
    template.resourceCountIs('AWS::AmazonMQ::Configuration', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    template.hasOutput('Engines', { Value: 'RABBITMQ' });
  });
});

describe('Decoupling-AmazonMq, customer-managed key (encryptionKey)', () => {
  const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const VIA_SECRETS_MANAGER = { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } };
  const readers = ['RabbitMqProducer', 'ActiveMqProducer', 'Consumer', 'DeadLetterRecorder'];

  /** Per role of the stack: its policies' statements that name a KMS action. */
  function kmsStatements(template: Template): Record<string, unknown[]> {
    const byRole: Record<string, unknown[]> = {};
    for (const policy of Object.values(resources(template, 'AWS::IAM::Policy'))) {
      const statements = (policy.Properties.PolicyDocument as { Statement: Array<{ Action: unknown }> }).Statement;
      const kmsOnes = statements.filter((st) => JSON.stringify(st.Action).includes('kms:'));
      if (kmsOnes.length === 0) continue;
      for (const role of policy.Properties.Roles as Array<{ Ref: string }>) byRole[role.Ref] = [...(byRole[role.Ref] ?? []), ...kmsOnes];
    }
    return byRole;
  }

  test('an imported key: the ActiveMQ broker and both secrets use it; every secret reader may decrypt through Secrets Manager only', () => {
    const app = new App({ context: NO_BUNDLING });
    const encryptionKey = kms.Key.fromKeyArn(new Stack(app, 'Keys'), 'Key', KEY_ARN);
    const template = Template.fromStack(new AmazonMqStack(app, ID, { settings: settings('sandbox'), encryptionKey }));
    const active = onlyOne(template, 'AWS::AmazonMQ::Broker', { EngineType: 'ACTIVEMQ' });
    expect(active.Properties.EncryptionOptions).toEqual({ KmsKeyId: KEY_ARN, UseAwsOwnedKey: false });
    expect(onlyOne(template, 'AWS::AmazonMQ::Broker', { EngineType: 'RABBITMQ' }).Properties.EncryptionOptions).toBeUndefined();
    for (const s of Object.values(resources(template, 'AWS::SecretsManager::Secret'))) expect(s.Properties.KmsKeyId).toBe(KEY_ARN);
    const byRole = kmsStatements(template);
    expect(
      Object.keys(byRole)
        .map((r) => r.replace(/(Function)?Role.*$/, ''))
        .sort(),
    ).toEqual([...readers].sort());
    for (const statements of Object.values(byRole)) {
      expect(statements).toEqual([
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY_ARN, Condition: { StringEquals: VIA_SECRETS_MANAGER } },
      ]);
    }
  });

  test('a key of another stack: no dependency cycle, its policy trusts the account IAM policies and names no role of this stack', () => {
    const app = new App({ context: NO_BUNDLING });
    const keys = new Stack(app, 'Keys');
    const encryptionKey = new kms.Key(keys, 'Key', { enableKeyRotation: true });
    const template = Template.fromStack(new AmazonMqStack(app, ID, { settings: settings('sandbox'), encryptionKey }));
    const active = onlyOne(template, 'AWS::AmazonMQ::Broker', { EngineType: 'ACTIVEMQ' });
    expect(active.Properties.EncryptionOptions).toMatchObject({ UseAwsOwnedKey: false, KmsKeyId: expect.anything() });
    expect(Object.keys(kmsStatements(template))).toHaveLength(readers.length);
    const keyPolicy = JSON.stringify(Template.fromStack(keys).toJSON());
    expect(keyPolicy).toContain('"Action":"kms:*"');
    expect(keyPolicy).toContain(':root');
    expect(keyPolicy).not.toContain(ID);
  });

  test('a key of another region is refused with one line', () => {
    const app = new App({ context: NO_BUNDLING });
    const env = { account: '111111111111', region: 'eu-west-1' };
    const encryptionKey = new kms.Key(new Stack(app, 'Keys', { env: { ...env, region: 'us-east-1' } }), 'Key');
    expect(errorOf(() => new AmazonMqStack(app, ID, { settings: settings('sandbox'), env, encryptionKey }))).toMatch(
      /^Decoupling-AmazonMq\/RabbitMqUser: encryptionKey = Keys\/Key is in us-east-1: Secrets Manager and Amazon MQ use keys of their own region \(eu-west-1\) only$/,
    );
  });
});
