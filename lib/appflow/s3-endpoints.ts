import { Stack, Token } from 'aws-cdk-lib';
import type { CfnFlow } from 'aws-cdk-lib/aws-appflow';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { guardRange, PropError } from '../shared/guards';
import { APPFLOW } from '../shared/limits';
import { CONNECTORS } from './connectors';
import type { FlowIdentity, IFlowDestination, IFlowSource } from './source';

/**
 * The Amazon S3 actions AppFlow needs on a source bucket (User Guide, "Amazon S3 bucket policies for
 * Amazon AppFlow"), split by the resource each applies to: the bucket, or the objects of the folder.
 */
export const S3_SOURCE_ACTIONS = { bucket: ['s3:ListBucket'], objects: ['s3:GetObject'] } as const;
/** The Amazon S3 actions AppFlow needs on a destination bucket (same page), split the same way. */
export const S3_DESTINATION_ACTIONS = {
  bucket: ['s3:ListBucketMultipartUploads', 's3:GetBucketAcl'],
  objects: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:PutObjectAcl'],
} as const;

const APPFLOW_PRINCIPAL = new iam.ServicePrincipal('appflow.amazonaws.com');

/** A folder prefix without leading or trailing slashes, checked against AppFlow's limit. */
function folder(flow: FlowIdentity, prop: string, prefix: string): string {
  guardRange(flow.scope, `${prop}.length`, prefix.length, APPFLOW.bucketPrefixLength);
  return prefix.replace(/^\/+|\/+$/g, '');
}

/**
 * The conditions of every statement that lets AppFlow at a bucket or key: requests made for this
 * account only (`aws:SourceAccount`, which AppFlow sends), and, when AppFlow names the flow
 * (`aws:SourceArn`), for this flow only. `IfExists` keeps the flow working should AppFlow not send a
 * source ARN for a call: AppFlow checks bucket access when it creates the flow, so a condition it
 * cannot meet fails the deployment.
 */
function conditions(flow: FlowIdentity): Record<string, Record<string, unknown>> {
  return {
    StringEquals: { 'aws:SourceAccount': Stack.of(flow.scope).account },
    ArnEqualsIfExists: { 'aws:SourceArn': flow.flowArn },
  };
}

function sid(flow: FlowIdentity, role: 'Source' | 'Destination', part = ''): string {
  return `AllowAppFlow${role}${part}${flow.scope.node.id.replace(/[^A-Za-z0-9]/g, '')}`;
}

/**
 * The two statements of one role: bucket-level actions on the bucket ARN, object-level actions on
 * the folder's objects, so that neither action is granted on a resource it does not apply to.
 * `s3:ListBucket` carries no `s3:prefix` condition: AppFlow's documented policy grants it on the
 * bucket without one, and the prefix AppFlow lists with (when it checks access at flow creation and
 * at each run) is not documented, so a condition could fail the deployment.
 */
function allowBucketAndObjects(
  bucket: s3.IBucket,
  flow: FlowIdentity,
  role: 'Source' | 'Destination',
  actions: { readonly bucket: readonly string[]; readonly objects: readonly string[] },
  objects: string,
): void {
  for (const [part, statementActions, resource] of [
    ['Bucket', actions.bucket, bucket.bucketArn],
    ['Objects', actions.objects, objects],
  ] as const) {
    allow(
      bucket,
      new iam.PolicyStatement({
        sid: sid(flow, role, part),
        principals: [APPFLOW_PRINCIPAL],
        actions: [...statementActions],
        resources: [resource],
        conditions: conditions(flow),
      }),
      flow,
    );
  }
}

function allow(bucket: s3.IBucket, statement: iam.PolicyStatement, flow: FlowIdentity): void {
  if (!bucket.addToResourcePolicy(statement).statementAdded) {
    throw new PropError(
      flow.scope,
      'bucket',
      `${bucket.bucketName}: its bucket policy cannot be changed from this stack (an imported bucket): add the statement for appflow.amazonaws.com yourself and pass a bucket of this stack`,
    );
  }
  // AppFlow checks its access to the bucket when it creates the flow: the policy comes first.
  if (bucket.policy) flow.scope.node.addDependency(bucket.policy);
}

function allowKey(bucket: s3.IBucket, actions: string[], flow: FlowIdentity, role: 'Source' | 'Destination'): void {
  const key = bucket.encryptionKey;
  if (!key) return;
  const added = key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: sid(flow, role, 'Key'),
      principals: [APPFLOW_PRINCIPAL],
      actions,
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(flow.scope).account } },
    }),
    true,
  );
  if (!added.statementAdded) {
    throw new PropError(
      flow.scope,
      'bucket.encryptionKey',
      'is imported: its key policy must let appflow.amazonaws.com use it; pass a key of this stack',
    );
  }
}

/** The file type AppFlow reads from an Amazon S3 source. */
export type S3InputFormat = 'CSV' | 'JSON';

/** Props of {@link S3Source}. */
export interface S3SourceProps {
  /** The bucket, of this stack (its policy gets AppFlow's statement), in the flow's Region and account. */
  readonly bucket: s3.IBucket;
  /** The folder the source files are in (AppFlow reads every file under it on every run). Required: AppFlow reads files in a folder, not a bucket's root. */
  readonly prefix: string;
  /** CSV files with a header row, or JSON Lines (one object per line). */
  readonly format: S3InputFormat;
}

/**
 * Files under a folder of an Amazon S3 bucket. Binding adds the bucket policy statements AppFlow
 * needs (`s3:ListBucket` on the bucket, `s3:GetObject` on the folder's objects) for this account and flow, and
 * the key policy statement (`kms:Decrypt`) when the bucket is encrypted with a key of this stack.
 */
export class S3Source implements IFlowSource {
  public readonly connector = CONNECTORS.S3;

  public constructor(private readonly props: S3SourceProps) {}

  public bind(flow: FlowIdentity): CfnFlow.SourceFlowConfigProperty {
    const { bucket, format } = this.props;
    const prefix = folder(flow, 'source.prefix', this.props.prefix);
    if (prefix === '') {
      throw new PropError(
        flow.scope,
        'source.prefix',
        'is empty: AppFlow reads Amazon S3 source files from a folder, not from the bucket root',
      );
    }
    if (!Token.isUnresolved(format) && format !== 'CSV' && format !== 'JSON') {
      throw new PropError(flow.scope, 'source.format', `= ${JSON.stringify(format)}: allowed CSV, JSON`);
    }
    allowBucketAndObjects(bucket, flow, 'Source', S3_SOURCE_ACTIONS, bucket.arnForObjects(`${prefix}/*`));
    allowKey(bucket, ['kms:Decrypt'], flow, 'Source');
    return {
      connectorType: this.connector.type,
      sourceConnectorProperties: {
        s3: { bucketName: bucket.bucketName, bucketPrefix: prefix, s3InputFormatConfig: { s3InputFileType: format } },
      },
    };
  }
}

/** The file type AppFlow writes. */
export type S3OutputFileType = 'CSV' | 'JSON' | 'PARQUET';

/** How AppFlow groups a run's records into files. */
export interface S3Aggregation {
  /** `None`: files as the source pages them; `SingleFile`: one file per run (split at `targetFileSizeMb`). */
  readonly type: 'None' | 'SingleFile';
  /**
   * With `SingleFile`: the size AppFlow aims at for each file, in MB.
   * @default - AppFlow's default
   */
  readonly targetFileSizeMb?: number;
}

/** What AppFlow puts in the destination folder and file names. */
export interface S3PrefixConfig {
  /** Whether the date goes into the path, the file name, or both. */
  readonly type: 'PATH' | 'FILENAME' | 'PATH_AND_FILENAME';
  /**
   * How precise the date is.
   * @default - no date
   */
  readonly format?: 'YEAR' | 'MONTH' | 'DAY' | 'HOUR' | 'MINUTE';
  /**
   * Folders after the date: the run's execution id, the schema version, or both.
   * @default - AppFlow's default
   */
  readonly hierarchy?: ReadonlyArray<'EXECUTION_ID' | 'SCHEMA_VERSION'>;
}

/** Props of {@link S3Destination}. */
export interface S3DestinationProps {
  /** The bucket, of this stack (its policy gets AppFlow's statement). */
  readonly bucket: s3.IBucket;
  /** The folder AppFlow writes under (then the flow's name, the date and the run's folders). */
  readonly prefix: string;
  /** The file type AppFlow writes. */
  readonly fileType: S3OutputFileType;
  /**
   * How records are grouped into files.
   * @default { type: 'None' }
   */
  readonly aggregation?: S3Aggregation;
  /**
   * What goes into folder and file names.
   * @default - AppFlow's default layout
   */
  readonly prefixConfig?: S3PrefixConfig;
  /**
   * Keep the source's data types (numbers stay numbers in JSON); otherwise AppFlow writes every value as a string.
   * @default true
   */
  readonly preserveSourceDataTyping?: boolean;
}

/**
 * A folder of an Amazon S3 bucket. Binding adds the bucket policy statements AppFlow needs (the
 * bucket-level multipart listing and ACL read on the bucket; PutObject and the object-level multipart
 * and ACL actions on the folder's objects; User Guide "Amazon S3 bucket policies for Amazon AppFlow") for
 * this account and flow, and the key policy statement (`kms:Encrypt`, `kms:GenerateDataKey`) when the
 * bucket is encrypted with a key of this stack.
 */
export class S3Destination implements IFlowDestination {
  public constructor(private readonly props: S3DestinationProps) {}

  /** The destination's settings, for the flow's outputs and the guide. */
  public get settings(): S3DestinationProps {
    return this.props;
  }

  public bind(flow: FlowIdentity): CfnFlow.DestinationFlowConfigProperty {
    const { bucket, fileType, aggregation, prefixConfig } = this.props;
    const prefix = folder(flow, 'destination.prefix', this.props.prefix);
    if (!['CSV', 'JSON', 'PARQUET'].includes(fileType)) {
      throw new PropError(flow.scope, 'destination.fileType', `= ${JSON.stringify(fileType)}: allowed CSV, JSON, PARQUET`);
    }
    if (aggregation?.targetFileSizeMb !== undefined) {
      if (aggregation.type !== 'SingleFile') {
        throw new PropError(flow.scope, 'destination.aggregation.targetFileSizeMb', 'applies only to SingleFile aggregation');
      }
      if (!Number.isInteger(aggregation.targetFileSizeMb) || aggregation.targetFileSizeMb < 1) {
        throw new PropError(
          flow.scope,
          'destination.aggregation.targetFileSizeMb',
          `= ${aggregation.targetFileSizeMb} must be a whole number of MB, at least 1`,
        );
      }
    }
    const objects = prefix === '' ? bucket.arnForObjects('*') : bucket.arnForObjects(`${prefix}/*`);
    allowBucketAndObjects(bucket, flow, 'Destination', S3_DESTINATION_ACTIONS, objects);
    allowKey(bucket, ['kms:Encrypt', 'kms:GenerateDataKey'], flow, 'Destination');
    return {
      connectorType: 'S3',
      destinationConnectorProperties: {
        s3: {
          bucketName: bucket.bucketName,
          bucketPrefix: prefix === '' ? undefined : prefix,
          s3OutputFormatConfig: {
            fileType,
            aggregationConfig: {
              aggregationType: aggregation?.type ?? 'None',
              targetFileSize: aggregation?.targetFileSizeMb,
            },
            prefixConfig: prefixConfig && {
              prefixType: prefixConfig.type,
              prefixFormat: prefixConfig.format,
              pathPrefixHierarchy: prefixConfig.hierarchy ? [...prefixConfig.hierarchy] : undefined,
            },
            preserveSourceDataTyping: this.props.preserveSourceDataTyping ?? true,
          },
        },
      },
    };
  }
}
