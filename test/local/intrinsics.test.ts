// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub templates are plain strings holding ${...} on purpose.
import { IntrinsicError, type ResolveContext, resolve, resolveAll } from '../../local/intrinsics';

const QUEUE_URL = 'http://localhost:9324/000000000000/orders';
const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:000000000000:orders';
const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:000000000000:table/receipts';
const STACK_ID = 'arn:aws:cloudformation:eu-west-1:000000000000:stack/Decoupling-SqsDlq/1';

/** What the fake local runtime emulates: Ref value, attributes and type of each resource. */
const RESOURCES: Record<string, { type: string; ref?: string; atts: Record<string, unknown> }> = {
  OrdersQueue: { type: 'AWS::SQS::Queue', ref: QUEUE_URL, atts: { Arn: QUEUE_ARN, QueueName: 'orders', QueueUrl: QUEUE_URL } },
  ReceiptsTable: { type: 'AWS::DynamoDB::Table', ref: 'receipts', atts: { Arn: TABLE_ARN, 'Stream.Arn': `${TABLE_ARN}/stream/1` } },
  // In the template, but not emulated: no Ref, no attributes.
  ConsumerFn: { type: 'AWS::Lambda::Function', atts: {} },
};

const PARAMETERS: Record<string, unknown> = { Stage: 'dev', Subnets: ['subnet-1', 'subnet-2'] };
const CONDITIONS: Record<string, boolean> = { IsDev: true, IsProd: false };
const MAPPINGS = { RegionMap: { 'eu-west-1': { Ami: 'ami-eu', Zones: ['a', 'b'] } } };

function context(overrides: Partial<ResolveContext> = {}): ResolveContext {
  return {
    region: 'eu-west-1',
    accountId: '000000000000',
    partition: 'aws',
    stackName: 'Decoupling-SqsDlq',
    stackId: STACK_ID,
    urlSuffix: 'amazonaws.com',
    ref: (id) => RESOURCES[id]?.ref,
    getAtt: (id, attribute) => RESOURCES[id]?.atts[attribute],
    parameter: (name) => PARAMETERS[name],
    condition: (name) => CONDITIONS[name] ?? false,
    mappings: MAPPINGS,
    typeOf: (id) => RESOURCES[id]?.type,
    ...overrides,
  };
}

const WHERE = 'Resources.X.Properties.Y';

function resolved(value: unknown, ctx: ResolveContext = context()): unknown {
  return resolve(value, ctx, WHERE);
}

/** The message of the IntrinsicError that resolving `value` throws (fails the test on anything else). */
function errorOf(value: unknown, ctx: ResolveContext = context(), where = WHERE): string {
  try {
    resolve(value, ctx, where);
  } catch (error) {
    if (error instanceof IntrinsicError) return error.message;
    throw error;
  }
  throw new Error('expected an IntrinsicError, none was thrown');
}

describe('plain data', () => {
  test('scalars, arrays and objects without intrinsics come back equal', () => {
    const data = { a: 1, b: [true, null, 'x'], c: { d: 'e' } };
    expect(resolved(data)).toEqual(data);
  });

  test('objects with Ref, Condition or Fn:: next to other keys are data', () => {
    const statement = { Effect: 'Allow', Condition: { Bool: { 'aws:SecureTransport': 'true' } } };
    expect(resolved(statement)).toEqual(statement);
    expect(resolved({ Ref: 'Nothing', Other: 1 })).toEqual({ Ref: 'Nothing', Other: 1 });
    expect(resolved({ 'Fn::Join': 'x', Other: 1 })).toEqual({ 'Fn::Join': 'x', Other: 1 });
  });

  test('intrinsics are resolved at any depth', () => {
    const value = { Environment: { Variables: { QUEUE_URL: { Ref: 'OrdersQueue' } } }, Arns: [[{ 'Fn::GetAtt': ['OrdersQueue', 'Arn'] }]] };
    expect(resolved(value)).toEqual({ Environment: { Variables: { QUEUE_URL } }, Arns: [[QUEUE_ARN]] });
  });
});

describe('Ref to pseudo parameters', () => {
  test.each([
    ['AWS::Region', 'eu-west-1'],
    ['AWS::AccountId', '000000000000'],
    ['AWS::Partition', 'aws'],
    ['AWS::StackName', 'Decoupling-SqsDlq'],
    ['AWS::StackId', STACK_ID],
    ['AWS::URLSuffix', 'amazonaws.com'],
  ])('%s', (name, expected) => {
    expect(resolved({ Ref: name })).toBe(expected);
  });

  test('AWS::NoValue removes the key from an object', () => {
    expect(resolved({ keep: 'x', drop: { Ref: 'AWS::NoValue' } })).toEqual({ keep: 'x' });
  });

  test('AWS::NoValue removes the element from an array', () => {
    expect(resolved(['a', { Ref: 'AWS::NoValue' }, 'b'])).toEqual(['a', 'b']);
  });

  test('AWS::NoValue from Fn::If removes the key, as CDK emits optional properties', () => {
    const value = { QueueName: 'q', KmsMasterKeyId: { 'Fn::If': ['IsProd', 'alias/prod', { Ref: 'AWS::NoValue' }] } };
    expect(resolved(value)).toEqual({ QueueName: 'q' });
  });

  test('AWS::NoValue at the top resolves to undefined', () => {
    expect(resolved({ Ref: 'AWS::NoValue' })).toBeUndefined();
  });

  test('an unknown pseudo parameter is unsupported', () => {
    expect(errorOf({ Ref: 'AWS::NotificationARNs' })).toBe(
      'Unsupported pseudo parameter AWS::NotificationARNs at Resources.X.Properties.Y: {"Ref":"AWS::NotificationARNs"}',
    );
  });
});

describe('Ref to resources and parameters', () => {
  test('a resource gives its Ref value', () => {
    expect(resolved({ Ref: 'OrdersQueue' })).toBe(QUEUE_URL);
  });

  test('a parameter gives its value', () => {
    expect(resolved({ Ref: 'Stage' })).toBe('dev');
    expect(resolved({ Ref: 'Subnets' })).toEqual(['subnet-1', 'subnet-2']);
  });

  test('a resource whose type is not emulated names the type', () => {
    expect(errorOf({ Ref: 'ConsumerFn' }, context(), 'Resources.Rule.Properties.Targets[0].Arn')).toBe(
      'cannot resolve Ref to ConsumerFn (AWS::Lambda::Function is not emulated) at Resources.Rule.Properties.Targets[0].Arn: {"Ref":"ConsumerFn"}',
    );
  });

  test('a logical ID that is not in the template says so', () => {
    expect(errorOf({ Ref: 'Missing' })).toBe(
      'cannot resolve Ref to Missing (not in the template) at Resources.X.Properties.Y: {"Ref":"Missing"}',
    );
  });

  test('without typeOf, the message says the local runtime does not know it', () => {
    expect(errorOf({ Ref: 'ConsumerFn' }, context({ typeOf: undefined }))).toBe(
      'cannot resolve Ref to ConsumerFn (not known to the local runtime) at Resources.X.Properties.Y: {"Ref":"ConsumerFn"}',
    );
  });

  test('a Ref that is not a string is malformed', () => {
    expect(errorOf({ Ref: ['OrdersQueue'] })).toBe(
      'Malformed Ref (expected a logical ID or a pseudo parameter) at Resources.X.Properties.Y: {"Ref":["OrdersQueue"]}',
    );
  });
});

describe('Fn::GetAtt', () => {
  test('array form', () => {
    expect(resolved({ 'Fn::GetAtt': ['OrdersQueue', 'Arn'] })).toBe(QUEUE_ARN);
  });

  test('string form', () => {
    expect(resolved({ 'Fn::GetAtt': 'OrdersQueue.QueueName' })).toBe('orders');
  });

  test('string form with a dotted attribute splits at the first dot', () => {
    expect(resolved({ 'Fn::GetAtt': 'ReceiptsTable.Stream.Arn' })).toBe(`${TABLE_ARN}/stream/1`);
  });

  test('array form with a Ref for the attribute name', () => {
    const ctx = context({ parameter: (name) => (name === 'Attribute' ? 'QueueName' : undefined) });
    expect(resolved({ 'Fn::GetAtt': ['OrdersQueue', { Ref: 'Attribute' }] }, ctx)).toBe('orders');
  });

  test('a resource whose type is not emulated names the type', () => {
    expect(errorOf({ 'Fn::GetAtt': ['ConsumerFn', 'Arn'] })).toBe(
      'cannot resolve Fn::GetAtt to ConsumerFn.Arn (AWS::Lambda::Function is not emulated) at Resources.X.Properties.Y: {"Fn::GetAtt":["ConsumerFn","Arn"]}',
    );
  });

  test('an attribute the emulator does not provide names the attribute', () => {
    expect(errorOf({ 'Fn::GetAtt': 'OrdersQueue.Nope' })).toBe(
      'cannot resolve Fn::GetAtt to OrdersQueue.Nope (attribute Nope of AWS::SQS::Queue is not emulated) at Resources.X.Properties.Y: {"Fn::GetAtt":"OrdersQueue.Nope"}',
    );
  });

  test.each([[['OrdersQueue']], ['OrdersQueue'], [{ a: 1 }]])('malformed %j', (arg) => {
    expect(errorOf({ 'Fn::GetAtt': arg })).toMatch(/^Malformed Fn::GetAtt \(expected /);
  });
});

describe('Fn::Join', () => {
  test('an SQS ARN as CDK emits it', () => {
    const arn = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sqs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':name']],
    };
    expect(resolved(arn)).toBe('arn:aws:sqs:eu-west-1:000000000000:name');
  });

  test('a GetAtt with a suffix, as in bucket policies', () => {
    expect(resolved({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['ReceiptsTable', 'Arn'] }, '/index/*']] })).toBe(`${TABLE_ARN}/index/*`);
  });

  test('a list given by another intrinsic, skipping AWS::NoValue elements', () => {
    expect(resolved({ 'Fn::Join': [',', { 'Fn::Split': ['|', 'a|b'] }] })).toBe('a,b');
    expect(resolved({ 'Fn::Join': ['-', ['a', { 'Fn::If': ['IsProd', 'p', { Ref: 'AWS::NoValue' }] }, 'b']] })).toBe('a-b');
  });

  test('a value that is not a string', () => {
    expect(errorOf({ 'Fn::Join': ['', ['a', { Ref: 'Subnets' }]] })).toBe(
      'Fn::Join value 1 is not a string at Resources.X.Properties.Y: {"Fn::Join":["",["a",{"Ref":"Subnets"}]]}',
    );
  });

  test('malformed arguments', () => {
    expect(errorOf({ 'Fn::Join': ['', 'abc'] })).toBe(
      'Malformed Fn::Join (expected [delimiter, [values]]) at Resources.X.Properties.Y: {"Fn::Join":["","abc"]}',
    );
  });

  test('an error inside names the path into the Join', () => {
    expect(errorOf({ 'Fn::Join': ['', ['arn:', { Ref: 'ConsumerFn' }]] })).toBe(
      'cannot resolve Ref to ConsumerFn (AWS::Lambda::Function is not emulated) at Resources.X.Properties.Y.Fn::Join[1][1]: {"Ref":"ConsumerFn"}',
    );
  });
});

describe('Fn::Sub', () => {
  test('string form with a resource, an attribute and a pseudo parameter', () => {
    expect(resolved({ 'Fn::Sub': '${OrdersQueue}|${OrdersQueue.Arn}|${AWS::Region}' })).toBe(`${QUEUE_URL}|${QUEUE_ARN}|eu-west-1`);
  });

  test('the CDK asset bucket name', () => {
    expect(resolved({ 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' })).toBe(
      'cdk-hnb659fds-assets-000000000000-eu-west-1',
    );
  });

  test('${!Literal} escapes stay literal', () => {
    expect(resolved({ 'Fn::Sub': 'echo ${!HOME} in ${AWS::Region} and ${!OrdersQueue.Arn}' })).toBe(
      'echo ${HOME} in eu-west-1 and ${OrdersQueue.Arn}',
    );
  });

  test('[template, variables] form, variables resolved and taking precedence', () => {
    const value = {
      'Fn::Sub': ['${Name}:${OrdersQueue}:${Table}:${Stage}', { Name: 'n', OrdersQueue: 'override', Table: { Ref: 'ReceiptsTable' } }],
    };
    expect(resolved(value)).toBe('n:override:receipts:dev');
  });

  test('a variable that cannot be resolved', () => {
    expect(errorOf({ 'Fn::Sub': 'arn:${ConsumerFn.Arn}' })).toBe(
      'cannot resolve Fn::GetAtt to ConsumerFn.Arn (AWS::Lambda::Function is not emulated) at Resources.X.Properties.Y: {"Fn::Sub":"arn:${ConsumerFn.Arn}"}',
    );
  });

  test('a variable that is not a string', () => {
    expect(errorOf({ 'Fn::Sub': 'subnets ${Subnets}' })).toBe(
      'Fn::Sub variable ${Subnets} is not a string at Resources.X.Properties.Y: {"Fn::Sub":"subnets ${Subnets}"}',
    );
  });

  test('an empty variable name', () => {
    expect(errorOf({ 'Fn::Sub': 'x${}' })).toBe('Malformed Fn::Sub (empty variable name) at Resources.X.Properties.Y: {"Fn::Sub":"x${}"}');
  });

  test('malformed arguments', () => {
    expect(errorOf({ 'Fn::Sub': ['${A}'] })).toBe(
      'Malformed Fn::Sub (expected a template or [template, {variables}]) at Resources.X.Properties.Y: {"Fn::Sub":["${A}"]}',
    );
  });
});

describe('Fn::Select and Fn::Split', () => {
  test('Fn::Select of a literal list, with a number or a string index', () => {
    expect(resolved({ 'Fn::Select': [1, ['a', 'b', 'c']] })).toBe('b');
    expect(resolved({ 'Fn::Select': ['2', ['a', 'b', 'c']] })).toBe('c');
  });

  test('Fn::Split of a string', () => {
    expect(resolved({ 'Fn::Split': [',', 'a,b,,c'] })).toEqual(['a', 'b', '', 'c']);
  });

  test('Fn::Select of Fn::Split of a GetAtt, as CDK emits a name from an ARN', () => {
    const name = { 'Fn::Select': [5, { 'Fn::Split': [':', { 'Fn::GetAtt': ['OrdersQueue', 'Arn'] }] }] };
    expect(resolved(name)).toBe('orders');
  });

  test('Fn::Select of Fn::Split of Fn::Select of Fn::Split, as CDK emits a table name from an ARN', () => {
    const name = {
      'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::Select': [5, { 'Fn::Split': [':', { 'Fn::GetAtt': ['ReceiptsTable', 'Arn'] }] }] }] }],
    };
    expect(resolved(name)).toBe('receipts');
  });

  test('Fn::Select out of range', () => {
    expect(errorOf({ 'Fn::Select': [3, ['a', 'b']] })).toBe(
      'Fn::Select index 3 is out of range for 2 values at Resources.X.Properties.Y: {"Fn::Select":[3,["a","b"]]}',
    );
  });

  test('Fn::Select with a bad index', () => {
    expect(errorOf({ 'Fn::Select': [-1, ['a']] })).toBe(
      'Malformed Fn::Select (expected [index, [values]]) at Resources.X.Properties.Y: {"Fn::Select":[-1,["a"]]}',
    );
  });

  test('Fn::Split of something that is not a string', () => {
    expect(errorOf({ 'Fn::Split': [',', ['a']] })).toBe(
      'Malformed Fn::Split (expected [delimiter, string]) at Resources.X.Properties.Y: {"Fn::Split":[",",["a"]]}',
    );
  });
});

describe('Fn::If and Condition', () => {
  test('Fn::If takes the true branch', () => {
    expect(resolved({ 'Fn::If': ['IsDev', { Ref: 'Stage' }, 'prod'] })).toBe('dev');
  });

  test('Fn::If takes the false branch', () => {
    expect(resolved({ 'Fn::If': ['IsProd', 'prod', { 'Fn::Sub': '${Stage}-x' }] })).toBe('dev-x');
  });

  test('Fn::If does not resolve the branch it does not take', () => {
    expect(resolved({ 'Fn::If': ['IsDev', 'dev', { Ref: 'ConsumerFn' }] })).toBe('dev');
  });

  test('Fn::If without conditions in the context', () => {
    expect(errorOf({ 'Fn::If': ['IsDev', 'a', 'b'] }, context({ condition: undefined }))).toBe(
      'cannot evaluate condition IsDev (no conditions in the local runtime) at Resources.X.Properties.Y: {"Fn::If":["IsDev","a","b"]}',
    );
  });

  test('Fn::If malformed', () => {
    expect(errorOf({ 'Fn::If': ['IsDev', 'a'] })).toBe(
      'Malformed Fn::If (expected [condition, valueIfTrue, valueIfFalse]) at Resources.X.Properties.Y: {"Fn::If":["IsDev","a"]}',
    );
  });

  test('Condition gives the value of the condition', () => {
    expect(resolved({ Condition: 'IsDev' })).toBe(true);
    expect(resolved({ Condition: 'IsProd' })).toBe(false);
  });
});

describe('Fn::Base64', () => {
  test('encodes a string as UTF-8', () => {
    expect(resolved({ 'Fn::Base64': 'héllo' })).toBe(Buffer.from('héllo', 'utf8').toString('base64'));
  });

  test('encodes a resolved Fn::Sub, as in user data', () => {
    const userData = { 'Fn::Base64': { 'Fn::Sub': '#!/bin/bash\necho ${AWS::Region}' } };
    expect(Buffer.from(String(resolved(userData)), 'base64').toString('utf8')).toBe('#!/bin/bash\necho eu-west-1');
  });
});

describe('Fn::GetAZs', () => {
  test('"" means the current region', () => {
    expect(resolved({ 'Fn::GetAZs': '' })).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
  });

  test('Ref AWS::Region, selected as CDK emits a subnet AZ', () => {
    expect(resolved({ 'Fn::Select': [0, { 'Fn::GetAZs': { Ref: 'AWS::Region' } }] })).toBe('eu-west-1a');
  });

  test('an explicit region', () => {
    expect(resolved({ 'Fn::GetAZs': 'us-east-1' })).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
  });
});

describe('Fn::FindInMap', () => {
  test('looks up a value, keys resolved', () => {
    expect(resolved({ 'Fn::FindInMap': ['RegionMap', { Ref: 'AWS::Region' }, 'Ami'] })).toBe('ami-eu');
    expect(resolved({ 'Fn::FindInMap': ['RegionMap', 'eu-west-1', 'Zones'] })).toEqual(['a', 'b']);
  });

  test('a missing key', () => {
    expect(errorOf({ 'Fn::FindInMap': ['RegionMap', 'us-east-1', 'Ami'] })).toBe(
      'cannot resolve Fn::FindInMap (no key us-east-1 in mapping RegionMap) at Resources.X.Properties.Y: {"Fn::FindInMap":["RegionMap","us-east-1","Ami"]}',
    );
    expect(errorOf({ 'Fn::FindInMap': ['RegionMap', 'eu-west-1', 'constructor'] })).toBe(
      'cannot resolve Fn::FindInMap (no key eu-west-1.constructor in mapping RegionMap) at Resources.X.Properties.Y: {"Fn::FindInMap":["RegionMap","eu-west-1","constructor"]}',
    );
  });

  test('a missing mapping', () => {
    expect(errorOf({ 'Fn::FindInMap': ['Nope', 'a', 'b'] })).toBe(
      'cannot resolve Fn::FindInMap (no mapping Nope) at Resources.X.Properties.Y: {"Fn::FindInMap":["Nope","a","b"]}',
    );
  });

  test('without mappings in the context', () => {
    expect(errorOf({ 'Fn::FindInMap': ['RegionMap', 'eu-west-1', 'Ami'] }, context({ mappings: undefined }))).toBe(
      'cannot resolve Fn::FindInMap (no mappings in the local runtime) at Resources.X.Properties.Y: {"Fn::FindInMap":["RegionMap","eu-west-1","Ami"]}',
    );
  });
});

describe('unsupported intrinsics', () => {
  test.each([
    [{ 'Fn::ImportValue': 'foo' }, 'Unsupported intrinsic Fn::ImportValue at Resources.X.Properties.Y: {"Fn::ImportValue":"foo"}'],
    [
      { 'Fn::Transform': { Name: 'AWS::Include', Parameters: { Location: 's3://b/k' } } },
      'Unsupported intrinsic Fn::Transform at Resources.X.Properties.Y: {"Fn::Transform":{"Name":"AWS::Include","Parameters":{"Location":"s3://b/k"}}}',
    ],
    [{ 'Fn::Cidr': ['10.0.0.0/16', 6, 5] }, 'Unsupported intrinsic Fn::Cidr at Resources.X.Properties.Y: {"Fn::Cidr":["10.0.0.0/16",6,5]}'],
    [{ 'Fn::Length': [1, 2] }, 'Unsupported intrinsic Fn::Length at Resources.X.Properties.Y: {"Fn::Length":[1,2]}'],
    [{ 'Fn::Bogus': null }, 'Unsupported intrinsic Fn::Bogus at Resources.X.Properties.Y: {"Fn::Bogus":null}'],
  ])('%j', (expression, message) => {
    expect(errorOf(expression)).toBe(message);
  });

  test('nested, the message gives the full path and the innermost expression', () => {
    const value = { Variables: { SOURCE: { 'Fn::Join': [':', [{ 'Fn::ImportValue': 'Shared-Arn' }]] } } };
    expect(errorOf(value, context(), 'Resources.ConsumerFn.Properties.Environment')).toBe(
      'Unsupported intrinsic Fn::ImportValue at Resources.ConsumerFn.Properties.Environment.Variables.SOURCE.Fn::Join[1][0]: {"Fn::ImportValue":"Shared-Arn"}',
    );
  });

  test('the message is a single line even when the expression holds newlines', () => {
    const message = errorOf({ 'Fn::Sub': 'line 1\nline 2 ${ConsumerFn}' });
    expect(message).not.toMatch(/[\r\n]/);
    expect(message).toBe(
      'cannot resolve Ref to ConsumerFn (AWS::Lambda::Function is not emulated) at Resources.X.Properties.Y: {"Fn::Sub":"line 1\\nline 2 ${ConsumerFn}"}',
    );
  });

  test('the error carries the reason, the location and the expression', () => {
    const expression = { 'Fn::ImportValue': 'foo' };
    try {
      resolve({ Y: expression }, context(), 'Resources.X.Properties');
      throw new Error('expected an IntrinsicError');
    } catch (error) {
      expect(error).toBeInstanceOf(IntrinsicError);
      expect(error).toMatchObject({
        name: 'IntrinsicError',
        reason: 'Unsupported intrinsic Fn::ImportValue',
        where: 'Resources.X.Properties.Y',
        expression,
      });
    }
  });
});

describe('resolveAll', () => {
  test('resolves each value and drops AWS::NoValue', () => {
    const variables = {
      QUEUE_URL: { Ref: 'OrdersQueue' },
      TABLE: { Ref: 'ReceiptsTable' },
      OPTIONAL: { Ref: 'AWS::NoValue' },
      PLAIN: 'x',
    };
    expect(resolveAll(variables, context(), 'Resources.ConsumerFn.Properties.Environment.Variables')).toEqual({
      QUEUE_URL,
      TABLE: 'receipts',
      PLAIN: 'x',
    });
  });

  test('a record with a single Ref key is a record, not an intrinsic', () => {
    expect(resolveAll({ Ref: 'AWS::Region' }, context(), 'Outputs')).toEqual({ Ref: 'AWS::Region' });
  });

  test('errors name the key', () => {
    expect(() => resolveAll({ TABLE: { Ref: 'ConsumerFn' } }, context(), 'Resources.ConsumerFn.Properties.Environment.Variables')).toThrow(
      new IntrinsicError(
        'cannot resolve Ref to ConsumerFn (AWS::Lambda::Function is not emulated)',
        'Resources.ConsumerFn.Properties.Environment.Variables.TABLE',
        { Ref: 'ConsumerFn' },
      ),
    );
  });
});
