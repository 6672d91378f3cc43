import { App, Tags } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { STACK_IDS } from '../../lib/app';
import { AppFlowStack, type AppFlowStackProps, ORDERS_CURATED_PREFIX, ORDERS_SOURCE_PREFIX, pattern } from '../../lib/appflow';
import type { ContextKey } from '../../lib/shared/context-keys';
import { NO_BUNDLING, settings } from '../helpers';

const ID = STACK_IDS.appflow;
const SAAS = {
  salesforceConnection: 'my-salesforce',
  slackConnection: 'my-slack',
  slackChannel: 'C0123456789',
  zendeskConnection: 'my-zendesk',
};

/** The stack as the app builds it (the same id, props and tags), without building the other patterns. */
function stackTemplate(props: Partial<AppFlowStackProps> = {}): Template {
  const app = new App({ context: NO_BUNDLING });
  Tags.of(app).add('project', 'decoupling-patterns');
  Tags.of(app).add('profile', 'sandbox');
  return Template.fromStack(new AppFlowStack(app, ID, { settings: settings('sandbox'), ...props }));
}

function flows(template: Template): Array<Record<string, unknown>> {
  return Object.values(template.findResources('AWS::AppFlow::Flow')).map((r) => r.Properties);
}

describe('Decoupling-AppFlow, sandbox profile, no connections', () => {
  const template = stackTemplate();

  test('snapshot (asset hashes normalised)', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('one flow: the S3 orders flow, on demand, JSON Lines in, JSON out, one file per run, dated folders per run', () => {
    expect(flows(template)).toHaveLength(1);
    template.hasResourceProperties('AWS::AppFlow::Flow', {
      FlowName: Match.stringLikeRegexp('^DecouplingAppFlow-OrdersFlow-[0-9A-F]{8}$'),
      FlowStatus: Match.absent(),
      TriggerConfig: { TriggerType: 'OnDemand' },
      SourceFlowConfig: {
        ConnectorType: 'S3',
        SourceConnectorProperties: {
          S3: {
            BucketName: { Ref: Match.stringLikeRegexp('^RawBucket') },
            BucketPrefix: ORDERS_SOURCE_PREFIX,
            S3InputFormatConfig: { S3InputFileType: 'JSON' },
          },
        },
      },
      DestinationFlowConfigList: [
        {
          ConnectorType: 'S3',
          DestinationConnectorProperties: {
            S3: {
              BucketName: { Ref: Match.stringLikeRegexp('^CuratedBucket') },
              BucketPrefix: ORDERS_CURATED_PREFIX,
              S3OutputFormatConfig: {
                FileType: 'JSON',
                AggregationConfig: { AggregationType: 'SingleFile' },
                PrefixConfig: { PrefixType: 'PATH', PrefixFormat: 'DAY', PathPrefixHierarchy: ['EXECUTION_ID'] },
                PreserveSourceDataTyping: true,
              },
            },
          },
        },
      ],
    });
  });

  test('the orders tasks: projection, two filters, three validations, mask and truncate, eight mappings', () => {
    const tasks = flows(template)[0].Tasks as Array<{
      TaskType: string;
      SourceFields: string[];
      DestinationField?: string;
      ConnectorOperator: { S3: string };
    }>;
    expect(
      tasks.map(
        (t) =>
          `${t.TaskType} ${t.ConnectorOperator.S3} ${t.SourceFields.join(',')}${t.DestinationField ? ` -> ${t.DestinationField}` : ''}`,
      ),
    ).toEqual([
      'Filter PROJECTION status,country,order_id,unit_price,quantity,card_number,note,customer_email',
      'Filter EQUAL_TO status',
      'Filter NOT_EQUAL_TO country',
      'Validate VALIDATE_NON_NULL order_id',
      'Validate VALIDATE_NON_NULL unit_price',
      'Validate VALIDATE_NON_NEGATIVE quantity',
      'Mask MASK_FIRST_N card_number',
      'Truncate NO_OP note',
      'Map NO_OP order_id -> orderId',
      'Map NO_OP customer_email -> customerEmail',
      'Map NO_OP status -> status',
      'Map NO_OP country -> countryCode',
      'Map NO_OP quantity -> quantity',
      'Arithmetic MULTIPLICATION quantity,unit_price -> quantity,unit_price',
      'Map NO_OP quantity,unit_price -> lineTotal',
      'Map NO_OP card_number -> cardNumber',
      'Map NO_OP note -> note',
    ]);
  });

  test('buckets: encrypted, TLS only, public access blocked, emptied on destroy in the sandbox', () => {
    template.resourceCountIs('AWS::S3::Bucket', 4);
    template.allResourcesProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 4);
  });

  test('failed runs: an end-of-run rule on this flow to the alarm topic (every failure) and to a queue with an alarm (the record), undeliverable reports kept; a metric alarm per flow', () => {
    const [flow] = flows(template);
    const undelivered = { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RunNotificationsUndelivered'), 'Arn'] } };
    const retry = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 };
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.appflow'],
        'detail-type': ['AppFlow End Flow Run Report'],
        detail: { 'flow-name': [flow.FlowName], status: [{ 'anything-but': 'Execution Successful' }] },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RunNotificationsFailedRuns'), 'Arn'] },
          DeadLetterConfig: undelivered,
          RetryPolicy: retry,
        }),
        Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^AlarmsTopic') }, DeadLetterConfig: undelivered, RetryPolicy: retry }),
      ],
    });
    // EventBridge may publish to the topic for this rule only, and use its key for this topic only.
    const [ruleId] = Object.keys(template.findResources('AWS::Events::Rule'));
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowAppFlowFailedRunReports',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: Match.stringLikeRegexp('^AlarmsTopic') },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
          },
        ]),
      },
    });
    const keyStatements = Object.values(template.findResources('AWS::KMS::Key'))
      .flatMap((k) => k.Properties.KeyPolicy.Statement as Array<{ Principal?: { Service?: string } }>)
      .filter((statement) => statement.Principal?.Service === 'events.amazonaws.com');
    expect(keyStatements).toEqual([
      {
        Sid: 'AllowEventBridgeToPublishAppFlowFailedRunReports',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: {
          ArnLike: {
            'kms:EncryptionContext:aws:sns:topicArn': {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':*']],
            },
          },
        },
      },
    ]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/AppFlow',
      MetricName: 'FlowExecutionsFailed',
      Dimensions: [{ Name: 'FlowName', Value: flow.FlowName }],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
    });
    for (const queue of ['RunNotificationsFailedRuns', 'RunNotificationsUndelivered']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${queue}`), 'QueueName'] } }],
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
      });
    }
  });

  test('outputs: buckets, the flow, its folders, the queues', () => {
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual([
      'AlarmTopicArn',
      'CuratedBucketName',
      'FailedRunsQueueUrl',
      'OrdersCuratedPrefix',
      'OrdersFlowName',
      'OrdersSourcePrefix',
      'RawBucketName',
      'UndeliveredRunReportsQueueUrl',
    ]);
  });
});

describe('Decoupling-AppFlow with connections', () => {
  const template = stackTemplate(SAAS);

  test('Salesforce on event, Slack and Zendesk scheduled: each Active, on its connection, into its own folder', () => {
    expect(flows(template)).toHaveLength(4);
    template.hasResourceProperties('AWS::AppFlow::Flow', {
      FlowStatus: 'Active',
      TriggerConfig: { TriggerType: 'Event' },
      SourceFlowConfig: {
        ConnectorType: 'Salesforce',
        ConnectorProfileName: 'my-salesforce',
        SourceConnectorProperties: { Salesforce: Match.objectLike({ Object: 'AccountChangeEvent' }) },
      },
      DestinationFlowConfigList: [
        Match.objectLike({ DestinationConnectorProperties: { S3: Match.objectLike({ BucketPrefix: 'saas/salesforce' }) } }),
      ],
    });
    for (const [connector, profile, object] of [
      ['Slack', 'my-slack', 'conversations/C0123456789'],
      ['Zendesk', 'my-zendesk', 'tickets'],
    ]) {
      template.hasResourceProperties('AWS::AppFlow::Flow', {
        FlowStatus: 'Active',
        TriggerConfig: { TriggerType: 'Scheduled', TriggerProperties: { ScheduleExpression: 'rate(1hours)', DataPullMode: 'Incremental' } },
        SourceFlowConfig: {
          ConnectorType: connector,
          ConnectorProfileName: profile,
          SourceConnectorProperties: { [connector]: { Object: object } },
        },
        DestinationFlowConfigList: [
          Match.objectLike({
            DestinationConnectorProperties: { S3: Match.objectLike({ BucketPrefix: `saas/${connector.toLowerCase()}` }) },
          }),
        ],
      });
    }
    expect(JSON.stringify(flows(template))).not.toMatch(/ScheduleStartTime/);
  });

  test('the failed-run rule covers every flow; every flow has its outputs', () => {
    const names = flows(template).map((f) => f.FlowName);
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { detail: { 'flow-name': Match.arrayWith(names) } } });
    const outputs = Object.keys(template.toJSON().Outputs);
    expect(outputs).toEqual(expect.arrayContaining(['SalesforceFlowName', 'SlackFlowName', 'ZendeskFlowName']));
  });

  test('a Slack connection without a channel, or a channel without a connection, is bad context', () => {
    // The pattern's own build, as lib/app.ts calls it with the validated context (no other pattern is built).
    const app = (context: Record<string, unknown>) => () =>
      pattern.build(new App({ context: NO_BUNDLING }), {
        settings: settings('sandbox'),
        get: <T>(key: ContextKey<T>) => key.read(context[key.name]),
      });
    expect(app({ slackConnection: 'my-slack' })).toThrow(
      'Invalid context slackConnection="my-slack": allowed a connection only with -c slackChannel=<channel id>',
    );
    expect(app({ slackChannel: 'C0123456789' })).toThrow(
      'Invalid context slackChannel="C0123456789": allowed only with -c slackConnection=<connection>',
    );
    expect(app({ zendeskConnection: 'my zendesk' })).toThrow(
      /^Invalid context zendeskConnection="my zendesk": allowed the name of an AppFlow connection/,
    );
  });
});
