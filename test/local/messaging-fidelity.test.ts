// The local SQS and SNS (fauxqs behind local/fauxqs-server.mjs) answer as AWS answers: filter policies,
// message sizes and counts, characters, FIFO deduplication scopes. Each case cites the guide it follows;
// each fails on fauxqs without the launcher's layer (local/fauxqs/).
import {
  CreateTopicCommand,
  type CreateTopicCommandInput,
  PublishBatchCommand,
  PublishCommand,
  type PublishCommandInput,
  SetSubscriptionAttributesCommand,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { receiveAll, useFauxqs } from '../local-clients';

const local = useFauxqs();
let unique = 0;
const name = (prefix: string) => `${prefix}-${++unique}`;
const queueArn = (queueName: string) => `arn:aws:sqs:us-east-1:000000000000:${queueName}`;

async function createQueue(prefix: string, attributes: Record<string, string> = {}): Promise<{ url: string; arn: string }> {
  const queueName = attributes.FifoQueue === 'true' ? `${name(prefix)}.fifo` : name(prefix);
  const result = await local.sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }));
  return { url: result.QueueUrl as string, arn: queueArn(queueName) };
}

/** Every message now in the queue (fauxqs delivers synchronously), received and deleted. */
async function drain(url: string) {
  return (await receiveAll(local.sqs, url)).map((m) => ({ body: m.Body as string, attributes: m.MessageAttributes ?? {} }));
}

/** What the SDK surfaces for a refused call: the error name (with the service's code for SNS) and message. */
async function refusal(call: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await call;
  } catch (error) {
    const e = error as { name: string; Code?: string; message: string };
    return { name: e.name.endsWith('Exception') ? `${e.name} ${e.Code}` : e.name, message: e.message };
  }
  throw new Error('expected the call to be refused, it was accepted');
}

const str = (value: string) => ({ DataType: 'String', StringValue: value });
const num = (value: string) => ({ DataType: 'Number', StringValue: value });
const arr = (values: unknown[]) => ({ DataType: 'String.Array', StringValue: JSON.stringify(values) });

type Attributes = NonNullable<PublishCommandInput['MessageAttributes']>;

/**
 * Subscribes a raw-delivery queue with `policy` and publishes each message with a distinct id; returns the
 * ids delivered, in order.
 */
async function delivered(
  scope: 'MessageAttributes' | 'MessageBody',
  policy: unknown,
  messages: { id: string; attributes?: Attributes; body?: unknown }[],
): Promise<string[]> {
  const topicArn = (await local.sns.send(new CreateTopicCommand({ Name: name('filter') }))).TopicArn as string;
  const queue = await createQueue('filtered');
  await local.sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queue.arn,
      Attributes: { FilterPolicy: JSON.stringify(policy), FilterPolicyScope: scope, RawMessageDelivery: 'true' },
    }),
  );
  for (const message of messages) {
    const body = scope === 'MessageBody' ? (typeof message.body === 'string' ? message.body : JSON.stringify(message.body)) : message.id;
    await local.sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: body,
        MessageAttributes: { ...message.attributes, id: str(message.id) },
      }),
    );
  }
  return (await drain(queue.url)).map((m) => m.attributes.id?.StringValue as string);
}

describe('SNS filter policies on message attributes (SNS Developer Guide, "Amazon SNS message filtering")', () => {
  test.each<[string, unknown, { id: string; attributes?: Attributes }[], string[]]>([
    [
      'exact strings match String attributes and String.Array elements one by one',
      { interests: ['rugby', 'tennis'] },
      [
        { id: 'string', attributes: { interests: str('rugby') } },
        { id: 'array', attributes: { interests: arr(['baseball', 'tennis']) } },
        { id: 'array-miss', attributes: { interests: arr(['baseball']) } },
        { id: 'number-text', attributes: { interests: num('5') } },
      ],
      ['string', 'array'],
    ],
    [
      'exact numbers match Number attributes only, with five decimal digits',
      { price: [301.5] },
      [
        { id: 'number', attributes: { price: num('3.015e2') } },
        { id: 'close', attributes: { price: num('301.500001') } },
        { id: 'string', attributes: { price: str('301.5') } },
      ],
      ['number', 'close'],
    ],
    [
      'numeric ranges match Number attributes only (a numeric condition ignores a String attribute)',
      { price: [{ numeric: ['>', 0, '<=', 150] }] },
      [
        { id: 'in', attributes: { price: num('150') } },
        { id: 'out', attributes: { price: num('151') } },
        { id: 'negative', attributes: { price: num('-1') } },
        { id: 'string', attributes: { price: str('100') } },
        { id: 'array', attributes: { price: arr([500, 20]) } },
      ],
      ['in', 'array'],
    ],
    [
      'prefix and suffix match strings, not numbers',
      { store: [{ prefix: 'ex' }, { suffix: '_corp' }] },
      [
        { id: 'prefix', attributes: { store: str('example') } },
        { id: 'suffix', attributes: { store: arr(['other', 'acme_corp']) } },
        { id: 'number', attributes: { store: num('123') } },
        { id: 'miss', attributes: { store: str('other') } },
      ],
      ['prefix', 'suffix'],
    ],
    [
      'prefix does not match a Number attribute whose text starts with it',
      { code: [{ prefix: '12' }] },
      [
        { id: 'string', attributes: { code: str('123') } },
        { id: 'number', attributes: { code: num('123') } },
      ],
      ['string'],
    ],
    [
      'anything-but with a list matches any other value, an array with one other value, never an absent key',
      { interests: [{ 'anything-but': ['rugby', 'tennis'] }] },
      [
        { id: 'other', attributes: { interests: str('baseball') } },
        { id: 'excluded', attributes: { interests: str('rugby') } },
        { id: 'array', attributes: { interests: arr(['rugby', 'baseball']) } },
        { id: 'array-excluded', attributes: { interests: arr(['rugby', 'tennis']) } },
        { id: 'absent', attributes: { other: str('x') } },
      ],
      ['other', 'array'],
    ],
    [
      'anything-but with a prefix',
      { store: [{ 'anything-but': { prefix: 'ex' } }] },
      [
        { id: 'other', attributes: { store: str('acme') } },
        { id: 'excluded', attributes: { store: str('example') } },
        { id: 'array', attributes: { store: arr(['example', 'acme']) } },
        { id: 'array-excluded', attributes: { store: arr(['example', 'extra']) } },
      ],
      ['other', 'array'],
    ],
    [
      'anything-but with numbers compares numbers',
      { price: [{ 'anything-but': [100, 500] }] },
      [
        { id: 'other', attributes: { price: num('100.1') } },
        { id: 'excluded', attributes: { price: num('1e2') } },
        { id: 'array', attributes: { price: arr([100, 50]) } },
        { id: 'array-excluded', attributes: { price: arr([100, 500]) } },
      ],
      ['other', 'array'],
    ],
    [
      'equals-ignore-case',
      { store: [{ 'equals-ignore-case': 'EXAMPLE_corp' }] },
      [
        { id: 'match', attributes: { store: str('example_CORP') } },
        { id: 'miss', attributes: { store: str('example') } },
      ],
      ['match'],
    ],
    [
      'IP address matching with cidr',
      { source_ip: [{ cidr: '10.0.0.0/24' }] },
      [
        { id: 'in', attributes: { source_ip: str('10.0.0.255') } },
        { id: 'out', attributes: { source_ip: str('10.0.1.1') } },
        { id: 'not-an-ip', attributes: { source_ip: str('10.0.0.256') } },
      ],
      ['in'],
    ],
    [
      'exists: true needs the key; Binary attributes are ignored',
      { store: [{ exists: true }] },
      [
        { id: 'present', attributes: { store: num('99') } },
        { id: 'absent', attributes: { other: str('x') } },
        { id: 'binary', attributes: { store: { DataType: 'Binary', BinaryValue: Buffer.from('x') } } },
      ],
      ['present'],
    ],
    [
      '$or across keys, with String.Array and Number branches',
      { $or: [{ interests: ['rugby'] }, { price: [{ numeric: ['>', 100] }] }] },
      [
        { id: 'first', attributes: { interests: arr(['tennis', 'rugby']) } },
        { id: 'second', attributes: { price: num('101') } },
        { id: 'neither', attributes: { interests: str('tennis'), price: str('200') } },
      ],
      ['first', 'second'],
    ],
    [
      'several keys AND together, several values OR together',
      { store: ['a', 'b'], price: [{ numeric: ['<', 10] }] },
      [
        { id: 'both', attributes: { store: str('b'), price: num('5') } },
        { id: 'store-only', attributes: { store: str('a'), price: num('50') } },
        { id: 'array', attributes: { store: arr(['x', 'a']), price: num('9.99') } },
      ],
      ['both', 'array'],
    ],
  ])('%s', async (_title, policy, messages, expected) => {
    expect(await delivered('MessageAttributes', policy, messages)).toEqual(expected);
  });

  test('"exists": false matches a message without the key, but not a message without attributes ("Key matching")', async () => {
    const topicArn = (await local.sns.send(new CreateTopicCommand({ Name: name('exists') }))).TopicArn as string;
    const queue = await createQueue('exists');
    const policy = { store: [{ exists: false }] };
    await local.sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: queue.arn,
        Attributes: { FilterPolicy: JSON.stringify(policy), RawMessageDelivery: 'true' },
      }),
    );
    await local.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'no-attributes' }));
    await local.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'other-key', MessageAttributes: { other: str('x') } }));
    await local.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'with-store', MessageAttributes: { store: str('x') } }));
    expect((await drain(queue.url)).map((m) => m.body)).toEqual(['other-key']);
  });
});

describe('SNS filter policies on the message body (FilterPolicyScope MessageBody)', () => {
  test.each<[string, unknown, { id: string; body: unknown }[], string[]]>([
    [
      'arrays in the body match element by element',
      { tags: ['b'] },
      [
        { id: 'array', body: { tags: ['a', 'b'] } },
        { id: 'scalar', body: { tags: 'b' } },
        { id: 'miss', body: { tags: ['a'] } },
      ],
      ['array', 'scalar'],
    ],
    [
      'nested keys, through arrays of objects',
      { Records: { s3: { object: { key: [{ prefix: 'auto-' }] } }, eventName: [{ prefix: 'ObjectCreated:' }] } },
      [
        { id: 'created', body: { Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key: 'auto-1.xml' } } }] } },
        { id: 'removed', body: { Records: [{ eventName: 'ObjectRemoved:Delete', s3: { object: { key: 'auto-1.xml' } } }] } },
        { id: 'other-key', body: { Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key: 'home-1.xml' } } }] } },
      ],
      ['created'],
    ],
    [
      '$or under a nested key keeps its path',
      { detail: { scope: ['Service'], $or: [{ source: ['aws.cloudwatch'] }, { type: ['Alarm'] }] } },
      [
        { id: 'source', body: { detail: { scope: 'Service', source: 'aws.cloudwatch' } } },
        { id: 'type', body: { detail: { scope: 'Service', type: 'Alarm' } } },
        { id: 'top-level', body: { detail: { scope: 'Service' }, source: 'aws.cloudwatch' } },
      ],
      ['source', 'type'],
    ],
    [
      'JSON types are respected: numbers, strings, booleans, null',
      { n: [{ numeric: ['>', 10] }], flag: [true], note: [null] },
      [
        { id: 'typed', body: { n: 20, flag: true, note: null } },
        { id: 'number-as-text', body: { n: '20', flag: true, note: null } },
        { id: 'boolean-as-text', body: { n: 20, flag: 'true', note: null } },
        { id: 'missing-null', body: { n: 20, flag: true } },
      ],
      ['typed'],
    ],
    [
      '"exists": false matches a missing (or null) key, not an empty body; "exists": true needs a value',
      { store: [{ exists: false }], detail: { id: [{ exists: true }] } },
      [
        { id: 'missing', body: { detail: { id: 1 } } },
        { id: 'null', body: { store: null, detail: { id: 'x' } } },
        { id: 'present', body: { store: 'x', detail: { id: 1 } } },
        { id: 'no-detail-id', body: { detail: { id: null } } },
        { id: 'empty-array', body: { store: [], detail: { id: [2] } } },
      ],
      ['missing', 'null', 'empty-array'],
    ],
    [
      '"exists": false does not match an empty body, nor a body that is not a JSON object',
      { store: [{ exists: false }] },
      [
        { id: 'empty', body: {} },
        { id: 'text', body: 'not json' },
        { id: 'other', body: { other: 1 } },
      ],
      ['other'],
    ],
    [
      'equals-ignore-case, suffix and cidr (IPv6) in the body',
      { name: [{ 'equals-ignore-case': 'ALICE' }, { suffix: '-bot' }], ip: [{ cidr: '2001:db8:1234:1a00::/64' }] },
      [
        { id: 'case', body: { name: 'alice', ip: '2001:0db8:1234:1a00:0000:0000:0000:0001' } },
        { id: 'suffix', body: { name: ['x', 'build-bot'], ip: '2001:db8:1234:1a00::2' } },
        { id: 'other-net', body: { name: 'alice', ip: '2001:db8:123f:1a01::1' } },
      ],
      ['case', 'suffix'],
    ],
  ])('%s', async (_title, policy, messages, expected) => {
    expect(await delivered('MessageBody', policy, messages)).toEqual(expected);
  });
});

describe('filter policies SNS refuses ("Filter policy constraints in Amazon SNS")', () => {
  let topicArn: string;
  let queue: { url: string; arn: string };
  beforeAll(async () => {
    topicArn = (await local.sns.send(new CreateTopicCommand({ Name: name('policies') }))).TopicArn as string;
    queue = await createQueue('policies');
  });
  const subscribe = (policy: unknown, scope = 'MessageAttributes') =>
    local.sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: queue.arn,
        Attributes: { FilterPolicy: typeof policy === 'string' ? policy : JSON.stringify(policy), FilterPolicyScope: scope },
      }),
    );
  const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);

  test.each<[string, unknown, string, string]>([
    [
      'more than five keys',
      { k1: ['a'], k2: ['a'], k3: ['a'], k4: ['a'], k5: ['a'], k6: ['a'] },
      'MessageAttributes',
      'FilterPolicy: Filter policy can not have more than 5 keys',
    ],
    ['more than 150 combinations', { k1: values(100), k2: values(2) }, 'MessageAttributes', 'FilterPolicy: Filter policy is too complex'],
    [
      'more than 150 combinations once nested keys count their depth',
      { a: { b: { c: values(4) } }, d: { e: values(3) }, f: values(3) },
      'MessageBody',
      'FilterPolicy: Filter policy is too complex',
    ],
    [
      'nesting with the MessageAttributes scope',
      { a: { b: ['x'] } },
      'MessageAttributes',
      'Filter policy scope MessageAttributes does not support nested filter policy',
    ],
    ['a policy over 256 KB', { k: ['x'.repeat(256 * 1024)] }, 'MessageAttributes', 'FilterPolicy: Filter policy is too large'],
    ['invalid JSON', '{"store": [', 'MessageAttributes', 'FilterPolicy: failed to parse JSON.'],
    ['an empty array', { store: [] }, 'MessageAttributes', 'FilterPolicy: Empty arrays are not allowed'],
    ['a value that is not an array', { store: 'x' }, 'MessageBody', 'FilterPolicy: "store" must be an object or an array'],
    ['an unknown operator', { store: [{ contains: 'x' }] }, 'MessageAttributes', 'FilterPolicy: Unrecognized match type contains'],
    [
      'a reversed numeric range',
      { price: [{ numeric: ['>', 3, '<', 1] }] },
      'MessageAttributes',
      'FilterPolicy: Bottom must be less than top',
    ],
    ['a malformed CIDR', { ip: [{ cidr: '10.0.0.1' }] }, 'MessageAttributes', "FilterPolicy: Malformed CIDR, one '/' required"],
    [
      'exists that is not a boolean',
      { store: [{ exists: 'no' }] },
      'MessageAttributes',
      'FilterPolicy: exists match pattern must be either true or false.',
    ],
    [
      'anything-but with a suffix',
      { store: [{ 'anything-but': { suffix: 'x' } }] },
      'MessageAttributes',
      'FilterPolicy: Unsupported anything-but pattern: suffix',
    ],
  ])('Subscribe refuses %s', async (_title, policy, scope, reason) => {
    expect(await refusal(subscribe(policy, scope))).toEqual({
      name: 'InvalidParameterException InvalidParameter',
      message: expect.stringContaining(`Invalid parameter: Attributes Reason: ${reason}`),
    });
  });

  test('150 combinations, counted across $or branches, are accepted', async () => {
    const policy = {
      source: values(3),
      $or: [{ metricName: values(6) }, { metricType: values(4), $or: [{ metricId: [1, 2, 3, 4] }, { spaceId: [1, 2, 3, 4, 5, 6, 7] }] }],
    };
    await expect(subscribe(policy)).resolves.toBeDefined();
  });

  test('SetSubscriptionAttributes checks the policy against the scope, and the scope against the policy', async () => {
    const { SubscriptionArn } = await local.sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: (await createQueue('set')).arn, ReturnSubscriptionArn: true }),
    );
    const set = (AttributeName: string, AttributeValue: string) =>
      local.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName, AttributeValue }));
    expect(await refusal(set('FilterPolicy', JSON.stringify({ a: { b: ['x'] } })))).toEqual({
      name: 'InvalidParameterException InvalidParameter',
      message: 'Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy',
    });
    expect(await refusal(set('FilterPolicyScope', 'Body'))).toEqual({
      name: 'InvalidParameterException InvalidParameter',
      message: 'Invalid parameter: FilterPolicyScope: Invalid value [Body]. Please use either MessageBody or MessageAttributes',
    });
    await set('FilterPolicyScope', 'MessageBody');
    await set('FilterPolicy', JSON.stringify({ a: { b: ['x'] } }));
    expect(await refusal(set('FilterPolicyScope', 'MessageAttributes'))).toEqual({
      name: 'InvalidParameterException InvalidParameter',
      message: 'Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy',
    });
  });
});

describe('SQS sizes, counts and characters (SQS Developer Guide, "Amazon SQS message quotas")', () => {
  test('attributes count toward MaximumMessageSize: names, types and the bytes of Binary values', async () => {
    const queue = await createQueue('size', { MaximumMessageSize: '1024' });
    const binary = Buffer.alloc(700, 1); // 700 bytes, 936 in base64
    const fits = 1024 - 'blob'.length - 'Binary'.length - binary.length; // exactly 1,024 bytes
    await expect(
      local.sqs.send(
        new SendMessageCommand({
          QueueUrl: queue.url,
          MessageBody: 'x'.repeat(fits),
          MessageAttributes: { blob: { DataType: 'Binary', BinaryValue: binary } },
        }),
      ),
    ).resolves.toBeDefined();
    expect(
      await refusal(
        local.sqs.send(
          new SendMessageCommand({
            QueueUrl: queue.url,
            MessageBody: 'x'.repeat(fits + 1),
            MessageAttributes: { blob: { DataType: 'Binary', BinaryValue: binary } },
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterValue',
      message: 'One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.',
    });
  });

  test('at most 10 message attributes, each with a non-empty value', async () => {
    const queue = await createQueue('attributes');
    const attributes = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, str('v')]));
    await expect(
      local.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'ten', MessageAttributes: attributes(10) })),
    ).resolves.toBeDefined();
    expect(
      await refusal(
        local.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'eleven', MessageAttributes: attributes(11) })),
      ),
    ).toEqual({
      name: 'InvalidParameterValue',
      message: 'Number of message attributes [11] exceeds the allowed maximum [10].',
    });
    expect(
      await refusal(
        local.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'empty', MessageAttributes: { a: str('') } })),
      ),
    ).toEqual({
      name: 'InvalidParameterValue',
      message: "Message (user) attribute 'a' must contain a non-empty value of type 'String'.",
    });
  });

  test('SendMessageBatch: the total is capped at 1 MiB, attributes included; entries fail one by one', async () => {
    const queue = await createQueue('batch', { MaximumMessageSize: '1024' });
    const half = 512 * 1024;
    expect(
      await refusal(
        local.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queue.url,
            Entries: [
              { Id: 'a', MessageBody: 'a'.repeat(half) },
              { Id: 'b', MessageBody: 'b'.repeat(half - 10), MessageAttributes: { abcd: str('xyz') } },
            ],
          }),
        ),
      ),
    ).toEqual({ name: 'BatchRequestTooLong', message: 'Batch requests cannot be longer than 1048576 bytes. You have sent 1048579 bytes.' });
    const result = await local.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: [
          { Id: 'ok', MessageBody: 'fine 🎉' },
          { Id: 'empty', MessageBody: '' },
          { Id: 'big', MessageBody: 'x'.repeat(1025) },
          { Id: 'control', MessageBody: 'bell \u0007' },
          {
            Id: 'eleven',
            MessageBody: 'x',
            MessageAttributes: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, str('v')])),
          },
        ],
      }),
    );
    expect(result.Successful?.map((s) => s.Id)).toEqual(['ok']);
    expect(Object.fromEntries((result.Failed ?? []).map((f) => [f.Id, `${f.Code}: ${f.Message}`]))).toEqual({
      empty: 'MissingParameter: The request must contain the parameter MessageBody.',
      big: 'InvalidParameterValue: One or more parameters cannot be validated. Reason: Message must be shorter than 1024 bytes.',
      control:
        'InvalidMessageContents: Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
      eleven: 'InvalidParameterValue: Number of message attributes [11] exceeds the allowed maximum [10].',
    });
    expect((await drain(queue.url)).map((m) => m.body)).toEqual(['fine 🎉']);
  });

  test('characters: #x10000 to #x10FFFF (emoji) are accepted in bodies and attribute values; #x0-#x8 and lone surrogates are refused', async () => {
    const queue = await createQueue('chars');
    await local.sqs.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'party 🎉 \u{10FFFF}', MessageAttributes: { mood: str('😀') } }),
    );
    expect(await drain(queue.url)).toEqual([{ body: 'party 🎉 \u{10FFFF}', attributes: { mood: str('😀') } }]);
    const invalid = {
      name: 'InvalidMessageContents',
      message:
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    };
    expect(await refusal(local.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'nul \u0000' })))).toEqual(invalid);
    expect(await refusal(local.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'lone \ud83d' })))).toEqual(invalid);
    expect(
      await refusal(
        local.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'ok', MessageAttributes: { a: str('tab\u0008') } })),
      ),
    ).toEqual({
      name: 'InvalidParameterValue',
      message: `Message (user) attribute 'a' value: ${invalid.message}`,
    });
  });
});

describe('SNS sizes and counts (SNS Developer Guide, "Amazon SNS message attributes")', () => {
  let topicArn: string;
  beforeAll(async () => {
    topicArn = (await local.sns.send(new CreateTopicCommand({ Name: name('sizes') }))).TopicArn as string;
  });
  const attrs = { attr1: num('1') }; // 5 + 6 + 1 bytes
  const limit = 256 * 1024;

  test('Publish counts attributes toward 256 KiB', async () => {
    await expect(
      local.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'a'.repeat(limit - 12), MessageAttributes: attrs })),
    ).resolves.toBeDefined();
    expect(
      await refusal(local.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'a'.repeat(limit - 11), MessageAttributes: attrs }))),
    ).toEqual({
      name: 'InvalidParameterException InvalidParameter',
      message: 'Invalid parameter: Message too long',
    });
  });

  test('PublishBatch caps the total at 256 KiB, attributes included', async () => {
    const entries = (extra: number) => [
      { Id: '1', Message: 'a'.repeat(limit - 12 - 1 + extra), MessageAttributes: attrs },
      { Id: '2', Message: 'b' },
    ];
    await expect(
      local.sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries(0) })),
    ).resolves.toBeDefined();
    expect(await refusal(local.sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries(1) })))).toEqual({
      name: 'BatchRequestTooLongException BatchRequestTooLong',
      message: 'The length of all the messages put together is more than the limit.',
    });
  });

  test('an empty message is refused, alone and in a batch entry; a bad attribute name fails the request', async () => {
    expect(await refusal(local.sns.send(new PublishCommand({ TopicArn: topicArn, Message: '' })))).toEqual({
      name: 'InvalidParameterException InvalidParameter',
      message: 'Invalid parameter: Empty message',
    });
    const result = await local.sns.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [
          { Id: 'ok', Message: 'x' },
          { Id: 'empty', Message: '' },
        ],
      }),
    );
    expect(result.Successful?.map((s) => s.Id)).toEqual(['ok']);
    expect(result.Failed?.map((f) => `${f.Id} ${f.Code}: ${f.Message}`)).toEqual([
      'empty InvalidParameter: Invalid parameter: Empty message',
    ]);
    expect(
      await refusal(local.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'x', MessageAttributes: { 'a..b': str('x') } }))),
    ).toEqual({
      name: 'InvalidParameterValueException ParameterValueInvalid',
      message: "Message attribute name can not have successive '.' character.",
    });
  });

  test('raw delivery to SQS carries at most 10 attributes: with more, that delivery is discarded', async () => {
    const raw = await createQueue('raw');
    const wrapped = await createQueue('wrapped');
    await local.sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: raw.arn, Attributes: { RawMessageDelivery: 'true' } }),
    );
    await local.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: wrapped.arn }));
    const attributes = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, str('v')]));
    await local.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'ten', MessageAttributes: attributes(10) }));
    await local.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'eleven', MessageAttributes: attributes(11) }));
    expect((await drain(raw.url)).map((m) => m.body)).toEqual(['ten']);
    expect((await drain(wrapped.url)).map((m) => JSON.parse(m.body).Message)).toEqual(['ten', 'eleven']);
  });
});

describe('SNS deliveries larger than the subscribed queue accepts (SNS Developer Guide, "Amazon SNS dead-letter queues")', () => {
  let topicArn: string;
  beforeAll(async () => {
    topicArn = (await local.sns.send(new CreateTopicCommand({ Name: name('oversize') }))).TopicArn as string;
  });
  const small = { MaximumMessageSize: '1024' };
  /** Subscribes `queue`, with a dead-letter queue when `dlq` is given. */
  const subscribe = (queue: { arn: string }, raw: boolean, dlq?: { arn: string }) =>
    local.sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: queue.arn,
        Attributes: {
          RawMessageDelivery: String(raw),
          ...(dlq ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn }) } : {}),
        },
      }),
    );

  test("raw delivery: the message and its attributes over the queue's MaximumMessageSize go to the subscription DLQ, not the queue", async () => {
    const queue = await createQueue('raw-small', small);
    const dlq = await createQueue('raw-small-dlq');
    await subscribe(queue, true, dlq);
    // 1,014 body bytes + "a" + "String" + "xyz" = 1,024: fits; one byte more does not.
    await local.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'f'.repeat(1014), MessageAttributes: { a: str('xyz') } }));
    await local.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'o'.repeat(1015), MessageAttributes: { a: str('xyz') } }));
    expect((await drain(queue.url)).map((m) => m.body.length)).toEqual([1014]);
    const dead = await drain(dlq.url);
    expect(dead.map((m) => m.body)).toEqual(['o'.repeat(1015)]);
    expect(dead[0].attributes).toEqual({ a: expect.objectContaining({ DataType: 'String', StringValue: 'xyz' }) });
  });

  test('envelope delivery: the JSON envelope counts, so a message that fits raw can still be too large', async () => {
    const queue = await createQueue('wrapped-small', small);
    const dlq = await createQueue('wrapped-small-dlq');
    await subscribe(queue, false, dlq);
    await local.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'w'.repeat(900) }));
    expect(await drain(queue.url)).toEqual([]);
    const dead = await drain(dlq.url);
    expect(dead.map((m) => JSON.parse(m.body))).toEqual([expect.objectContaining({ Type: 'Notification', Message: 'w'.repeat(900) })]);
  });

  test('without a dead-letter queue the delivery is lost; other subscriptions of the topic still get the message', async () => {
    const queue = await createQueue('lost-small', small);
    const roomy = await createQueue('roomy');
    await subscribe(queue, true);
    await subscribe(roomy, true);
    await local.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'l'.repeat(2000) }));
    expect(await drain(queue.url)).toEqual([]);
    expect((await drain(roomy.url)).map((m) => m.body.length)).toContain(2000);
  });

  test('a dead-letter queue too small for the delivery loses it too', async () => {
    const queue = await createQueue('both-small', small);
    const dlq = await createQueue('both-small-dlq', small);
    await subscribe(queue, true, dlq);
    await local.sns.send(
      new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: [{ Id: '1', Message: 'd'.repeat(2000) }] }),
    );
    expect(await drain(queue.url)).toEqual([]);
    expect(await drain(dlq.url)).toEqual([]);
  });
});

describe('FIFO high throughput: deduplication per message group (SQS and SNS developer guides)', () => {
  const highThroughput = { FifoQueue: 'true', DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' };
  const send = (url: string, group: string, body: string, dedup?: string) =>
    local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageGroupId: group, MessageDeduplicationId: dedup }));

  test('DeduplicationScope messageGroup: the same id in two groups delivers both, twice in one group once', async () => {
    const queue = await createQueue('ht', highThroughput);
    const first = await send(queue.url, 'g1', 'one', 'same');
    await send(queue.url, 'g2', 'two', 'same');
    const again = await send(queue.url, 'g1', 'one again', 'same');
    expect(again.MessageId).toBe(first.MessageId);
    expect((await drain(queue.url)).map((m) => m.body).sort()).toEqual(['one', 'two']);
  });

  test('with content-based deduplication, the same body in two groups delivers both', async () => {
    const queue = await createQueue('ht-cbd', { ...highThroughput, ContentBasedDeduplication: 'true' });
    await send(queue.url, 'g1', 'same body');
    await send(queue.url, 'g2', 'same body');
    await send(queue.url, 'g2', 'same body');
    expect((await drain(queue.url)).map((m) => m.body)).toEqual(['same body', 'same body']);
  });

  test('an SNS FIFO topic with FifoThroughputScope MessageGroup fans the same id in two groups out to such a queue', async () => {
    const topic: CreateTopicCommandInput = {
      Name: `${name('ht-topic')}.fifo`,
      Attributes: { FifoTopic: 'true', FifoThroughputScope: 'MessageGroup' },
    };
    const topicArn = (await local.sns.send(new CreateTopicCommand(topic))).TopicArn as string;
    const queue = await createQueue('ht-sub', highThroughput);
    await local.sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn, Attributes: { RawMessageDelivery: 'true' } }),
    );
    for (const [group, body] of [
      ['g1', 'one'],
      ['g2', 'two'],
      ['g1', 'one again'],
    ]) {
      await local.sns.send(
        new PublishCommand({ TopicArn: topicArn, Message: body, MessageGroupId: group, MessageDeduplicationId: 'same' }),
      );
    }
    expect((await drain(queue.url)).map((m) => m.body).sort()).toEqual(['one', 'two']);
  });

  test('an SNS FIFO topic with the default (Topic) scope deduplicates across groups before any subscriber, standard queues included', async () => {
    const topicArn = (
      await local.sns.send(new CreateTopicCommand({ Name: `${name('topic-scope')}.fifo`, Attributes: { FifoTopic: 'true' } }))
    ).TopicArn as string;
    const standard = await createQueue('standard-sub');
    await local.sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: standard.arn, Attributes: { RawMessageDelivery: 'true' } }),
    );
    const first = await local.sns.send(
      new PublishCommand({ TopicArn: topicArn, Message: 'one', MessageGroupId: 'g1', MessageDeduplicationId: 'same' }),
    );
    const second = await local.sns.send(
      new PublishCommand({ TopicArn: topicArn, Message: 'two', MessageGroupId: 'g2', MessageDeduplicationId: 'same' }),
    );
    expect(second.MessageId).toBe(first.MessageId);
    expect((await drain(standard.url)).map((m) => m.body)).toEqual(['one']);
  });
});
