import { type CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { DeadLetterQueue } from '../shared/dead-letter-queue';
import { guardInteger, guardRange, PropError } from '../shared/guards';
import { HandlerFunction } from '../shared/handler-function';
import { S3_OBJECTS, SQS } from '../shared/limits';
import { acknowledge } from '../shared/nag';
import { SecureTable } from '../shared/secure-table';

/** The content types the submitter accepts by default: CSV and plain text. */
export const DEFAULT_CONTENT_TYPES = ['text/csv', 'application/csv', 'text/plain'];

/** Props of {@link JobSubmitter}. */
export interface JobSubmitterProps {
  /** The bucket whose uploads start jobs. */
  readonly bucket: s3.IBucket;
  /** Only objects under this prefix start jobs (the notification's prefix filter). */
  readonly inputPrefix: string;
  /**
   * Only objects whose key ends with this start jobs (the notification's suffix filter).
   * @default '.csv'
   */
  readonly inputSuffix?: string;
  /** The queue for ordinary objects. */
  readonly jobQueue: batch.IJobQueue;
  /** The queue for objects of `largeObjectSize` or more. */
  readonly largeObjectQueue: batch.IJobQueue;
  /** The job definition the jobs run. */
  readonly jobDefinition: batch.EcsJobDefinition;
  /**
   * Objects of this size or more go to `largeObjectQueue`.
   * @default 1 GiB
   */
  readonly largeObjectSize?: number;
  /**
   * Larger objects are logged and skipped.
   * @default 5 GiB (the largest single PUT)
   */
  readonly maxObjectSize?: number;
  /**
   * Content types that start a job; others are logged and skipped.
   * @default text/csv, application/csv, text/plain
   */
  readonly contentTypes?: string[];
  /**
   * How long a submission is remembered: within it, a repeated event for the same object version
   * starts no second job.
   * @default Duration.days(30)
   */
  readonly submissionRetention?: Duration;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the table, queues and log group.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Where the failure queue's alarm notifies.
   * @default - no actions
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/** The function's timeout; a claim on an object version expires after it (a crashed invocation's claim is taken over). */
export const SUBMITTER_TIMEOUT = Duration.seconds(30);

/**
 * The Lambda function S3 invokes for each new object under the input prefix: it validates the event
 * (key, size, content type), then submits one Batch job per object version, idempotently. The job's
 * name is derived from bucket, key and version; a conditional write of that name to the submissions
 * table (Batch does not deduplicate names) makes a repeated event start no second job, and a
 * takeover after a crash looks the name up with ListJobs before it submits. Throttled calls are
 * retried by the SDK (adaptive mode), then by Lambda (two retries), then the event goes to the
 * failure queue, which raises an alarm. A bad key, size or content type is logged and skipped.
 */
export class JobSubmitter extends Construct {
  /** The function. */
  public readonly function: HandlerFunction;
  /** One item per object version: the claim, then the job it started. */
  public readonly submissions: SecureTable;
  /** Events the function still failed on after Lambda's retries (on-failure destination). */
  public readonly failures: DeadLetterQueue;

  public constructor(scope: Construct, id: string, props: JobSubmitterProps) {
    super(scope, id);
    const inputSuffix = props.inputSuffix ?? '.csv';
    const largeObjectSize = props.largeObjectSize ?? S3_OBJECTS.defaultLargeObjectBytes;
    const maxObjectSize = props.maxObjectSize ?? S3_OBJECTS.defaultMaxObjectBytes;
    const contentTypes = props.contentTypes ?? DEFAULT_CONTENT_TYPES;
    const submissionRetention = props.submissionRetention ?? Duration.days(30);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    guardRange(this, 'largeObjectSize', largeObjectSize, S3_OBJECTS.objectBytes);
    guardRange(this, 'maxObjectSize', maxObjectSize, S3_OBJECTS.objectBytes);
    guardInteger(this, 'submissionRetention', submissionRetention.toDays({ integral: false }), { min: 1, max: 365, unit: 'days' });
    if (props.inputPrefix === '' || !props.inputPrefix.endsWith('/')) {
      throw new PropError(this, 'inputPrefix', `= ${JSON.stringify(props.inputPrefix)} must be a folder-like prefix ending in /`);
    }
    if (contentTypes.length === 0 || contentTypes.some((t) => !/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(t))) {
      throw new PropError(this, 'contentTypes', `= ${JSON.stringify(contentTypes)} must be type/subtype values in lower case`);
    }

    this.submissions = new SecureTable(this, 'Submissions', { partitionKey: 'id', timeToLiveAttribute: 'expiresAt', removalPolicy });
    this.failures = new DeadLetterQueue(this, 'Failures', {
      purpose: 'the job submitter (S3 events it could not submit after its retries)',
      // Lambda's on-failure record wraps the S3 event with the request and the error: allow the most SQS takes.
      maxMessageSizeBytes: SQS.maxMessageSizeBytes.max,
      removalPolicy,
      alarmAction: props.alarmAction,
    });
    this.function = new HandlerFunction(this, 'Function', {
      entry: 's3-batch/submitter.ts',
      description: 'Submits one AWS Batch job per uploaded object version, idempotently',
      serviceName: 's3-batch-submitter',
      timeout: SUBMITTER_TIMEOUT,
      memorySize: 256,
      logRetention: props.logRetention,
      removalPolicy,
      environment: {
        SUBMISSIONS_TABLE_NAME: this.submissions.table.tableName,
        JOB_QUEUE_ARN: props.jobQueue.jobQueueArn,
        LARGE_OBJECT_JOB_QUEUE_ARN: props.largeObjectQueue.jobQueueArn,
        JOB_DEFINITION_ARN: props.jobDefinition.jobDefinitionArn,
        INPUT_PREFIX: props.inputPrefix,
        INPUT_SUFFIX: inputSuffix,
        LARGE_OBJECT_BYTES: String(largeObjectSize),
        MAX_OBJECT_BYTES: String(maxObjectSize),
        CONTENT_TYPES: contentTypes.join(','),
        SUBMISSION_RETENTION_DAYS: String(submissionRetention.toDays()),
        CLAIM_LEASE_SECONDS: String(SUBMITTER_TIMEOUT.toSeconds()),
        // Throttled SubmitJob calls (50 per second per account) back off on the client first.
        AWS_RETRY_MODE: 'adaptive',
        AWS_MAX_ATTEMPTS: '6',
      },
    });
    this.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.failures.queue),
    });

    // HeadObject (content type, current ETag) under the input prefix only; of the event's version when it
    // names one (a versioned bucket), which takes s3:GetObjectVersion.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [props.bucket.arnForObjects(`${props.inputPrefix}*`)],
      }),
    );
    props.jobDefinition.grantSubmitJob(this.function, props.jobQueue);
    props.jobDefinition.grantSubmitJob(this.function, props.largeObjectQueue);
    // ListJobs has no resource-level permissions (Service Authorization Reference): Resource "*" in a
    // policy of its own, acknowledged there alone, so that a later wildcard grant is still reported.
    const listJobs = new iam.Policy(this.function.executionRole, 'ListJobs', {
      roles: [this.function.executionRole],
      statements: [new iam.PolicyStatement({ actions: ['batch:ListJobs'], resources: ['*'] })],
    });
    acknowledge(
      listJobs,
      'AwsSolutions-IAM5[Resource::*]',
      'batch:ListJobs (a takeover looks up the job name before submitting) does not support resource-level permissions (Service Authorization Reference).',
    );
    this.function.node.addDependency(listJobs);
    this.submissions.table.grant(this.function, 'dynamodb:PutItem', 'dynamodb:UpdateItem');

    const policy = this.function.executionRole.node.findChild('DefaultPolicy');
    const bucketId = Stack.of(this).getLogicalId(props.bucket.node.defaultChild as CfnElement);
    acknowledge(
      policy,
      `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${props.inputPrefix}*]`,
      'Uploaded objects have keys unknown in advance: HeadObject (of the current or the given version) is granted on the input prefix of the bucket only, GetObject and GetObjectVersion alone.',
    );
    acknowledge(
      this.function,
      'Serverless-LambdaDLQ',
      'Failed asynchronous invocations go to the on-failure destination (Failures, an EventInvokeConfig), which records the event and the error; a DeadLetterConfig queue would receive the same events without them.',
    );

    props.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(this.function), {
      prefix: props.inputPrefix,
      suffix: inputSuffix,
    });
    // The notification is configured by CDK's BucketNotifications custom resource, one per stack.
    const notificationsHandler = Stack.of(this)
      .node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'))
      ?.node.tryFindChild('Role');
    if (notificationsHandler) {
      acknowledge(
        notificationsHandler,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's BucketNotifications custom resource handler (deployment time only) writes its logs with the AWS managed basic execution policy; its other permission is PutBucketNotification.",
      );
    }
  }
}
