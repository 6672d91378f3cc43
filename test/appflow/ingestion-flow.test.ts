import { Duration, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  Filter,
  FlowTrigger,
  IngestionFlow,
  type IngestionFlowProps,
  Mapping,
  S3Destination,
  S3Source,
  SalesforceSource,
  SlackSource,
  Transform,
  Validation,
  ValidationAction,
  ZendeskSource,
} from '../../lib/appflow';
import { errorOf, testStack } from '../helpers';

const f = (name: string, dataType?: string) => ({ name, dataType });
const HOUR = 60 * 60 * 1000;

function setup(props: Partial<IngestionFlowProps> = {}, bucketProps: s3.BucketProps = {}) {
  const stack = testStack();
  const raw = new s3.Bucket(stack, 'Raw', bucketProps);
  const curated = new s3.Bucket(stack, 'Curated', bucketProps);
  const flow = new IngestionFlow(stack, 'Flow', {
    source: new S3Source({ bucket: raw, prefix: 'in/', format: 'CSV' }),
    destination: new S3Destination({ bucket: curated, prefix: 'out', fileType: 'JSON' }),
    mappings: [Mapping.map(f('a'), f('A'))],
    ...props,
  });
  return { stack, flow, template: Template.fromStack(stack) };
}

function flowProperties(template: Template): Record<string, unknown> {
  return Object.values(template.findResources('AWS::AppFlow::Flow'))[0].Properties;
}

function build(props: Partial<IngestionFlowProps>): string {
  return errorOf(() => setup(props));
}

describe('IngestionFlow', () => {
  test('S3 to S3 on demand: a generated name, no FlowStatus, the source folder, the projection first', () => {
    const { template, flow } = setup();
    expect(flow.flowName).toMatch(/^Test-Flow-[0-9A-F]{8}$/);
    expect(flowProperties(template)).toEqual({
      FlowName: flow.flowName,
      TriggerConfig: { TriggerType: 'OnDemand' },
      SourceFlowConfig: {
        ConnectorType: 'S3',
        SourceConnectorProperties: {
          S3: { BucketName: { Ref: expect.stringMatching(/^Raw/) }, BucketPrefix: 'in', S3InputFormatConfig: { S3InputFileType: 'CSV' } },
        },
      },
      DestinationFlowConfigList: [
        {
          ConnectorType: 'S3',
          DestinationConnectorProperties: {
            S3: {
              BucketName: { Ref: expect.stringMatching(/^Curated/) },
              BucketPrefix: 'out',
              S3OutputFormatConfig: { FileType: 'JSON', AggregationConfig: { AggregationType: 'None' }, PreserveSourceDataTyping: true },
            },
          },
        },
      ],
      Tasks: [
        { TaskType: 'Filter', SourceFields: ['a'], ConnectorOperator: { S3: 'PROJECTION' } },
        { TaskType: 'Map', SourceFields: ['a'], DestinationField: 'A', ConnectorOperator: { S3: 'NO_OP' } },
      ],
    });
  });

  test('tasks in the order AppFlow applies them: projection, filters, validations, transforms, mappings', () => {
    const { template } = setup({
      filters: [Filter.equalTo(f('status'), ['shipped', 'delivered']), Filter.between(f('qty', 'integer'), 1, 10)],
      validations: [
        Validation.nonNull(f('id'), ValidationAction.TERMINATE_FLOW),
        Validation.nonNegative(f('qty'), ValidationAction.DROP_RECORD),
      ],
      transforms: [Transform.maskLast(f('card'), 4, '#'), Transform.truncate(f('note'), 5)],
      mappings: [
        Mapping.map(f('id'), f('orderId', 'string')),
        Mapping.merge([f('first'), f('last')], f('name', 'string'), `\${first} \${last}`),
        Mapping.arithmetic('DIVISION', f('total'), f('qty'), f('unit', 'double')),
      ],
    });
    const tasks = flowProperties(template).Tasks as Array<Record<string, unknown>>;
    expect(
      tasks.map((t) => `${t.TaskType}:${(t.ConnectorOperator as { S3: string }).S3}:${(t.SourceFields as string[]).join('+')}`),
    ).toEqual([
      'Filter:PROJECTION:status+qty+id+card+note+first+last+total',
      'Filter:EQUAL_TO:status',
      'Filter:BETWEEN:qty',
      'Validate:VALIDATE_NON_NULL:id',
      'Validate:VALIDATE_NON_NEGATIVE:qty',
      'Mask:MASK_LAST_N:card',
      'Truncate:NO_OP:note',
      'Map:NO_OP:id',
      'Merge:NO_OP:first+last',
      'Map:NO_OP:first,last',
      'Arithmetic:DIVISION:total+qty',
      'Map:NO_OP:total,qty',
    ]);
    expect(tasks[1].TaskProperties).toEqual([
      { Key: 'DATA_TYPE', Value: 'string' },
      { Key: 'VALUES', Value: 'shipped,delivered' },
    ]);
    expect(tasks[3].TaskProperties).toEqual([{ Key: 'VALIDATION_ACTION', Value: 'DropDataset' }]);
    expect(tasks[4].TaskProperties).toEqual([{ Key: 'VALIDATION_ACTION', Value: 'DropRecord' }]);
    expect(tasks[5].TaskProperties).toEqual([
      { Key: 'MASK_LENGTH', Value: '4' },
      { Key: 'MASK_VALUE', Value: '#' },
    ]);
    expect(tasks[8]).toMatchObject({
      DestinationField: 'first,last',
      TaskProperties: [{ Key: 'CONCAT_FORMAT', Value: `\${first} \${last}` }],
    });
    expect(tasks[11]).toMatchObject({
      DestinationField: 'unit',
      TaskProperties: [
        { Key: 'SOURCE_DATA_TYPE', Value: 'string' },
        { Key: 'DESTINATION_DATA_TYPE', Value: 'double' },
      ],
    });
  });

  test('Map_all: no projection, the exclusions as a JSON list', () => {
    const { template } = setup({ mappings: [Mapping.mapAll({ exclude: ['secret'] })] });
    expect(flowProperties(template).Tasks).toEqual([
      {
        TaskType: 'Map_all',
        SourceFields: [],
        ConnectorOperator: { S3: 'NO_OP' },
        TaskProperties: [{ Key: 'EXCLUDE_SOURCE_FIELDS_LIST', Value: '["secret"]' }],
      },
    ]);
  });

  test('destination: file type, aggregation, prefix configuration and typing as given', () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'B');
    new IngestionFlow(stack, 'Flow', {
      source: new S3Source({ bucket, prefix: 'in', format: 'JSON' }),
      destination: new S3Destination({
        bucket,
        prefix: 'out',
        fileType: 'CSV',
        aggregation: { type: 'SingleFile', targetFileSizeMb: 64 },
        prefixConfig: { type: 'PATH_AND_FILENAME', format: 'HOUR', hierarchy: ['EXECUTION_ID', 'SCHEMA_VERSION'] },
        preserveSourceDataTyping: false,
      }),
      mappings: [Mapping.mapAll()],
    });
    expect((flowProperties(Template.fromStack(stack)).DestinationFlowConfigList as unknown[])[0]).toMatchObject({
      DestinationConnectorProperties: {
        S3: {
          S3OutputFormatConfig: {
            FileType: 'CSV',
            AggregationConfig: { AggregationType: 'SingleFile', TargetFileSize: 64 },
            PrefixConfig: {
              PrefixType: 'PATH_AND_FILENAME',
              PrefixFormat: 'HOUR',
              PathPrefixHierarchy: ['EXECUTION_ID', 'SCHEMA_VERSION'],
            },
            PreserveSourceDataTyping: false,
          },
        },
      },
    });
  });

  test('scheduled: Active, the expression and pull mode, no start time unless given', () => {
    const { template } = setup({ trigger: FlowTrigger.schedule({ expression: 'rate(15minutes)' }) });
    expect(flowProperties(template)).toMatchObject({
      FlowStatus: 'Active',
      TriggerConfig: {
        TriggerType: 'Scheduled',
        TriggerProperties: { ScheduleExpression: 'rate(15minutes)', DataPullMode: 'Incremental' },
      },
    });
    expect(JSON.stringify(flowProperties(template).TriggerConfig)).not.toMatch(/ScheduleStartTime/);
    const start = new Date(Date.now() + 2 * 24 * HOUR);
    const end = new Date(start.getTime() + 24 * HOUR);
    const later = setup({
      trigger: FlowTrigger.schedule({
        expression: 'cron(0 6 * * ? *)',
        dataPullMode: 'Complete',
        startTime: start,
        endTime: end,
        timeZone: 'Europe/Berlin',
        offset: Duration.minutes(5),
        flowErrorDeactivationThreshold: 3,
      }),
    });
    expect(flowProperties(later.template).TriggerConfig).toEqual({
      TriggerType: 'Scheduled',
      TriggerProperties: {
        ScheduleExpression: 'cron(0 6 * * ? *)',
        DataPullMode: 'Complete',
        ScheduleStartTime: Math.floor(start.getTime() / 1000),
        ScheduleEndTime: Math.floor(end.getTime() / 1000),
        TimeZone: 'Europe/Berlin',
        ScheduleOffset: 300,
        FlowErrorDeactivationThreshold: 3,
      },
    });
  });

  test('SaaS sources: the connection, the object, the connector operators; event flows are Active', () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'B');
    const destination = new S3Destination({ bucket, prefix: 'saas', fileType: 'JSON' });
    new IngestionFlow(stack, 'Sf', {
      source: new SalesforceSource({ connectorProfileName: 'my-sf', object: 'AccountChangeEvent' }),
      destination,
      trigger: FlowTrigger.onEvent(),
      filters: [Filter.contains(f('Name'), 'Acme')],
      mappings: [Mapping.map(f('Id'), f('id'))],
    });
    new IngestionFlow(stack, 'Zd', {
      source: new ZendeskSource({ connectorProfileName: 'my-zd', object: 'tickets' }),
      destination,
      trigger: FlowTrigger.schedule({ expression: 'rate(1days)' }),
      mappings: [Mapping.mapAll()],
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::AppFlow::Flow', {
      FlowStatus: 'Active',
      TriggerConfig: { TriggerType: 'Event' },
      SourceFlowConfig: {
        ConnectorType: 'Salesforce',
        ConnectorProfileName: 'my-sf',
        SourceConnectorProperties: {
          Salesforce: {
            Object: 'AccountChangeEvent',
            DataTransferApi: 'AUTOMATIC',
            EnableDynamicFieldUpdate: false,
            IncludeDeletedRecords: false,
          },
        },
      },
      Tasks: Match.arrayWith([Match.objectLike({ TaskType: 'Filter', ConnectorOperator: { Salesforce: 'CONTAINS' } })]),
    });
    template.hasResourceProperties('AWS::AppFlow::Flow', {
      FlowStatus: 'Active',
      SourceFlowConfig: {
        ConnectorType: 'Zendesk',
        ConnectorProfileName: 'my-zd',
        SourceConnectorProperties: { Zendesk: { Object: 'tickets' } },
      },
      Tasks: [Match.objectLike({ TaskType: 'Map_all', ConnectorOperator: { Zendesk: 'NO_OP' } })],
    });
  });

  test('bucket policies: AppFlow, exactly its source and destination actions, bucket-level on the bucket and object-level on the folder, this account and this flow', () => {
    const { template, flow } = setup();
    const bucketArn = (bucket: RegExp) => ({ 'Fn::GetAtt': [expect.stringMatching(bucket), 'Arn'] });
    const objectsArn = (bucket: RegExp, objects: string) => ({ 'Fn::Join': ['', [bucketArn(bucket), objects]] });
    const statement = (sid: string, actions: string | string[], resource: unknown) => ({
      Sid: sid,
      Effect: 'Allow',
      Principal: { Service: 'appflow.amazonaws.com' },
      Action: actions,
      Resource: resource,
      Condition: {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnEqualsIfExists: {
          'aws:SourceArn': {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':appflow:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                `:flow/${flow.flowName}`,
              ],
            ],
          },
        },
      },
    });
    /** The AppFlow statements of the policy of the bucket whose logical id starts with `bucket`. */
    const appflowStatements = (bucket: RegExp) => {
      const [policy] = Object.values(template.findResources('AWS::S3::BucketPolicy')).filter((p) => bucket.test(p.Properties.Bucket.Ref));
      return (policy.Properties.PolicyDocument.Statement as Array<{ Principal?: { Service?: string } }>).filter(
        (s) => s.Principal?.Service === 'appflow.amazonaws.com',
      );
    };
    // Exactly two statements each: no action on a resource it does not apply to, nothing else for AppFlow.
    expect(appflowStatements(/^Raw/)).toEqual([
      statement('AllowAppFlowSourceBucketFlow', 's3:ListBucket', bucketArn(/^Raw/)),
      statement('AllowAppFlowSourceObjectsFlow', 's3:GetObject', objectsArn(/^Raw/, '/in/*')),
    ]);
    expect(appflowStatements(/^Curated/)).toEqual([
      statement('AllowAppFlowDestinationBucketFlow', ['s3:GetBucketAcl', 's3:ListBucketMultipartUploads'], bucketArn(/^Curated/)),
      statement(
        'AllowAppFlowDestinationObjectsFlow',
        ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:PutObject', 's3:PutObjectAcl'],
        objectsArn(/^Curated/, '/out/*'),
      ),
    ]);
  });

  test('the flow is created after the bucket policies (AppFlow checks its access at creation)', () => {
    const { template } = setup();
    const [flow] = Object.values(template.findResources('AWS::AppFlow::Flow'));
    expect(flow.DependsOn).toEqual([expect.stringMatching(/^CuratedPolicy/), expect.stringMatching(/^RawPolicy/)]);
  });

  test('buckets encrypted with a key of the stack: its policy lets AppFlow decrypt (source) and encrypt (destination) for this account', () => {
    const { template } = setup({}, { encryption: s3.BucketEncryption.KMS });
    const keyStatement = (actions: string | string[]) =>
      Match.objectLike({
        Principal: { Service: 'appflow.amazonaws.com' },
        Action: actions,
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      });
    template.hasResourceProperties('AWS::KMS::Key', { KeyPolicy: { Statement: Match.arrayWith([keyStatement('kms:Decrypt')]) } });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([keyStatement(['kms:Encrypt', 'kms:GenerateDataKey'])]) },
    });
  });

  test('a customer-managed key for the flow data is its KMSArn; an alarm on failed runs', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    const bucket = new s3.Bucket(stack, 'B');
    new IngestionFlow(stack, 'Flow', {
      source: new S3Source({ bucket, prefix: 'in', format: 'CSV' }),
      destination: new S3Destination({ bucket, prefix: 'out', fileType: 'JSON' }),
      mappings: [Mapping.mapAll()],
      encryptionKey: key,
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::AppFlow::Flow', { KMSArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/AppFlow',
      MetricName: 'FlowExecutionsFailed',
      Dimensions: [{ Name: 'FlowName', Value: Match.stringLikeRegexp('^Test-Flow-') }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  describe('guards', () => {
    test('schedule expressions: AppFlow syntax only', () => {
      const schedule = (expression: string) => build({ trigger: FlowTrigger.schedule({ expression }) });
      expect(schedule('rate(5 minutes)')).toBe(
        'Test/Flow: trigger.expression = "rate(5 minutes)" is not a schedule: allowed rate(<n>minutes|hours|days) or cron(<6 fields>) (AppFlow writes rates without a space: rate(5minutes))',
      );
      expect(schedule('rate(0minutes)')).toBe('Test/Flow: trigger.expression = "rate(0minutes)": the rate must be at least 1');
      expect(schedule('rate(2weeks)')).toMatch(/is not a schedule/);
      expect(schedule('cron(0 6 * * *)')).toMatch(/a cron expression has 6 fields .* exactly one of day-of-month and day-of-week is \?$/);
      expect(schedule('cron(0 6 * * MON *)')).toMatch(/a cron expression has 6 fields/);
      expect(() => setup({ trigger: FlowTrigger.schedule({ expression: 'cron(0/15 * ? * MON-FRI *)' }) })).not.toThrow();
    });

    test('schedule start time: never in the past, nor within an hour of synthesis; end after start', () => {
      const start = (ms: number) =>
        build({ trigger: FlowTrigger.schedule({ expression: 'rate(1hours)', startTime: new Date(Date.now() + ms) }) });
      expect(start(-HOUR)).toMatch(
        /^Test\/Flow: trigger.startTime = .* is in the past or within an hour of synthesis .*: AppFlow refuses a start time in the past at deployment; leave it unset to start at activation$/,
      );
      expect(start(30 * 60 * 1000)).toMatch(/within an hour of synthesis/);
      expect(build({ trigger: FlowTrigger.schedule({ expression: 'rate(1hours)', endTime: new Date(Date.now() - HOUR) }) })).toMatch(
        /trigger.endTime = .* must be after the start/,
      );
      expect(
        build({ trigger: FlowTrigger.schedule({ expression: 'rate(1hours)', firstExecutionFrom: new Date(Date.now() + HOUR) }) }),
      ).toMatch(/firstExecutionFrom = .* is in the future/);
    });

    test('schedule offset and deactivation threshold within AppFlow ranges', () => {
      expect(build({ trigger: FlowTrigger.schedule({ expression: 'rate(1hours)', offset: Duration.hours(11) }) })).toBe(
        'Test/Flow: trigger.offset = 39600 s is out of range: allowed 0 to 36000 s (AppFlow ScheduledTriggerProperties scheduleOffset)',
      );
      expect(build({ trigger: FlowTrigger.schedule({ expression: 'rate(1hours)', flowErrorDeactivationThreshold: 101 }) })).toBe(
        'Test/Flow: trigger.flowErrorDeactivationThreshold = 101 runs is out of range: allowed 1 to 100 runs (AppFlow ScheduledTriggerProperties)',
      );
    });

    test('triggers the source supports: no event trigger from S3; event flows read change or platform events', () => {
      expect(build({ trigger: FlowTrigger.onEvent() })).toBe('Test/Flow: trigger = Event: a S3 source supports OnDemand, Scheduled');
      expect(
        build({ source: new SalesforceSource({ connectorProfileName: 'sf', object: 'Account' }), trigger: FlowTrigger.onEvent() }),
      ).toBe(
        'Test/Flow: source.object = "Account": an event flow reads a change data capture event (such as AccountChangeEvent) or a platform event (such as Order__e)',
      );
      expect(() =>
        setup({ source: new SalesforceSource({ connectorProfileName: 'sf', object: 'Order__e' }), trigger: FlowTrigger.onEvent() }),
      ).not.toThrow();
    });

    test("operators the source connector accepts (AppFlow's ConnectorOperator)", () => {
      expect(build({ filters: [Filter.contains(f('name'), 'x')] })).toBe(
        'Test/Flow: filter on name uses CONTAINS, which a S3 source does not accept (AppFlow API Reference, ConnectorOperator)',
      );
      expect(
        build({
          source: new ZendeskSource({ connectorProfileName: 'zd', object: 'tickets' }),
          filters: [Filter.equalTo(f('status'), ['open'])],
        }),
      ).toBe(
        'Test/Flow: filter on status uses EQUAL_TO, which a Zendesk source does not accept (AppFlow API Reference, ConnectorOperator)',
      );
      expect(
        build({
          source: new SlackSource({ connectorProfileName: 'sl', object: 'conversations/C1' }),
          filters: [Filter.notEqualTo(f('user'), ['bot'])],
        }),
      ).toMatch(/uses NOT_EQUAL_TO, which a Slack source does not accept/);
    });

    test('connector profile: present and well-formed for SaaS sources', () => {
      expect(build({ source: new SlackSource({ connectorProfileName: '', object: 'conversations/C1' }) })).toBe(
        'Test/Flow: connectorProfileName is missing: a SaaS source needs the name of an AppFlow connection (connector profile)',
      );
      expect(build({ source: new ZendeskSource({ connectorProfileName: 'my zendesk', object: 'tickets' }) })).toBe(
        'Test/Flow: connectorProfileName = "my zendesk" has characters AppFlow does not accept: allowed [\\w/!@#+=.-]',
      );
      expect(build({ source: new ZendeskSource({ connectorProfileName: 'x'.repeat(257), object: 'tickets' }) })).toMatch(
        /connectorProfileName.length = 257 characters is out of range/,
      );
      expect(build({ source: new ZendeskSource({ connectorProfileName: 'zd', object: ' ' }) })).toBe(
        'Test/Flow: object is empty: name the object the flow reads (for example Account)',
      );
    });

    test('mappings, transforms, description, folders and the data per run', () => {
      expect(build({ mappings: [] })).toBe(
        'Test/Flow: mappings is empty: a flow maps at least one field (or all of them with Mapping.mapAll)',
      );
      expect(build({ mappings: [Mapping.map(f('a'), f('x')), Mapping.map(f('b'), f('x'))] })).toBe(
        'Test/Flow: mappings write the destination field "x" twice',
      );
      expect(build({ mappings: [Mapping.mapAll(), Mapping.map(f('b'), f('x'))] })).toMatch(/mix Mapping.mapAll with field mappings/);
      expect(build({ transforms: [Transform.truncate(f('a'), 0)] })).toBe(
        'Test/Flow: transforms.length = 0 characters is out of range: allowed 1 to 65535 characters (AppFlow Task TRUNCATE_LENGTH)',
      );
      expect(build({ transforms: [Transform.maskFirst(f('a'), 2.5)] })).toBe(
        'Test/Flow: transforms.length = 2.5 must be a whole number of characters',
      );
      expect(build({ transforms: [Transform.maskAll(f('a'), '**')] })).toBe('Test/Flow: transforms.mask = "**" must be one character');
      expect(build({ description: 'orders (raw)' })).toBe(
        'Test/Flow: description has characters AppFlow does not accept: allowed letters, digits, spaces and !@#-.?,_',
      );
      expect(build({ maxBytesPerRun: 101 * 1024 ** 3 })).toBe(
        'Test/Flow: maxBytesPerRun = 108447924224 bytes is out of range: allowed 1 to 107374182400 bytes (AppFlow quotas: 100 GB per flow run)',
      );
      const stack: Stack = testStack();
      const bucket = new s3.Bucket(stack, 'B');
      expect(
        errorOf(
          () =>
            new IngestionFlow(stack, 'Root', {
              source: new S3Source({ bucket, prefix: '/', format: 'CSV' }),
              destination: new S3Destination({ bucket, prefix: 'o', fileType: 'JSON' }),
              mappings: [Mapping.mapAll()],
            }),
        ),
      ).toBe('Test/Root: source.prefix is empty: AppFlow reads Amazon S3 source files from a folder, not from the bucket root');
      expect(
        errorOf(
          () =>
            new IngestionFlow(stack, 'Size', {
              source: new S3Source({ bucket, prefix: 'i', format: 'CSV' }),
              destination: new S3Destination({ bucket, prefix: 'o', fileType: 'JSON', aggregation: { type: 'None', targetFileSizeMb: 5 } }),
              mappings: [Mapping.mapAll()],
            }),
        ),
      ).toBe('Test/Size: destination.aggregation.targetFileSizeMb applies only to SingleFile aggregation');
    });

    test('an imported bucket cannot be given AppFlow access from here: one clear error', () => {
      const stack = testStack();
      const imported = s3.Bucket.fromBucketName(stack, 'Imported', 'someone-elses');
      expect(
        errorOf(
          () =>
            new IngestionFlow(stack, 'Flow', {
              source: new S3Source({ bucket: imported, prefix: 'in', format: 'CSV' }),
              destination: new S3Destination({ bucket: new s3.Bucket(stack, 'B'), prefix: 'o', fileType: 'JSON' }),
              mappings: [Mapping.mapAll()],
            }),
        ),
      ).toBe(
        'Test/Flow: bucket someone-elses: its bucket policy cannot be changed from this stack (an imported bucket): add the statement for appflow.amazonaws.com yourself and pass a bucket of this stack',
      );
    });
  });
});
