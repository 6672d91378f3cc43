import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { STACK_IDS } from '../../lib/app';
import { JOB_COMMAND, JOB_COMPUTE, S3BatchStack } from '../../lib/s3-batch';
import { appTemplate, NO_BUNDLING, settings } from '../helpers';
import { variantMatrix } from './variant-matrix';

const ID = STACK_IDS.s3Batch;
const ref = (prefix: string) => ({ Ref: Match.stringLikeRegexp(`^${prefix}`) });
const arnOf = (prefix: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}`), attribute] });

describe('Decoupling-S3Batch, sandbox profile', () => {
  const template = appTemplate(ID);

  test('snapshot (asset hashes normalised)', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('input bucket: encrypted, TLS only, public access blocked; processed inputs expire after 7 days, the rest after 90', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: Match.objectLike({ DestinationBucketName: ref('DataAccessLogs') }),
      LifecycleConfiguration: {
        Rules: [
          { AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, ExpirationInDays: 90, Status: 'Enabled' },
          { ExpirationInDays: 7, Id: 'ProcessedInputs', Prefix: 'incoming/', Status: 'Enabled' },
        ],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref('DataBucket'),
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  test('an event notification on the input prefix and suffix invokes the submitter', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: ref('DataBucket'),
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: {
              Key: {
                FilterRules: [
                  { Name: 'suffix', Value: '.csv' },
                  { Name: 'prefix', Value: 'incoming/' },
                ],
              },
            },
            LambdaFunctionArn: arnOf('SubmitterFunction'),
          },
        ],
      },
    });
  });

  test('submitter: 30 s, retried twice asynchronously then sent to its failure queue; what it validates against', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 30,
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: {
          SUBMISSIONS_TABLE_NAME: ref('SubmitterSubmissionsTable'),
          JOB_QUEUE_ARN: arnOf('QueuesJobs', 'JobQueueArn'),
          LARGE_OBJECT_JOB_QUEUE_ARN: arnOf('QueuesLargeObjectJobs', 'JobQueueArn'),
          JOB_DEFINITION_ARN: ref('JobDefinition'),
          INPUT_PREFIX: 'incoming/',
          INPUT_SUFFIX: '.csv',
          LARGE_OBJECT_BYTES: String(1024 ** 3),
          MAX_OBJECT_BYTES: String(5 * 1024 ** 3),
          CONTENT_TYPES: 'text/csv,application/csv,text/plain',
          SUBMISSION_RETENTION_DAYS: '30',
          CLAIM_LEASE_SECONDS: '30',
          AWS_RETRY_MODE: 'adaptive',
          AWS_MAX_ATTEMPTS: '6',
          POWERTOOLS_SERVICE_NAME: 's3-batch-submitter',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        },
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref('SubmitterFunction'),
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: { OnFailure: { Destination: arnOf('SubmitterFailuresQueue') } },
    });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  test('IAM: the submitter heads the input prefix (any version), submits to the two queues with the one definition, writes its table', () => {
    const readInput = {
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', [arnOf('DataBucket'), '/incoming/*']] },
    };
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^SubmitterFunctionRoleDefaultPolicy'),
      PolicyDocument: {
        Statement: Match.arrayWith([
          readInput,
          {
            Action: 'batch:SubmitJob',
            Effect: 'Allow',
            Resource: [arnOf('QueuesJobs', 'JobQueueArn'), arnOf('QueuesLargeObjectJobs', 'JobQueueArn'), ref('JobDefinition')],
          },
          { Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], Effect: 'Allow', Resource: arnOf('SubmitterSubmissionsTable') },
        ]),
      },
    });
    // Its only S3 statement is that one: no other action, no broader resource.
    const submitterS3 = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.startsWith('SubmitterFunctionRole'))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: unknown; Resource?: unknown }> }).Statement)
      .filter((st) => JSON.stringify(st.Action).includes('"s3:'));
    expect(submitterS3).toHaveLength(1);
    expect(submitterS3[0]).toEqual(expect.objectContaining({ Action: ['s3:GetObject', 's3:GetObjectVersion'], Effect: 'Allow' }));
    expect(JSON.stringify(submitterS3[0].Resource ?? null)).toMatch(/"\/incoming\/\*"\]\]\}$/);
    // ListJobs takes only Resource "*": alone in its own policy, where the nag acknowledgement sits.
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^SubmitterFunctionRoleListJobs'),
      PolicyDocument: { Statement: [{ Action: 'batch:ListJobs', Effect: 'Allow', Resource: '*' }], Version: '2012-10-17' },
    });
  });

  test('IAM: the job reads only the input prefix (any version) and writes only the output prefix', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ecs-tasks.amazonaws.com' } })] },
      Description: Match.stringLikeRegexp('read incoming/\\*, write results/\\*'),
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^JobJobRoleDefaultPolicy'),
      PolicyDocument: {
        Statement: [
          {
            Action: ['s3:GetObject', 's3:GetObjectVersion'],
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', [arnOf('DataBucket'), '/incoming/*']] },
          },
          {
            Action: 's3:ListBucket',
            Condition: { StringLike: { 's3:prefix': ['incoming/*'] } },
            Effect: 'Allow',
            Resource: arnOf('DataBucket'),
          },
          { Action: 's3:PutObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [arnOf('DataBucket'), '/results/*']] } },
        ],
        Version: '2012-10-17',
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^JobContainerExecutionRoleDefaultPolicy'),
      PolicyDocument: {
        Statement: [
          { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: arnOf('JobLogs') },
          Match.objectLike({ Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }),
          { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
        ],
        Version: '2012-10-17',
      },
    });
  });

  test('Fargate (default): one managed environment of at most 4 vCPUs in public subnets, no NAT gateway', () => {
    template.resourcePropertiesCountIs('AWS::Batch::ComputeEnvironment', {}, 1);
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      Type: 'managed',
      State: 'ENABLED',
      ComputeResources: {
        Type: 'FARGATE',
        MaxvCpus: 4,
        Subnets: [ref('NetworkVpcjobspublicSubnet1')],
        SecurityGroupIds: [arnOf('NetworkJobsSecurityGroup', 'GroupId')],
      },
    });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    template.hasResourceProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: true });
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Batch jobs'),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' })],
      SecurityGroupIngress: Match.absent(),
    });
  });

  test('two job queues with priorities on the same environment; a misconfigured job is cancelled after 30 minutes in RUNNABLE', () => {
    const cancel = (reason: string) => ({ Action: 'CANCEL', MaxTimeSeconds: 1800, Reason: reason, State: 'RUNNABLE' });
    for (const [prefix, priority] of [
      ['QueuesJobs', 10],
      ['QueuesLargeObjectJobs', 1],
    ] as const) {
      const [queue] = Object.entries(template.findResources('AWS::Batch::JobQueue')).filter(([id]) => id.startsWith(prefix));
      expect(queue[1].Properties).toMatchObject({
        Priority: priority,
        State: 'ENABLED',
        ComputeEnvironmentOrder: [
          { ComputeEnvironment: { 'Fn::GetAtt': [expect.stringMatching(/^QueuesFargate/), 'ComputeEnvironmentArn'] }, Order: 1 },
        ],
        JobStateTimeLimitActions: [
          cancel('MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE'),
          cancel('MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT'),
        ],
      });
    }
  });

  test('job definition: the image asset, Ref:: parameters, 0.25 vCPU / 512 MiB, a public IP, retries that skip what cannot succeed, a timeout', () => {
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      Type: 'container',
      PlatformCapabilities: ['FARGATE'],
      Parameters: { versionId: 'null' },
      PropagateTags: true,
      RetryStrategy: {
        Attempts: 3,
        EvaluateOnExit: [
          { Action: 'EXIT', OnExitCode: '64' },
          { Action: 'EXIT', OnExitCode: '65' },
        ],
      },
      Timeout: { AttemptDurationSeconds: 3600 },
      ContainerProperties: {
        Image: { 'Fn::Sub': Match.stringLikeRegexp('\\.dkr\\.ecr\\..*/cdk-hnb659fds-container-assets-.*:[0-9a-f]{64}$') },
        Command: JOB_COMMAND,
        Environment: [
          { Name: 'INPUT_PREFIX', Value: 'incoming/' },
          { Name: 'OUTPUT_PREFIX', Value: 'results/' },
          { Name: 'AWS_REGION', Value: { Ref: 'AWS::Region' } },
        ],
        ResourceRequirements: [
          { Type: 'MEMORY', Value: '512' },
          { Type: 'VCPU', Value: '0.25' },
        ],
        NetworkConfiguration: { AssignPublicIp: 'ENABLED' },
        RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
        ReadonlyRootFilesystem: true,
        JobRoleArn: arnOf('JobJobRole'),
        ExecutionRoleArn: arnOf('JobContainerExecutionRole'),
        LogConfiguration: {
          LogDriver: 'awslogs',
          Options: Match.objectLike({ 'awslogs-group': ref('JobLogs'), 'awslogs-stream-prefix': 'job' }),
        },
      },
    });
    expect(JOB_COMMAND).toEqual([
      'node',
      'job.js',
      '--bucket',
      'Ref::bucket',
      '--key',
      'Ref::key',
      '--etag',
      'Ref::etag',
      '--version-id',
      'Ref::versionId',
    ]);
  });

  test('job state changes: outcomes to the notification queue, FAILED jobs to a queue whose alarm fires on the first one', () => {
    const pattern = (status: string[]) => ({
      source: ['aws.batch'],
      'detail-type': ['Batch Job State Change'],
      detail: { jobQueue: [arnOf('QueuesJobs', 'JobQueueArn'), arnOf('QueuesLargeObjectJobs', 'JobQueueArn')], status },
    });
    const target = (queue: string) => [
      {
        Arn: arnOf(queue),
        Id: 'Target0',
        DeadLetterConfig: { Arn: arnOf('JobStatesEventsDeadLetterQueue') },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      },
    ];
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: pattern(['SUCCEEDED', 'FAILED']),
      State: 'ENABLED',
      Targets: target('JobStatesNotificationsQueue'),
    });
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: pattern(['FAILED']), Targets: target('JobStatesFailedJobsQueue') });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref('JobStatesNotificationsQueue')],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: Match.arrayWith(['sqs:SendMessage']),
            Condition: { ArnEquals: { 'aws:SourceArn': arnOf('JobStatesStateChangeRule') } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('FAILED Batch jobs'),
      Dimensions: [{ Name: 'QueueName', Value: arnOf('JobStatesFailedJobsQueue', 'QueueName') }],
      Threshold: 1,
      EvaluationPeriods: 1,
      AlarmActions: [ref('AlarmsTopic')],
    });
    // The events dead-letter queue is a standard queue: EventBridge refuses FIFO dead-letter queues.
    const deadLetters = Object.entries(template.findResources('AWS::SQS::Queue')).find(([id]) =>
      id.startsWith('JobStatesEventsDeadLetterQueue'),
    );
    expect(deadLetters?.[1].Properties.FifoQueue).toBeUndefined();
    // It holds the largest event EventBridge accepts with the attributes EventBridge adds to a dead letter.
    expect(deadLetters?.[1].Properties.MaximumMessageSize).toBe(1024 * 1024);
  });

  test('every log group keeps 7 days; outputs for the bucket, queues, definition and notification queue', () => {
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) expect(group.Properties.RetentionInDays).toBe(7);
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(
      [
        'AlarmTopicArn',
        'BucketName',
        'ComputeKind',
        'EventsDeadLetterQueueUrl',
        'FailedJobsQueueUrl',
        'InputPrefix',
        'InputSuffix',
        'JobDefinitionArn',
        'JobLogGroupName',
        'JobQueueArn',
        'LargeObjectBytes',
        'LargeObjectJobQueueArn',
        'NotificationDeadLetterQueueUrl',
        'NotificationQueueUrl',
        'OutputPrefix',
        'SubmissionsTableName',
        'SubmitterFailuresQueueUrl',
        'SubmitterLogGroupName',
      ].sort(),
    );
  });
});

describe('Decoupling-S3Batch, production profile', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 's3-batch-production-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ context: NO_BUNDLING, outdir });
  const template = Template.fromStack(new S3BatchStack(app, 'Prod', { settings: settings('production') }));

  test('private subnets in two AZs without NAT; endpoints for ECR, S3 and CloudWatch Logs; no public IP', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false }, 2);
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((e) => e.Properties);
    const service = (e: { ServiceName: unknown }) => JSON.stringify(e.ServiceName).replace(/.*\.(ecr\.api|ecr\.dkr|logs|s3)".*/, '$1');
    expect(endpoints.map(service).sort()).toEqual(['ecr.api', 'ecr.dkr', 'logs', 's3']);
    for (const e of endpoints.filter((p) => p.VpcEndpointType === 'Interface')) {
      expect(e).toMatchObject({
        PrivateDnsEnabled: true,
        SecurityGroupIds: [{ 'Fn::GetAtt': [expect.stringMatching(/^NetworkEndpointsSecurityGroup/), 'GroupId'] }],
      });
    }
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      SourceSecurityGroupId: arnOf('NetworkJobsSecurityGroup', 'GroupId'),
    });
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      ContainerProperties: Match.objectLike({ NetworkConfiguration: { AssignPublicIp: 'DISABLED' } }),
    });
  });

  test('16 vCPUs at most; data and logs retained, logs for a year', () => {
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: Match.objectLike({ MaxvCpus: 16 }) });
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) expect(group.Properties.RetentionInDays).toBe(365);
    for (const resource of Object.values(template.findResources('AWS::S3::Bucket'))) expect(resource.DeletionPolicy).toBe('Retain');
    for (const resource of Object.values(template.findResources('AWS::DynamoDB::GlobalTable')))
      expect(resource.DeletionPolicy).toBe('Retain');
  });

  // The synthesis above staged the image asset in `outdir`.
  const manifest = JSON.parse(readFileSync(path.join(outdir, 'Prod.assets.json'), 'utf8')) as {
    dockerImages: Record<string, { source: { directory: string; platform?: string } }>;
  };

  test('the job image asset is staged by synth, without Docker: the Dockerfile and the job, no node_modules', () => {
    const images = Object.values(manifest.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0].source.platform).toBe('linux/amd64');
    const dir = path.join(outdir, images[0].source.directory);
    expect(readdirSync(dir).sort()).toEqual(['.dockerignore', 'Dockerfile', 'job.js', 'package-lock.json', 'package.json']);
    expect(existsSync(path.join(dir, 'node_modules'))).toBe(false);
  });

  test('the Dockerfile installs what the job needs on the build platform and runs the job as a non-root user', () => {
    const dockerfile = readFileSync(path.join(__dirname, '..', '..', 'containers', 's3-batch', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM --platform=\$BUILDPLATFORM public\.ecr\.aws\/docker\/library\/node:24-slim AS dependencies$/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev --ignore-scripts/m);
    expect(dockerfile).toMatch(/^COPY --from=dependencies \/app\/node_modules \.\/node_modules$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    const job = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'containers', 's3-batch', 'package.json'), 'utf8'));
    expect(Object.keys(job.dependencies)).toEqual(['@aws-sdk/client-s3']);
  });
});

describe('every other compute variant (what each adds to the default stack; the whole-app test synthesizes it with Validate and cdk-nag)', () => {
  const template = Template.fromStack(variantMatrix(new App({ context: NO_BUNDLING })));

  test('Fargate Spot: a FARGATE_SPOT environment, a Fargate job definition', () => {
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'FARGATE_SPOT', MaxvCpus: 4 }),
    });
    template.resourcePropertiesCountIs('AWS::Batch::JobDefinition', { PlatformCapabilities: ['FARGATE'] }, 1);
  });

  test('EC2 and EC2 Spot: instance families of the job’s architecture, min vCPU 0, max bounded, Amazon Linux 2023, IMDSv2, an encrypted root volume', () => {
    for (const type of ['EC2', 'SPOT']) {
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        Type: 'managed',
        ComputeResources: Match.objectLike({
          Type: type,
          MinvCpus: 0,
          MaxvCpus: 4,
          InstanceTypes: ['m7i', 'c7i'],
          LaunchTemplate: Match.objectLike({ LaunchTemplateId: Match.anyValue() }),
          Ec2Configuration: [{ ImageType: 'ECS_AL2023' }],
          ...(type === 'SPOT' ? { AllocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED' } : {}),
        }),
      });
    }
    template.resourcePropertiesCountIs(
      'AWS::EC2::LaunchTemplate',
      {
        LaunchTemplateData: Match.objectLike({
          MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
          BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeSize: 30 } }],
        }),
      },
      2,
    );
    template.resourcePropertiesCountIs(
      'AWS::Batch::JobDefinition',
      {
        PlatformCapabilities: ['EC2'],
        ContainerProperties: Match.objectLike({
          NetworkConfiguration: Match.absent(),
          ResourceRequirements: [
            { Type: 'MEMORY', Value: '1024' },
            { Type: 'VCPU', Value: '1' },
          ],
        }),
      },
      3,
    );
  });

  test('unmanaged: an UNMANAGED environment (you bring the ECS instances) and an EC2 job definition', () => {
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { Type: 'unmanaged', ComputeResources: Match.absent() });
    expect(JOB_COMPUTE.unmanaged()).toMatchObject({ kind: 'unmanaged', platform: 'EC2', managed: false });
  });

  test('EC2 in private subnets: the ECS endpoints too, so instances can join the cluster', () => {
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint'))
      .filter((e) => JSON.stringify(e.Properties.VpcId).includes('PrivateEc2'))
      .map((e) => JSON.stringify(e.Properties.ServiceName).replace(/.*\.(ecr\.api|ecr\.dkr|logs|s3|ecs-agent|ecs-telemetry|ecs)".*/, '$1'));
    expect(endpoints.sort()).toEqual(['ecr.api', 'ecr.dkr', 'ecs', 'ecs-agent', 'ecs-telemetry', 'logs', 's3']);
  });
});
