import { compilePattern, InvalidEventPatternError, matchesPattern } from '../../local/events/pattern';
import { jsonPath, targetInput } from '../../local/events/transform';

// The sample events of the EventBridge User Guide and event-ruler's README, reduced.
const ec2Event = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-abcd1111', state: 'pending', 'c-count': 3, 'source-ip': '10.0.0.7', file: 'logs/app.PNG' },
};

const match = (pattern: unknown, event: unknown = ec2Event) => matchesPattern(pattern, event);
const invalid = (pattern: unknown) => {
  expect(() => compilePattern(pattern)).toThrow(InvalidEventPatternError);
};

describe('EventBridge event patterns: matching, operator by operator', () => {
  test('exact values: strings, numbers, booleans, null and empty string are distinct', () => {
    expect(match({ source: ['aws.ec2'] })).toBe(true);
    expect(match({ source: ['aws.s3'] })).toBe(false);
    expect(match({ source: ['AWS.EC2'] })).toBe(false);
    expect(match({ detail: { 'c-count': [3] } })).toBe(true);
    expect(match({ detail: { 'c-count': ['3'] } })).toBe(false);
    expect(match({ a: [3] }, { a: 3.0 })).toBe(true);
    expect(match({ a: [true] }, { a: true })).toBe(true);
    expect(match({ a: ['true'] }, { a: true })).toBe(false);
    expect(match({ a: [null] }, { a: null })).toBe(true);
    expect(match({ a: [''] }, { a: null })).toBe(false);
    expect(match({ a: [''] }, { a: '' })).toBe(true);
    expect(match({ a: [null] }, {})).toBe(false);
  });

  test('a leaf array is OR, fields are AND, nested keys descend', () => {
    expect(match({ detail: { state: ['running', 'pending'] } })).toBe(true);
    expect(match({ source: ['aws.ec2'], detail: { state: ['running'] } })).toBe(false);
    expect(match({ source: ['aws.ec2'], detail: { state: ['pending'], 'instance-id': ['i-abcd1111'] } })).toBe(true);
    expect(match({ detail: { missing: { deeper: ['x'] } } })).toBe(false);
  });

  test('event arrays match when they intersect the pattern; objects of one element are never combined', () => {
    expect(match({ resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111', 'other'] })).toBe(true);
    expect(match({ a: ['y'] }, { a: ['x', 'y'] })).toBe(true);
    expect(match({ a: ['z'] }, { a: ['x', ['y', 'z']] })).toBe(true);
    const employees = {
      employees: [
        { first: 'John', last: 'Doe' },
        { first: 'Anna', last: 'Smith' },
      ],
    };
    expect(match({ employees: { first: ['Anna'] } }, employees)).toBe(true);
    expect(match({ employees: { first: ['Anna'], last: ['Smith'] } }, employees)).toBe(true);
    expect(match({ employees: { first: ['Anna'], last: ['Doe'] } }, employees)).toBe(false);
  });

  test('prefix, and prefix with equals-ignore-case, on strings only', () => {
    expect(match({ time: [{ prefix: '2015-11-11' }] })).toBe(true);
    expect(match({ time: [{ prefix: '2017' }] })).toBe(false);
    expect(match({ source: [{ prefix: { 'equals-ignore-case': 'AWS.E' } }] })).toBe(true);
    expect(match({ source: [{ prefix: 'AWS.E' }] })).toBe(false);
    expect(match({ detail: { 'c-count': [{ prefix: '3' }] } })).toBe(false);
  });

  test('suffix, and suffix with equals-ignore-case', () => {
    expect(match({ detail: { file: [{ suffix: '.PNG' }] } })).toBe(true);
    expect(match({ detail: { file: [{ suffix: '.png' }] } })).toBe(false);
    expect(match({ detail: { file: [{ suffix: { 'equals-ignore-case': '.png' } }] } })).toBe(true);
  });

  test('equals-ignore-case', () => {
    expect(match({ 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] })).toBe(true);
    expect(match({ 'detail-type': [{ 'equals-ignore-case': 'ec2 instance' }] })).toBe(false);
    expect(match({ a: [{ 'equals-ignore-case': '1' }] }, { a: 1 })).toBe(false);
  });

  test('wildcard: * for any run of characters, escapes for * and \\', () => {
    expect(match({ detail: { file: [{ wildcard: 'logs/*.PNG' }] } })).toBe(true);
    expect(match({ detail: { file: [{ wildcard: '*/app.*' }] } })).toBe(true);
    expect(match({ detail: { file: [{ wildcard: 'logs/*.png' }] } })).toBe(false);
    expect(match({ a: [{ wildcard: 'a\\*b' }] }, { a: 'a*b' })).toBe(true);
    expect(match({ a: [{ wildcard: 'a\\*b' }] }, { a: 'axb' })).toBe(false);
    expect(match({ a: [{ wildcard: 'a\\\\b' }] }, { a: 'a\\b' })).toBe(true);
    expect(match({ a: [{ wildcard: 'a.c' }] }, { a: 'abc' })).toBe(false);
  });

  test('anything-but: a value, a list of strings or of numbers', () => {
    expect(match({ detail: { state: [{ 'anything-but': 'initializing' }] } })).toBe(true);
    expect(match({ detail: { state: [{ 'anything-but': 'pending' }] } })).toBe(false);
    expect(match({ detail: { state: [{ 'anything-but': ['stopped', 'pending'] }] } })).toBe(false);
    expect(match({ detail: { 'c-count': [{ 'anything-but': [100, 200] }] } })).toBe(true);
    expect(match({ detail: { 'c-count': [{ 'anything-but': 3 }] } })).toBe(false);
    // A field the event does not have is not "anything but": only exists:false matches absence.
    expect(match({ detail: { absent: [{ 'anything-but': 'x' }] } })).toBe(false);
  });

  test('anything-but with prefix, suffix, equals-ignore-case and wildcard (values or lists)', () => {
    expect(match({ region: [{ 'anything-but': { prefix: 'us-' } }] })).toBe(false);
    expect(match({ region: [{ 'anything-but': { prefix: ['eu-', 'ap-'] } }] })).toBe(true);
    expect(match({ detail: { file: [{ 'anything-but': { suffix: '.PNG' } }] } })).toBe(false);
    expect(match({ detail: { file: [{ 'anything-but': { suffix: ['.jpg', '.gif'] } }] } })).toBe(true);
    expect(match({ detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'PENDING' } }] } })).toBe(false);
    expect(match({ detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['STOPPED', 'RUNNING'] } }] } })).toBe(true);
    expect(match({ detail: { file: [{ 'anything-but': { wildcard: 'logs/*' } }] } })).toBe(false);
    expect(match({ detail: { file: [{ 'anything-but': { wildcard: ['*/bin/*', '*.jar'] } }] } })).toBe(true);
    // These forms look at strings only.
    expect(match({ detail: { 'c-count': [{ 'anything-but': { prefix: 'x' } }] } })).toBe(false);
  });

  test('numeric: comparisons and ranges on JSON numbers only', () => {
    expect(match({ detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } })).toBe(true);
    expect(match({ detail: { 'c-count': [{ numeric: ['>', 3] }] } })).toBe(false);
    expect(match({ detail: { 'c-count': [{ numeric: ['>=', 3] }] } })).toBe(true);
    expect(match({ detail: { 'c-count': [{ numeric: ['<', 3] }] } })).toBe(false);
    expect(match({ detail: { 'c-count': [{ numeric: ['=', 3.0] }] } })).toBe(true);
    expect(match({ a: [{ numeric: ['=', 301.8] }] }, { a: 3.018e2 })).toBe(true);
    expect(match({ a: [{ numeric: ['>', 0] }] }, { a: '5' })).toBe(false);
    expect(match({ a: [{ numeric: ['>', 0] }] }, { a: 6e9 })).toBe(false);
  });

  test('cidr: IPv4 and IPv6 blocks, IP address strings only', () => {
    expect(match({ detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } })).toBe(true);
    expect(match({ detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } })).toBe(false);
    expect(match({ a: [{ cidr: '2001:db8::/32' }] }, { a: '2001:db8:1::7' })).toBe(true);
    expect(match({ a: [{ cidr: '2001:db8::/32' }] }, { a: '2001:db9::1' })).toBe(false);
    expect(match({ a: [{ cidr: '10.0.0.0/8' }] }, { a: 'not-an-ip' })).toBe(false);
    expect(match({ a: [{ cidr: '10.0.0.0/8' }] }, { a: '2001:db8::1' })).toBe(false);
  });

  test('exists: presence of a leaf; objects and empty arrays are not leaves; null is', () => {
    expect(match({ detail: { state: [{ exists: true }] } })).toBe(true);
    expect(match({ detail: { state: [{ exists: false }] } })).toBe(false);
    expect(match({ detail: { absent: [{ exists: false }] } })).toBe(true);
    expect(match({ detail: { absent: [{ exists: true }] } })).toBe(false);
    expect(match({ a: [{ exists: false }] }, { a: { b: 1 } })).toBe(true);
    expect(match({ a: [{ exists: true }] }, { a: { b: 1 } })).toBe(false);
    expect(match({ a: [{ exists: false }] }, { a: [] })).toBe(true);
    expect(match({ a: [{ exists: true }] }, { a: null })).toBe(true);
    expect(match({ missing: { deeper: [{ exists: false }] } }, {})).toBe(true);
  });

  test('operators and values mix in one leaf array (OR)', () => {
    expect(match({ detail: { state: ['running', { prefix: 'pend' }] } })).toBe(true);
    expect(match({ detail: { state: [{ exists: false }, 'pending'] } })).toBe(true);
  });

  test('$or: alternatives at any level, nested, combined with AND', () => {
    const pattern = {
      source: ['aws.ec2'],
      $or: [{ detail: { state: ['running'] } }, { detail: { 'c-count': [{ numeric: ['>', 2] }] } }],
    };
    expect(match(pattern)).toBe(true);
    expect(match({ ...pattern, source: ['aws.s3'] })).toBe(false);
    expect(match({ $or: [{ source: ['x'] }, { region: ['y'] }] })).toBe(false);
    expect(
      match({
        detail: {
          $or: [{ state: ['running'] }, { 'instance-id': ['i-abcd1111'], $or: [{ file: [{ suffix: '.gif' }] }, { 'c-count': [3] }] }],
        },
      }),
    ).toBe(true);
    // An $or that is not an array of two or more objects is an ordinary field name (event-ruler).
    expect(match({ $or: { a: ['b'] } }, { $or: { a: 'b' } })).toBe(true);
  });

  test('the AWS Batch job state change rule of the s3-batch pattern', () => {
    const rule = {
      source: ['aws.batch'],
      'detail-type': ['Batch Job State Change'],
      detail: {
        jobQueue: ['arn:aws:batch:us-east-1:000000000000:job-queue/a', 'arn:aws:batch:us-east-1:000000000000:job-queue/b'],
        status: ['SUCCEEDED', 'FAILED'],
      },
    };
    const event = (status: string, jobQueue = 'arn:aws:batch:us-east-1:000000000000:job-queue/b') => ({
      source: 'aws.batch',
      'detail-type': 'Batch Job State Change',
      detail: { jobQueue, status, attempts: [{ container: { exitCode: 1 } }] },
    });
    expect(match(rule, event('FAILED'))).toBe(true);
    expect(match(rule, event('RUNNABLE'))).toBe(false);
    expect(match(rule, event('SUCCEEDED', 'arn:aws:batch:us-east-1:000000000000:job-queue/c'))).toBe(false);
  });
});

describe('EventBridge event patterns: what PutRule refuses', () => {
  test.each([
    ['not an object', 'x'],
    ['empty', {}],
    ['a bare value', { source: 'aws.ec2' }],
    ['an empty leaf array', { source: [] }],
    ['an unknown operator', { source: [{ contains: 'x' }] }],
    ['two operators in one object', { source: [{ prefix: 'a', suffix: 'b' }] }],
    ['exists not boolean', { a: [{ exists: 'yes' }] }],
    ['prefix not a string', { a: [{ prefix: 1 }] }],
    ['numeric with an unknown operator', { a: [{ numeric: ['!=', 1] }] }],
    ['numeric out of range', { a: [{ numeric: ['>', 6e9] }] }],
    ['numeric range upside down', { a: [{ numeric: ['<', 5, '>', 1] }] }],
    ['an empty numeric range', { a: [{ numeric: ['>', 5, '<', 1] }] }],
    ['a bad CIDR', { a: [{ cidr: '10.0.0.0/33' }] }],
    ['consecutive wildcards', { a: [{ wildcard: 'a**b' }] }],
    ['a stray escape in a wildcard', { a: [{ wildcard: 'a\\b' }] }],
    ['anything-but with a mixed list', { a: [{ 'anything-but': ['a', 1] }] }],
    ['anything-but with an unknown operator', { a: [{ 'anything-but': { numeric: ['>', 1] } }] }],
  ])('%s', (_name, pattern) => invalid(pattern));

  test('more than 1,000 $or combinations', () => {
    const or = (n: number, key: string) => Array.from({ length: n }, (_, i) => ({ [key]: [String(i)] }));
    expect(() => compilePattern({ a: { $or: or(11, 'x') }, b: { $or: or(10, 'y') }, c: { $or: or(10, 'z') } })).toThrow(
      /1100 rule combinations/,
    );
    expect(() => compilePattern({ a: { $or: or(10, 'x') }, b: { $or: or(10, 'y') }, c: { $or: or(10, 'z') } })).not.toThrow();
  });

  test('JSON text patterns (as CloudFormation may carry them) are parsed', () => {
    expect(compilePattern('{"source":["aws.ec2"]}').matches(ec2Event)).toBe(true);
    invalid('{not json');
  });
});

describe('EventBridge target input', () => {
  const rule = { name: 'my-rule', arn: 'arn:aws:events:us-east-1:000000000000:rule/my-rule' };
  const at = new Date('2024-01-01T00:00:00Z');

  test('the whole event, a constant, or the part an input path selects', () => {
    expect(JSON.parse(targetInput(ec2Event, {}, rule, at))).toEqual(ec2Event);
    expect(targetInput(ec2Event, { Input: '{"fixed":true}' }, rule, at)).toBe('{"fixed":true}');
    expect(JSON.parse(targetInput(ec2Event, { InputPath: '$.detail' }, rule, at))).toEqual(ec2Event.detail);
    expect(jsonPath(ec2Event, '$.resources[0]')).toBe(ec2Event.resources[0]);
    expect(jsonPath(ec2Event, "$['detail-type']")).toBe(ec2Event['detail-type']);
    expect(jsonPath(ec2Event, '$.detail.nope')).toBeUndefined();
  });

  test('an input transformer: JSON values outside strings, raw text inside, predefined variables', () => {
    const body = targetInput(
      ec2Event,
      {
        InputTransformer: {
          InputPathsMap: { instance: '$.detail.instance-id', state: '$.detail.state', count: '$.detail.c-count', gone: '$.detail.gone' },
          InputTemplate:
            '{"instance": <instance>, "count": <count>, "text": "instance <instance> is <state>", "gone": <gone>, "rule": <aws.events.rule-name>, "event": <aws.events.event.json>}',
        },
      },
      rule,
      at,
    );
    expect(JSON.parse(body)).toEqual({
      instance: 'i-abcd1111',
      count: 3,
      text: 'instance i-abcd1111 is pending',
      gone: null,
      rule: 'my-rule',
      event: ec2Event,
    });
    expect(
      targetInput(ec2Event, { InputTransformer: { InputPathsMap: { s: '$.detail.state' }, InputTemplate: '"state: <s>"' } }, rule, at),
    ).toBe('"state: pending"');
  });
});
