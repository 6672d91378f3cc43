import { PRICING } from '../lib/shared/limits';
import { idleCosts, renderCostTable, total } from '../scripts/costs';
import { diagramOf, mermaid } from '../scripts/diagrams';

const meta = (path: string) => ({ 'aws:cdk:path': `S/${path}` });
const template = {
  Resources: {
    Q: {
      Type: 'AWS::SQS::Queue',
      Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['D', 'Arn'] } } },
      Metadata: meta('Orders/Queue/Resource'),
    },
    D: { Type: 'AWS::SQS::Queue', Metadata: meta('Orders/DeadLetterQueue/Queue/Resource') },
    T: { Type: 'AWS::SNS::Topic', Metadata: meta('Notes/Topic/Resource') },
    S: {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: 'T' }, Protocol: 'sqs', Endpoint: { 'Fn::GetAtt': ['Q', 'Arn'] }, FilterPolicy: { a: ['b'] } },
    },
    E: { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: { Ref: 'T' }, Protocol: 'email', Endpoint: 'ops@example.com' } },
    F: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['R', 'Arn'] } }, Metadata: meta('Consumer/Resource') },
    Fw: { Type: 'AWS::Lambda::Function', Properties: { Code: { ZipFile: 'x' } }, Metadata: meta('Custom/Handler') },
    R: { Type: 'AWS::IAM::Role' },
    M: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { EventSourceArn: { 'Fn::GetAtt': ['Q', 'Arn'] }, FunctionName: { Ref: 'F' } },
    },
    Tb: { Type: 'AWS::DynamoDB::Table', Metadata: meta('Receipts/Table/Resource') },
    P: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        Roles: [{ Ref: 'R' }],
        PolicyDocument: {
          Statement: [
            { Action: ['dynamodb:PutItem'], Resource: { 'Fn::GetAtt': ['Tb', 'Arn'] } },
            { Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'], Resource: { 'Fn::GetAtt': ['Q', 'Arn'] } },
            { Action: ['xray:PutTraceSegments'], Resource: '*' },
          ],
        },
      },
    },
    A: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmActions: [{ Ref: 'T' }] } },
  },
};

describe('architecture diagrams from templates', () => {
  const diagram = diagramOf(template);
  const edges = diagram.edges.map((e) => `${e.from} ${e.dashed ? '-.' : '--'} ${e.label} -> ${e.to}`);

  test('nodes: what a reader reasons about, labelled by construct path; framework functions left out', () => {
    expect(diagram.nodes.map((n) => [n.id, n.kind, n.label.split('<br/>')[0]])).toEqual([
      ['Q', 'queue', 'Orders'],
      ['D', 'dlq', 'Orders/DeadLetterQueue'],
      ['T', 'topic', 'Notes'],
      ['F', 'function', 'Consumer'],
      ['Tb', 'table', 'Receipts'],
      ['ext_email', 'external', 'e-mail subscriber'],
      ['alarms', 'alarms', '1 CloudWatch alarms'],
    ]);
  });

  test('edges: redrive, subscriptions (filtered or not), event sources, data grants, alarms; one edge per pair', () => {
    expect(edges).toEqual([
      'Q -. after maxReceiveCount -> D',
      'T -- filtered -> Q',
      'T -- all -> ext_email',
      'Q -- event source -> F',
      'F -- writes -> Tb',
      'alarms -- ALARM / OK -> T',
    ]);
  });

  test('mermaid: a left-to-right flowchart with a shape per kind and dashed failure paths', () => {
    const text = mermaid(diagram);
    expect(text.split('\n')[0]).toBe('flowchart LR');
    expect(text).toContain('Q[["Orders<br/><small>SQS queue</small>"]]');
    expect(text).toContain('Q -. after maxReceiveCount .-> D');
    expect(text).toContain('class D failure');
  });
});

describe('idle costs from templates', () => {
  const costs = idleCosts({
    Resources: {
      K: { Type: 'AWS::KMS::Key' },
      A1: { Type: 'AWS::CloudWatch::Alarm' },
      A2: { Type: 'AWS::CloudWatch::Alarm' },
      E: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Interface', SubnetIds: ['a', 'b'] } },
      G: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Gateway' } },
      W: { Type: 'AWS::WAFv2::WebACL', Properties: { Rules: [{}, {}, {}] } },
      B: {
        Type: 'AWS::AmazonMQ::Broker',
        Properties: { EngineType: 'RABBITMQ', HostInstanceType: 'mq.m7g.large', DeploymentMode: 'CLUSTER_MULTI_AZ' },
      },
      Q: { Type: 'AWS::SQS::Queue' },
    },
  });

  test('what bills while idle, counted and priced from PRICING; a gateway endpoint and a queue cost nothing', () => {
    expect(costs).toEqual([
      { item: 'customer-managed KMS keys', count: 1, monthlyUsd: PRICING.kmsKeyMonthUsd },
      { item: 'CloudWatch alarms', count: 2, monthlyUsd: 2 * PRICING.alarmMonthUsd },
      { item: 'interface VPC endpoint-AZs', count: 2, monthlyUsd: 2 * PRICING.interfaceEndpointHourUsd * PRICING.hoursPerMonth },
      { item: 'AWS WAF web ACLs', count: 1, monthlyUsd: PRICING.wafWebAclMonthUsd },
      { item: 'AWS WAF rules', count: 3, monthlyUsd: 3 * PRICING.wafRuleMonthUsd },
      { item: 'Amazon MQ broker instances (RabbitMQ mq.m7g.large), every hour', count: 3, monthlyUsd: undefined },
    ]);
    expect(total(costs).unpriced).toBe(true);
  });

  test('the table: both profiles side by side, unpriced broker hours said so', () => {
    const table = renderCostTable(costs, []);
    expect(table).toContain('| AWS WAF rules | 3: USD 3.00 | - |');
    expect(table).toContain('| **total** | **USD 23.80 + broker hours** | **USD 0.00** |');
  });
});
