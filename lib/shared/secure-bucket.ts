import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { guardRange } from './guards';
import { acknowledge } from './nag';

/** Props of {@link SecureBucket}. */
export interface SecureBucketProps {
  /**
   * Objects expire this long after they are written (lifecycle rule). Must be at least one day.
   * @default Duration.days(30)
   */
  readonly expiration?: Duration;
  /**
   * Removal policy of both buckets.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Empty the buckets on stack deletion (a CDK custom resource), so that `cdk destroy` leaves nothing.
   * @default true
   */
  readonly autoDeleteObjects?: boolean;
}

/**
 * An S3 bucket with the project's defaults: S3-managed encryption, TLS-only bucket policy, all
 * public access blocked, ACLs disabled, a lifecycle expiry, and server access logs delivered to a
 * companion log bucket with the same settings.
 */
export class SecureBucket extends Construct {
  /** The data bucket. */
  public readonly bucket: s3.Bucket;
  /** The bucket that receives the data bucket's server access logs. */
  public readonly accessLogsBucket: s3.Bucket;

  public constructor(scope: Construct, id: string, props: SecureBucketProps = {}) {
    super(scope, id);
    const expiration = props.expiration ?? Duration.days(30);
    guardRange(this, 'expiration', expiration.toDays({ integral: false }), {
      min: 1,
      max: 36_500,
      unit: 'days',
      source: 'S3 lifecycle expiration',
    });
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const autoDeleteObjects = props.autoDeleteObjects ?? true;
    const common: s3.BucketProps = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY && autoDeleteObjects,
    };
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      ...common,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    acknowledge(
      this.accessLogsBucket,
      'AwsSolutions-S1',
      'This bucket is the server access log destination; logging it to itself or to another log bucket would recurse.',
    );
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...common,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'access-logs/',
      lifecycleRules: [{ expiration, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });
  }
}
