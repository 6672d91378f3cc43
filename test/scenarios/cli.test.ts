import { CloudFormationClient, DescribeStacksCommand, type StackStatus } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { awsTarget, describeAwsError, requireOutput, TargetError, USABLE_STACK_STATUSES } from '../../local/target';
import { parseArgs } from '../../scripts/scenario';

describe('npm run scenario arguments', () => {
  test('defaults to the local target', () => {
    expect(parseArgs(['sqs-dlq'])).toEqual({ pattern: 'sqs-dlq', target: 'local', stackName: undefined, region: undefined });
    expect(parseArgs(['sqs-dlq', '--target', 'aws', '--stack-name', 'my-stack', '--region', 'eu-west-1'])).toEqual({
      pattern: 'sqs-dlq',
      target: 'aws',
      stackName: 'my-stack',
      region: 'eu-west-1',
    });
  });

  test.each([
    [[], 'which pattern?'],
    [['nope'], 'no scenario for nope'],
    [['sqs-dlq', '--target', 'cloud'], '--target must be local or aws, got cloud'],
    [['sqs-dlq', '--target'], '--target needs a value'],
    [['sqs-dlq', '--stack-name', 'x'], '--stack-name and --region apply to --target aws only'],
    [['sqs-dlq', '--verbose'], 'unknown option --verbose'],
    [['sqs-dlq', 'extra'], 'unexpected argument extra'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('a deployed stack that cannot be reached says why in one line', () => {
  test.each([
    [
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      /^no AWS credentials: set AWS_PROFILE/,
    ],
    [
      Object.assign(new Error('Stack with id Decoupling-SqsDlq does not exist'), { name: 'ValidationError' }),
      /^stack Decoupling-SqsDlq not found in eu-west-1: deploy it/,
    ],
    [new Error('Region is missing'), /^no AWS region: set AWS_REGION/],
    [
      Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }),
      /^cannot read stack Decoupling-SqsDlq in eu-west-1: Throttling: Rate exceeded$/,
    ],
  ])('%s', (error, message) => {
    expect(describeAwsError(error, 'Decoupling-SqsDlq', 'eu-west-1').message).toMatch(message);
  });

  test('a missing output names the stack and the output', () => {
    expect(() => requireOutput({}, 'Decoupling-SqsDlq', 'QueueUrl')).toThrow(
      new TargetError('stack Decoupling-SqsDlq has no output QueueUrl: redeploy it with this version of the app'),
    );
  });

  test('no credentials anywhere: the AWS target fails fast with the credentials message', async () => {
    const saved = { ...process.env };
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete process.env[key];
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    try {
      await expect(awsTarget({ region: 'eu-west-1' }).outputs('Decoupling-SqsDlq')).rejects.toThrow(/^no AWS credentials/);
    } finally {
      process.env = saved;
    }
  });
});

describe('the aws target reads outputs only from a usable stack', () => {
  // Mocked only here: the tests above reach the real client's credential chain.
  let cloudformation: ReturnType<typeof mockClient>;
  beforeAll(() => {
    cloudformation = mockClient(CloudFormationClient);
  });
  afterEach(() => cloudformation.reset());
  afterAll(() => cloudformation.restore());
  const stackIn = (StackStatus: StackStatus) =>
    cloudformation.on(DescribeStacksCommand).resolves({
      Stacks: [
        { StackName: 'Decoupling-SqsDlq', StackStatus, CreationTime: new Date(0), Outputs: [{ OutputKey: 'QueueUrl', OutputValue: 'q' }] },
      ],
    });

  test.each(USABLE_STACK_STATUSES)('%s: its outputs', async (status) => {
    stackIn(status as StackStatus);
    await expect(awsTarget({ region: 'eu-west-1' }).outputs('Decoupling-SqsDlq')).resolves.toEqual({ QueueUrl: 'q' });
  });

  test.each(['ROLLBACK_COMPLETE', 'UPDATE_IN_PROGRESS', 'DELETE_COMPLETE', 'UPDATE_ROLLBACK_FAILED'])(
    '%s: refused with the state',
    async (status) => {
      stackIn(status as StackStatus);
      await expect(awsTarget({ region: 'eu-west-1' }).outputs('Decoupling-SqsDlq')).rejects.toThrow(
        `stack Decoupling-SqsDlq is ${status}: deploy it first (npx cdk deploy Decoupling-SqsDlq)`,
      );
    },
  );
});
