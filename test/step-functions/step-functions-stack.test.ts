import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { StepFunctionsStack } from '../../lib/step-functions';
import { STEP_FUNCTIONS_STACK } from '../../scenarios/step-functions';
import { appTemplate, NO_BUNDLING, settings } from '../helpers';
import { definitionOf } from './definitions';

describe('Decoupling-StepFunctions, sandbox profile', () => {
  const template = appTemplate(STEP_FUNCTIONS_STACK);
  const order = definitionOf(template, 'OrderWorkflowStateMachine');
  const ingestion = definitionOf(template, 'IngestionWorkflowStateMachine');

  test('snapshot (asset hashes normalised)', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('a Standard and an Express state machine, JSONPath, each with its execution timeout', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'STANDARD' });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'EXPRESS' });
    expect(order.json).toMatchObject({ StartAt: 'ValidateOrder', QueryLanguage: 'JSONPath', TimeoutSeconds: 30 * 86_400 });
    expect(ingestion.json).toMatchObject({ StartAt: 'ValidateReading', QueryLanguage: 'JSONPath', TimeoutSeconds: 60 });
  });

  test('the order workflow uses every state type', () => {
    const types = new Set(Object.values(order.states).map((s) => s.Type));
    expect([...types].sort()).toEqual(['Choice', 'Fail', 'Map', 'Parallel', 'Pass', 'Succeed', 'Task', 'Wait']);
    expect(Object.keys(order.states).sort()).toEqual(
      [
        'ValidateOrder',
        'InvalidOrder',
        'ShapeOrder',
        'RouteOrder',
        'OrderCancelled',
        'RequestApproval',
        'OrderRejected',
        'ApprovalExpired',
        'ReserveAndAuthorise',
        'ReserveItems',
        'ReserveItem',
        'AuthorisePayment',
        'ReleaseStock',
        'ReleaseItem',
        'DescribeFailure',
        'OrderFailed',
        'RecordOrder',
        'CoolingOff',
        'WaitForShipDate',
        'NotifyCustomer',
        'OrderCompleted',
      ].sort(),
    );
  });

  test('Choice: validation with a default, and routing on status and amount with a default', () => {
    expect(order.states.ValidateOrder).toMatchObject({ Default: 'InvalidOrder', Choices: [{ Next: 'ShapeOrder' }] });
    expect(order.states.InvalidOrder).toMatchObject({ Type: 'Fail', Error: 'InvalidOrder' });
    expect(order.states.RouteOrder).toEqual({
      Type: 'Choice',
      Comment: expect.any(String),
      Choices: [
        { Variable: '$.status', StringEquals: 'CANCELLED', Next: 'OrderCancelled' },
        {
          Or: [
            { Variable: '$.amount', NumericGreaterThanEquals: 1000 },
            { Variable: '$.status', StringEquals: 'FLAGGED' },
          ],
          Next: 'RequestApproval',
        },
      ],
      Default: 'ReserveAndAuthorise',
    });
    expect(order.states.ShapeOrder).toMatchObject({ Type: 'Pass', Parameters: { 'receivedAt.$': '$$.Execution.StartTime' } });
  });

  test('approval: SQS callback with the task token in the message, heartbeat and timeout, rejection and expiry caught', () => {
    expect(order.states.RequestApproval).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
      HeartbeatSeconds: 86_400,
      TimeoutSeconds: 7 * 86_400,
      ResultPath: '$.approval',
      Parameters: {
        QueueUrl: expect.stringMatching(/^<ref:ApprovalsQueue/),
        MessageBody: { 'taskToken.$': '$$.Task.Token', 'orderId.$': '$.orderId', 'executionArn.$': '$$.Execution.Id' },
      },
      Catch: [
        { ErrorEquals: ['ApprovalRejected'], Next: 'OrderRejected', ResultPath: '$.rejection' },
        { ErrorEquals: ['States.Timeout', 'States.HeartbeatTimeout'], Next: 'ApprovalExpired', ResultPath: '$.expiry' },
      ],
    });
    expect(order.states.OrderRejected).toEqual({ Type: 'Fail', Error: 'OrderRejected', CausePath: '$.rejection.Cause' });
  });

  test('Parallel reserves (Map, bounded concurrency) beside the payment; any failure is caught into the compensation', () => {
    const parallel = order.states.ReserveAndAuthorise;
    expect(parallel.Branches?.map((b) => b.StartAt)).toEqual(['ReserveItems', 'AuthorisePayment']);
    expect(parallel.Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: 'ReleaseStock', ResultPath: '$.failure' }]);
    expect(order.states.ReserveItems).toMatchObject({ Type: 'Map', ItemsPath: '$.items', MaxConcurrency: 5 });
    expect(order.states.ReleaseStock).toMatchObject({ Type: 'Map', ItemsPath: '$.items', MaxConcurrency: 5, Next: 'DescribeFailure' });
    expect(order.states.ReserveItem).toMatchObject({ Resource: 'arn:aws:states:::dynamodb:putItem' });
    expect(order.states.ReleaseItem).toMatchObject({ Resource: 'arn:aws:states:::dynamodb:deleteItem' });
    expect(order.states.DescribeFailure).toMatchObject({
      Type: 'Pass',
      Parameters: { 'cause.$': "States.Format('order {} failed: {}', $.orderId, $.failure.Error)" },
      Next: 'OrderFailed',
    });
    expect(order.states.OrderFailed).toEqual({ Type: 'Fail', Error: 'OrderFailed', CausePath: '$.failureCause.cause' });
  });

  test('Retry: exponential backoff with full jitter and a cap, on transient errors only', () => {
    const transient = { IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, MaxDelaySeconds: 10, JitterStrategy: 'FULL' };
    const dynamodb = [
      'DynamoDB.ProvisionedThroughputExceededException',
      'DynamoDB.RequestLimitExceeded',
      'DynamoDB.ThrottlingException',
      'DynamoDB.InternalServerError',
      'DynamoDB.InternalServerErrorException',
      'States.Timeout',
    ];
    const sns = ['SNS.ThrottledException', 'SNS.KMSThrottlingException', 'SNS.InternalErrorException', 'States.Timeout'];
    const sqs = [
      'SQS.RequestThrottled',
      'SQS.RequestThrottledException',
      'SQS.KmsThrottled',
      'SQS.KmsThrottledException',
      'SQS.ThrottlingException',
      'SQS.InternalError',
      'States.Timeout',
    ];
    const lambda = [
      'Lambda.ClientExecutionTimeoutException',
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
    ];
    expect(order.states.AuthorisePayment.Retry).toContainEqual({ ErrorEquals: ['PaymentGatewayUnavailable'], ...transient });
    for (const name of ['ReserveItem', 'ReleaseItem', 'RecordOrder'])
      expect([name, order.states[name].Retry]).toEqual([name, [{ ErrorEquals: dynamodb, ...transient }]]);
    expect(order.states.NotifyCustomer.Retry).toEqual([{ ErrorEquals: sns, ...transient }]);
    // A rejected approval must not be retried: the callback task has no Retry at all.
    expect(order.states.RequestApproval.Retry).toBeUndefined();
    const express = { IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2, MaxDelaySeconds: 2, JitterStrategy: 'FULL' };
    expect(ingestion.states.ValidateReading.Retry).toEqual([{ ErrorEquals: lambda, ...express }]);
    expect(ingestion.states.StoreReading.Retry).toEqual([{ ErrorEquals: dynamodb, ...express }]);
    expect(ingestion.states.RaiseAlert.Retry).toEqual([{ ErrorEquals: sns, ...express }]);
    expect(ingestion.states.QuarantineReading.Retry).toEqual([{ ErrorEquals: sqs, ...express }]);
    // Nothing retries what also matches permanent errors.
    const retried = [...Object.values(order.states), ...Object.values(ingestion.states)].flatMap((s) =>
      (s.Retry ?? []).flatMap((r) => r.ErrorEquals),
    );
    expect(retried.filter((e) => e === 'States.TaskFailed' || e === 'States.ALL')).toEqual([]);
  });

  test('Wait: fixed seconds, then the timestamp from the input', () => {
    expect(order.states.CoolingOff).toMatchObject({ Type: 'Wait', Seconds: 10, Next: 'WaitForShipDate' });
    expect(order.states.WaitForShipDate).toMatchObject({ Type: 'Wait', TimestampPath: '$.shipAt', Next: 'NotifyCustomer' });
  });

  test('every task has a timeout; the integrations are Lambda, SNS, SQS and DynamoDB', () => {
    const tasks = [...Object.values(order.states), ...Object.values(ingestion.states)].filter((s) => s.Type === 'Task');
    expect(tasks.filter((t) => t.TimeoutSeconds === undefined)).toEqual([]);
    expect(new Set(tasks.map((t) => t.Resource))).toEqual(
      new Set([
        'arn:aws:states:::lambda:invoke',
        'arn:aws:states:::sns:publish',
        'arn:aws:states:::sqs:sendMessage',
        'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        'arn:aws:states:::dynamodb:putItem',
        'arn:aws:states:::dynamodb:deleteItem',
      ]),
    );
  });

  test('the ingestion workflow: validate (invalid readings quarantined, then refused), enrich, route, store', () => {
    expect(ingestion.states.ValidateReading).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      OutputPath: '$.Payload',
      Catch: [{ ErrorEquals: ['InvalidReading'], Next: 'QuarantineReading', ResultPath: '$.error' }],
      Next: 'EnrichReading',
    });
    expect(ingestion.states.QuarantineReading).toMatchObject({ Resource: 'arn:aws:states:::sqs:sendMessage', Next: 'DescribeRejection' });
    expect(ingestion.states.RejectReading).toEqual({ Type: 'Fail', Error: 'InvalidReading', CausePath: '$.rejection.detail.errorMessage' });
    expect(ingestion.states.RouteReading).toMatchObject({
      Choices: [
        {
          And: [
            { Variable: '$.metric', StringEquals: 'temperature' },
            { Variable: '$.value', NumericGreaterThanEquals: 40 },
          ],
          Next: 'RaiseAlert',
        },
      ],
      Default: 'StoreReading',
    });
    expect(ingestion.states.EnrichReading).toMatchObject({ Type: 'Pass', Parameters: { 'ingestId.$': '$$.Execution.Name' } });
    expect(Object.values(ingestion.states).filter((s) => String(s.Resource).includes('.waitForTaskToken'))).toEqual([]);
  });

  test('logging: ALL events without execution data, to log groups under /aws/vendedlogs/states/ with retention; tracing on', () => {
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    for (const machine of machines) {
      expect(machine.Properties.LoggingConfiguration).toEqual({
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [expect.stringMatching(/WorkflowLogs/), 'Arn'] } } }],
      });
      expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    }
    template.resourcePropertiesCountIs(
      'AWS::Logs::LogGroup',
      { LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/DecouplingStepFunctions-'), RetentionInDays: 7 },
      2,
    );
  });

  test('alarms: failed, timed-out, throttled and aborted executions of each state machine, to the alarm topic', () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionThrottled', 'ExecutionsAborted']) {
      for (const machine of ['OrderWorkflowStateMachine', 'IngestionWorkflowStateMachine']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/States',
          MetricName: metric,
          Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: Match.stringLikeRegexp(`^${machine}`) } }],
          Statistic: 'Sum',
          Period: 300,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
        });
      }
    }
  });

  test('IAM: the order workflow may send approvals, invoke the payment function, write orders and publish, nothing else', () => {
    const ref = (prefix: string) => Match.stringLikeRegexp(`^${prefix}`);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: ref('OrderWorkflowStateMachineRoleDefaultPolicy'),
      PolicyDocument: {
        Statement: [
          { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [ref('ApprovalsQueue'), 'Arn'] } },
          {
            Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', Match.arrayWith([':table/', { Ref: ref('OrdersTable') }])] },
          },
          { Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: ref('NotificationsTopic') } },
          {
            Action: 'lambda:InvokeFunction',
            Effect: 'Allow',
            Resource: [
              { 'Fn::GetAtt': [ref('AuthorisePayment'), 'Arn'] },
              { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ref('AuthorisePayment'), 'Arn'] }, ':*']] },
            ],
          },
          {
            Action: [
              'logs:CreateLogDelivery',
              'logs:DeleteLogDelivery',
              'logs:DescribeLogGroups',
              'logs:DescribeResourcePolicies',
              'logs:GetLogDelivery',
              'logs:ListLogDeliveries',
              'logs:PutResourcePolicy',
              'logs:UpdateLogDelivery',
              'xray:GetSamplingRules',
              'xray:GetSamplingTargets',
              'xray:PutTelemetryRecords',
              'xray:PutTraceSegments',
            ],
            Effect: 'Allow',
            Resource: '*',
          },
          { Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [ref('NotificationsKey'), 'Arn'] } },
        ],
      },
    });
  });

  test('approval queue: requests kept 14 days (longer than the approval timeout), age alarm at the heartbeat', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: Match.stringLikeRegexp('^DecouplingStepFunctions-Approvals-'),
      MessageRetentionPeriod: 14 * 86_400,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 86_400 });
  });

  test('quarantine queue: holds the largest reading with its error (1 MiB)', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      MaximumMessageSize: 1024 * 1024,
      RedrivePolicy: Match.absent(),
      QueueName: Match.absent(),
    });
  });

  test('outputs: both state machine ARNs, the approval queue and what the scenario reads', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(
      [
        'AlarmTopicArn',
        'ApprovalDeadLetterQueueUrl',
        'ApprovalQueueUrl',
        'IngestionWorkflowArn',
        'IngestionWorkflowLogGroupName',
        'NotificationsTopicArn',
        'OrderWorkflowArn',
        'OrderWorkflowLogGroupName',
        'OrdersTableName',
        'QuarantineQueueUrl',
        'ReadingsTableName',
      ].sort(),
    );
  });
});

describe('Decoupling-StepFunctions, production profile', () => {
  // The stack alone (the sandbox template above is the whole app's): what the profile changes.
  const template = Template.fromStack(
    new StepFunctionsStack(new App({ context: NO_BUNDLING }), STEP_FUNCTIONS_STACK, { settings: settings('production') }),
  );

  test('log groups kept a year and retained; tables retained', () => {
    template.resourcePropertiesCountIs(
      'AWS::Logs::LogGroup',
      { LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'), RetentionInDays: 365 },
      2,
    );
    for (const logGroup of Object.values(template.findResources('AWS::Logs::LogGroup'))) expect(logGroup.DeletionPolicy).toBe('Retain');
    for (const table of Object.values(template.findResources('AWS::DynamoDB::GlobalTable'))) expect(table.DeletionPolicy).toBe('Retain');
  });
});
