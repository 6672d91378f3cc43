/**
 * Architecture diagrams generated from the synthesized templates (Mermaid flowcharts), so that the
 * pictures in the guides cannot drift from the code. `npm run docs` renders one per pattern into
 * `docs/patterns/<pattern>.md` between `<!-- BEGIN diagram:<pattern> -->` markers; `npm run docs --
 * --check` and the test suite fail when one is stale.
 *
 * Nodes are the resources a reader reasons about (queues, topics, functions, tables, buckets, APIs,
 * state machines, rules, Batch, brokers, flows...). Edges come from what connects them in the
 * template: event source mappings, subscriptions, S3 notifications, API integrations and authorizers,
 * EventBridge rule targets, state machine tasks, redrive and failure destinations, and the data
 * access IAM grants to a function (read, write). Policies, keys, log groups and CDK housekeeping are
 * left out; the alarms of a stack are one node pointing at the topic they notify.
 */

/** The parts of a template the diagram reads. */
export interface DiagramTemplate {
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
}

type Kind =
  | 'queue'
  | 'dlq'
  | 'topic'
  | 'function'
  | 'table'
  | 'bucket'
  | 'api'
  | 'statemachine'
  | 'rule'
  | 'bus'
  | 'batch'
  | 'broker'
  | 'flow'
  | 'secret'
  | 'service'
  | 'userpool'
  | 'waf'
  | 'alarms'
  | 'external';

interface Node {
  readonly id: string;
  readonly label: string;
  readonly kind: Kind;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly dashed: boolean;
}

/** What each diagrammed resource type is called and how it is drawn. */
const TYPES: Record<string, { kind: Kind; what: string }> = {
  'AWS::SQS::Queue': { kind: 'queue', what: 'SQS queue' },
  'AWS::SNS::Topic': { kind: 'topic', what: 'SNS topic' },
  'AWS::Lambda::Function': { kind: 'function', what: 'Lambda' },
  'AWS::DynamoDB::Table': { kind: 'table', what: 'DynamoDB table' },
  'AWS::DynamoDB::GlobalTable': { kind: 'table', what: 'DynamoDB table' },
  'AWS::S3::Bucket': { kind: 'bucket', what: 'S3 bucket' },
  'AWS::ApiGateway::RestApi': { kind: 'api', what: 'REST API' },
  'AWS::ApiGatewayV2::Api': { kind: 'api', what: 'API' },
  'AWS::StepFunctions::StateMachine': { kind: 'statemachine', what: 'state machine' },
  'AWS::Events::Rule': { kind: 'rule', what: 'EventBridge rule' },
  'AWS::Events::EventBus': { kind: 'bus', what: 'event bus' },
  'AWS::Batch::JobQueue': { kind: 'batch', what: 'Batch job queue' },
  'AWS::Batch::JobDefinition': { kind: 'batch', what: 'Batch job definition' },
  'AWS::Batch::ComputeEnvironment': { kind: 'batch', what: 'Batch compute environment' },
  'AWS::AmazonMQ::Broker': { kind: 'broker', what: 'Amazon MQ broker' },
  'AWS::AppFlow::Flow': { kind: 'flow', what: 'AppFlow flow' },
  'AWS::SecretsManager::Secret': { kind: 'secret', what: 'secret' },
  'AWS::ECS::Service': { kind: 'service', what: 'ECS service' },
  'AWS::Cognito::UserPool': { kind: 'userpool', what: 'Cognito user pool' },
  'AWS::WAFv2::WebACL': { kind: 'waf', what: 'WAF web ACL' },
};

/** Mermaid node shapes and classes by kind. */
const SHAPES: Record<Kind, [string, string]> = {
  queue: ['[[', ']]'],
  dlq: ['[[', ']]'],
  topic: ['>', ']'],
  function: ['(', ')'],
  table: ['[(', ')]'],
  bucket: ['[(', ')]'],
  api: ['[/', '/]'],
  statemachine: ['{{', '}}'],
  rule: ['{{', '}}'],
  bus: ['>', ']'],
  batch: ['[', ']'],
  broker: ['[[', ']]'],
  flow: ['[/', '\\]'],
  secret: ['[', ']'],
  service: ['(', ')'],
  userpool: ['[', ']'],
  waf: ['[', ']'],
  alarms: ['[', ']'],
  external: ['([', '])'],
};

const CLASSES: Record<string, string> = {
  messaging: 'fill:#fdf2e9,stroke:#d35400',
  compute: 'fill:#eafaf1,stroke:#1e8449',
  data: 'fill:#ebf5fb,stroke:#2471a3',
  edge: 'fill:#f4ecf7,stroke:#7d3c98',
  failure: 'fill:#fdedec,stroke:#c0392b,stroke-dasharray: 4 2',
  ops: 'fill:#f8f9f9,stroke:#7f8c8d',
};
const CLASS_OF: Record<Kind, keyof typeof CLASSES> = {
  queue: 'messaging',
  dlq: 'failure',
  topic: 'messaging',
  bus: 'messaging',
  rule: 'messaging',
  broker: 'messaging',
  function: 'compute',
  statemachine: 'compute',
  batch: 'compute',
  service: 'compute',
  flow: 'compute',
  table: 'data',
  bucket: 'data',
  secret: 'data',
  api: 'edge',
  userpool: 'edge',
  waf: 'edge',
  external: 'edge',
  alarms: 'ops',
};

/** The logical ids a value refers to through Ref and Fn::GetAtt (and inside Fn::Join, Fn::Sub...). */
function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refs(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') found.push(inner);
      else if (key === 'Fn::GetAtt') found.push(Array.isArray(inner) ? String(inner[0]) : String(inner).split('.')[0]);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        for (const m of String(text).matchAll(/\$\{([^!}.]+)[^}]*\}/g)) found.push(m[1]);
        if (Array.isArray(inner)) refs(inner[1], found);
      } else refs(inner, found);
    }
  }
  return found;
}

/** Whether a function is CDK's own housekeeping (custom resource providers, inline code). */
function isFrameworkFunction(resource: DiagramTemplate['Resources'][string]): boolean {
  const code = resource.Properties?.Code as { ZipFile?: unknown } | undefined;
  const path = String(resource.Metadata?.['aws:cdk:path'] ?? '');
  return (
    code?.ZipFile !== undefined ||
    /CustomResourceProvider|Provider\/framework|LogRetention|BucketNotificationsHandler|AWS679f53fac/.test(path)
  );
}

/** A short label: the construct path inside the stack, without a `Resource` leaf or a generic last part. */
function labelOf(logicalId: string, resource: DiagramTemplate['Resources'][string]): string {
  const path = String(resource.Metadata?.['aws:cdk:path'] ?? '');
  const inside = path ? path.split('/').slice(1) : [logicalId.replace(/[0-9A-F]{8}$/, '')];
  if (inside.length > 1 && ['Resource', 'Default'].includes(inside[inside.length - 1])) inside.pop();
  if (
    inside.length > 1 &&
    ['Queue', 'Topic', 'Table', 'Bucket', 'Function', 'StateMachine', 'Api', 'Broker', 'Secret', 'Flow', 'Rule'].includes(
      inside[inside.length - 1],
    )
  )
    inside.pop();
  return inside.join('/');
}

/** Actions whose verb says more than read or write. */
const VERBS: ReadonlyArray<[RegExp, string]> = [
  [/^batch:SubmitJob$/, 'submits jobs'],
  [/^states:Start(Sync)?Execution$/, 'starts'],
  [/^sns:Publish$/, 'publishes'],
  [/^sqs:SendMessage$/, 'sends'],
  [/^events:PutEvents$/, 'puts events'],
  [/^lambda:InvokeFunction$/, 'invokes'],
];

/** The verb of an IAM grant on a resource: a specific one, or read, write, or both. */
function accessOf(actions: string[]): string | undefined {
  const specific = VERBS.find(([pattern]) => actions.some((a) => pattern.test(a)));
  if (specific) return specific[1];
  const names = actions.map((a) => a.split(':')[1] ?? a);
  const read = names.some((n) => /^(Get|Query|Scan|BatchGet|Receive|List|Describe|Head|Select)/.test(n));
  const write = names.some((n) =>
    /^(Put|Update|Delete|BatchWrite|Send|Publish|Submit|Start|Create|Abort|Restore|TransactWrite|Conditional)/.test(n),
  );
  if (read && write) return 'reads, writes';
  if (read) return 'reads';
  if (write) return 'writes';
  return undefined;
}

/** The diagram of one stack's template: its nodes and edges. */
export function diagramOf(template: DiagramTemplate): { nodes: Node[]; edges: Edge[] } {
  const resources = template.Resources;
  const nodes = new Map<string, Node>();
  const edges: Edge[] = [];
  const seen = new Set<string>();
  const edge = (from: string | undefined, to: string | undefined, label: string, dashed = false) => {
    if (!from || !to || from === to || !nodes.has(from) || !nodes.has(to)) return;
    const key = `${from}->${to}`;
    if (seen.has(key) || seen.has(`${to}->${from}`)) return;
    seen.add(key);
    edges.push({ from, to, label, dashed });
  };
  const first = (value: unknown) => refs(value).find((id) => nodes.has(id));

  // Queues that only receive what failed elsewhere: redrive targets, failure destinations, rule DLQs.
  const deadLetters = new Set<string>();
  for (const resource of Object.values(resources)) {
    const p = resource.Properties ?? {};
    const targets = (p.Targets as Array<{ DeadLetterConfig?: { Arn?: unknown } }> | undefined) ?? [];
    for (const value of [
      (p.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn,
      (p.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn,
      (p.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination,
      ...targets.map((t) => t.DeadLetterConfig?.Arn),
    ]) {
      for (const id of refs(value)) deadLetters.add(id);
    }
  }
  for (const [id, resource] of Object.entries(resources)) {
    const type = TYPES[resource.Type];
    if (!type || (resource.Type === 'AWS::Lambda::Function' && isFrameworkFunction(resource))) continue;
    const fifo = resource.Properties?.FifoQueue === true || resource.Properties?.FifoTopic === true ? ' (FIFO)' : '';
    const kind = type.kind === 'queue' && deadLetters.has(id) ? 'dlq' : type.kind;
    const what = kind === 'dlq' ? 'dead-letter queue' : type.what;
    nodes.set(id, { id, label: `${labelOf(id, resource)}<br/><small>${what}${fifo}</small>`, kind });
  }

  // What runs with each role, for the data-access grants: functions, Batch job definitions (their job
  // role), ECS services (their task definition's task role).
  const functionsByRole = new Map<string, string[]>();
  const addRunner = (role: string, id: string) => functionsByRole.set(role, [...(functionsByRole.get(role) ?? []), id]);
  for (const [id, resource] of Object.entries(resources)) {
    if (!nodes.has(id)) continue;
    const p = resource.Properties ?? {};
    if (resource.Type === 'AWS::Lambda::Function') for (const role of refs(p.Role)) addRunner(role, id);
    if (resource.Type === 'AWS::Batch::JobDefinition') {
      const container = p.ContainerProperties as { JobRoleArn?: unknown } | undefined;
      const ecs = p.EcsProperties as { TaskProperties?: Array<{ TaskRoleArn?: unknown }> } | undefined;
      for (const role of refs([container?.JobRoleArn, ecs?.TaskProperties?.map((t) => t.TaskRoleArn)])) addRunner(role, id);
    }
    if (resource.Type === 'AWS::ECS::Service') {
      for (const taskDefinition of refs(p.TaskDefinition)) {
        for (const role of refs(resources[taskDefinition]?.Properties?.TaskRoleArn)) addRunner(role, id);
      }
    }
  }
  const alarms: string[] = [];
  const external = (id: string, label: string) => {
    if (!nodes.has(id)) nodes.set(id, { id, label, kind: 'external' });
    return id;
  };

  for (const [id, resource] of Object.entries(resources)) {
    const p = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::Lambda::EventSourceMapping':
        edge(first(p.EventSourceArn), first(p.FunctionName), 'event source');
        break;
      case 'AWS::SNS::Subscription': {
        const topic = first(p.TopicArn);
        const protocol = String(p.Protocol);
        const target =
          first(p.Endpoint) ??
          (['email', 'email-json', 'https', 'http', 'sms'].includes(protocol)
            ? external(
                `ext_${protocol}`,
                protocol === 'email' || protocol === 'email-json' ? 'e-mail subscriber' : `${protocol.toUpperCase()} endpoint`,
              )
            : undefined);
        edge(topic, target, p.FilterPolicy ? 'filtered' : 'all');
        edge(topic, first((p.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn), 'undeliverable', true);
        break;
      }
      case 'AWS::SQS::Queue':
        edge(
          id,
          first((p.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn),
          'after maxReceiveCount',
          true,
        );
        break;
      case 'AWS::Lambda::EventInvokeConfig': {
        const destinations = p.DestinationConfig as
          | { OnFailure?: { Destination?: unknown }; OnSuccess?: { Destination?: unknown } }
          | undefined;
        edge(first(p.FunctionName), first(destinations?.OnFailure?.Destination), 'on failure', true);
        edge(first(p.FunctionName), first(destinations?.OnSuccess?.Destination), 'on success');
        break;
      }
      case 'AWS::Lambda::Function':
        edge(id, first((p.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn), 'dead-letter', true);
        break;
      case 'Custom::S3BucketNotifications': {
        const bucket = first(p.BucketName);
        const config = (p.NotificationConfiguration ?? {}) as Record<string, Array<Record<string, unknown>>>;
        for (const c of config.LambdaFunctionConfigurations ?? []) edge(bucket, first(c.LambdaFunctionArn), 'object events');
        for (const c of config.QueueConfigurations ?? []) edge(bucket, first(c.QueueArn), 'object events');
        for (const c of config.TopicConfigurations ?? []) edge(bucket, first(c.TopicArn), 'object events');
        if (config.EventBridgeConfiguration) edge(bucket, external('ext_default_bus', 'default event bus'), 'object events');
        break;
      }
      case 'AWS::S3::Bucket': {
        edge(
          id,
          first((p.LoggingConfiguration as { DestinationBucketName?: unknown } | undefined)?.DestinationBucketName),
          'access logs',
          true,
        );
        const config = (p.NotificationConfiguration ?? {}) as Record<string, Array<Record<string, unknown>>>;
        for (const c of config.LambdaConfigurations ?? []) edge(id, first(c.Function), 'object events');
        for (const c of config.QueueConfigurations ?? []) edge(id, first(c.Queue), 'object events');
        for (const c of config.TopicConfigurations ?? []) edge(id, first(c.Topic), 'object events');
        if (config.EventBridgeConfiguration) edge(id, external('ext_default_bus', 'default event bus'), 'object events');
        break;
      }
      case 'AWS::ApiGateway::Method': {
        const integration = p.Integration as { Uri?: unknown } | undefined;
        edge(first(p.RestApiId), first(integration?.Uri), 'integration');
        break;
      }
      case 'AWS::ApiGateway::Authorizer':
        edge(first(p.RestApiId), first(p.AuthorizerUri) ?? first(p.ProviderARNs), 'authorizer', true);
        break;
      case 'AWS::ApiGatewayV2::Integration':
        edge(first(p.ApiId), first(p.IntegrationUri), 'integration');
        break;
      case 'AWS::ApiGatewayV2::Authorizer':
        edge(first(p.ApiId), first(p.AuthorizerUri) ?? first(p.JwtConfiguration), 'authorizer', true);
        break;
      case 'AWS::WAFv2::WebACLAssociation':
        edge(first(p.WebACLArn), first(p.ResourceArn), 'protects');
        break;
      case 'AWS::Events::Rule': {
        const bus = first(p.EventBusName);
        if (bus) edge(bus, id, 'matches');
        // What the pattern names (a job queue, a flow) is where the events come from.
        for (const source of refs(p.EventPattern)) edge(source, id, 'events');
        for (const target of (p.Targets as Array<{ Arn?: unknown; DeadLetterConfig?: { Arn?: unknown } }> | undefined) ?? []) {
          edge(id, first(target.Arn), 'target');
          edge(id, first(target.DeadLetterConfig?.Arn), 'undeliverable', true);
        }
        break;
      }
      case 'AWS::StepFunctions::StateMachine':
        for (const target of refs([p.DefinitionString, p.Definition, p.DefinitionSubstitutions])) edge(id, target, 'task');
        break;
      case 'AWS::Batch::JobQueue':
        for (const order of (p.ComputeEnvironmentOrder as Array<{ ComputeEnvironment?: unknown }> | undefined) ?? []) {
          edge(id, first(order.ComputeEnvironment), 'runs on');
        }
        break;
      case 'AWS::AppFlow::Flow': {
        for (const target of refs(p.SourceFlowConfig)) edge(target, id, 'source');
        for (const target of refs(p.DestinationFlowConfigList)) edge(id, target, 'destination');
        break;
      }
      case 'AWS::CloudWatch::Alarm':
        alarms.push(...refs(p.AlarmActions));
        break;
      default:
    }
  }

  // Data access granted to what runs with a role: a policy on the role naming a diagrammed resource.
  // The verbs of every statement on the same resource are joined (reads, writes).
  const grants = new Map<string, Set<string>>();
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const p = resource.Properties ?? {};
    const runners = refs(p.Roles).flatMap((role) => functionsByRole.get(role) ?? []);
    const statements =
      (p.PolicyDocument as { Statement?: Array<{ Action?: string | string[]; Resource?: unknown }> } | undefined)?.Statement ?? [];
    for (const statement of statements) {
      const verb = accessOf([statement.Action ?? []].flat());
      if (!verb) continue;
      for (const target of refs(statement.Resource)) {
        for (const runner of runners) {
          const key = `${runner} ${target}`;
          grants.set(key, new Set([...(grants.get(key) ?? []), ...verb.split(', ')]));
        }
      }
    }
  }
  for (const [key, verbs] of grants) {
    const [runner, target] = key.split(' ');
    const ordered = [...verbs].sort((a, b) => (a === 'reads' ? -1 : b === 'reads' ? 1 : a.localeCompare(b)));
    edge(runner, target, ordered.join(', '));
  }

  // What a function is configured to talk to (a broker endpoint, a queue URL, a table name) and no
  // grant or trigger already shows.
  for (const [id, resource] of Object.entries(resources)) {
    if (!nodes.has(id) || resource.Type !== 'AWS::Lambda::Function') continue;
    const variables = (resource.Properties?.Environment as { Variables?: unknown } | undefined)?.Variables;
    for (const target of refs(variables)) edge(id, target, 'uses');
  }

  const alarmTopics = [...new Set(alarms)].filter((id) => nodes.has(id));
  if (alarmTopics.length > 0) {
    const count = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').length;
    nodes.set('alarms', { id: 'alarms', label: `${count} CloudWatch alarms`, kind: 'alarms' });
    for (const topic of alarmTopics) edge('alarms', topic, 'ALARM / OK');
  }

  return { nodes: [...nodes.values()], edges };
}

/** A Mermaid flowchart of a diagram; `groups` draw titled subgraphs around their nodes (by diagram id). */
export function mermaid(
  diagram: { nodes: Node[]; edges: Edge[] },
  groups: ReadonlyArray<{ id: string; title: string; nodes: readonly string[] }> = [],
): string {
  const safe = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');
  const lines = ['flowchart LR'];
  const nodeLine = (node: Node, indent: string) => {
    const [open, close] = SHAPES[node.kind];
    return `${indent}${safe(node.id)}${open}"${node.label.replace(/"/g, "'")}"${close}`;
  };
  for (const group of groups) {
    lines.push(`  subgraph ${safe(group.id)}["${group.title.replace(/"/g, "'")}"]`);
    for (const node of diagram.nodes.filter((n) => group.nodes.includes(n.id))) lines.push(nodeLine(node, '    '));
    lines.push('  end');
  }
  const grouped = new Set(groups.flatMap((g) => g.nodes));
  for (const node of diagram.nodes) if (!grouped.has(node.id)) lines.push(nodeLine(node, '  '));
  for (const e of diagram.edges) {
    lines.push(`  ${safe(e.from)} ${e.dashed ? '-.' : '--'} ${e.label} ${e.dashed ? '.->' : '-->'} ${safe(e.to)}`);
  }
  for (const [name, style] of Object.entries(CLASSES)) lines.push(`  classDef ${name} ${style}`);
  for (const name of Object.keys(CLASSES)) {
    const members = diagram.nodes.filter((n) => CLASS_OF[n.kind] === name).map((n) => safe(n.id));
    if (members.length) lines.push(`  class ${members.join(',')} ${name}`);
  }
  return lines.join('\n');
}

/** The diagram of every stack of a synthesized assembly, by stack name, as Mermaid text. */
export function diagramsOf(stacks: ReadonlyArray<{ stackName: string; template: unknown }>): Map<string, string> {
  return new Map(stacks.map((s) => [s.stackName, mermaid(diagramOf(s.template as DiagramTemplate))]));
}
