import { snsCanUseQueueKey, snsMayInvoke } from '../../local/delivery-checks';
import type { Template } from '../../local/template';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:topic';
/** Resolves `{Ref: Topic}` to the topic ARN and `{Ref: Fn}` to the function name, anywhere in a value. */
function identity(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(identity);
  if (value && typeof value === 'object') {
    if ('Ref' in value) return (value as { Ref: string }).Ref === 'Topic' ? TOPIC : 'fn-name';
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, identity(v)]));
  }
  return value;
}

function keyTemplate(statements: unknown[], kmsKeyId: unknown = { 'Fn::GetAtt': ['Key', 'Arn'] }): Template {
  return {
    Resources: {
      Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: statements } } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { KmsMasterKeyId: kmsKeyId } },
    },
  };
}

describe('can SNS encrypt for a queue?', () => {
  const root = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'kms:*', Resource: '*' };
  test.each<[string, Template, boolean]>([
    ['no key (SSE-SQS)', { Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: {} } } }, true],
    [
      'a statement for SNS and this topic',
      keyTemplate([
        root,
        {
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Condition: { ArnEquals: { 'aws:SourceArn': { Ref: 'Topic' } } },
        },
      ]),
      true,
    ],
    [
      'wildcard actions and account condition',
      keyTemplate([
        { Effect: 'Allow', Principal: { Service: ['sns.amazonaws.com'] }, Action: 'kms:GenerateDataKey*', Resource: '*' },
        {
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'kms:Decrypt',
          Condition: { StringEquals: { 'aws:SourceAccount': '000000000000' } },
        },
      ]),
      true,
    ],
    ['only the account root statement', keyTemplate([root]), false],
    [
      'SNS may decrypt but not generate data keys',
      keyTemplate([root, { Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'kms:Decrypt' }]),
      false,
    ],
    [
      'a statement for another topic',
      keyTemplate([
        {
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'kms:*',
          Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:000000000000:other' } },
        },
      ]),
      false,
    ],
    ['the AWS managed key', keyTemplate([], 'alias/aws/sqs'), false],
    ['a key from outside the template (cannot be checked)', keyTemplate([], 'arn:aws:kms:us-east-1:111122223333:key/x'), true],
  ])('%s', (_name, template, ok) => {
    expect(snsCanUseQueueKey(template, 'Queue', TOPIC, '000000000000', identity).ok).toBe(ok);
  });

  test('the reason names the key, the queue and the missing actions', () => {
    expect(snsCanUseQueueKey(keyTemplate([]), 'Queue', TOPIC, '000000000000', identity).reason).toBe(
      'the policy of key Key (queue Queue) does not let sns.amazonaws.com kms:GenerateDataKey and kms:Decrypt for this topic',
    );
  });
});

describe('may SNS invoke a function?', () => {
  const permission = (props: Record<string, unknown>): Template => ({
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function' },
      Permission: {
        Type: 'AWS::Lambda::Permission',
        Properties: { FunctionName: { Ref: 'Fn' }, Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', ...props },
      },
    },
  });
  test.each<[string, Template, boolean]>([
    ['a permission for this topic', permission({ SourceArn: { Ref: 'Topic' } }), true],
    ['a permission without a source', permission({}), true],
    ['a permission for another topic', permission({ SourceArn: 'arn:aws:sns:us-east-1:000000000000:other' }), false],
    ['a permission for another principal', permission({ Principal: 's3.amazonaws.com' }), false],
    ['no permission at all', { Resources: { Fn: { Type: 'AWS::Lambda::Function' } } }, false],
  ])('%s', (_name, template, ok) => {
    expect(snsMayInvoke(template, ['fn-name'], 'Fn', TOPIC, identity).ok).toBe(ok);
  });
});
