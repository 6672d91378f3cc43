import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** Props of {@link SecureTable}. */
export interface SecureTableProps {
  /** Partition key attribute (a string). */
  readonly partitionKey: string;
  /**
   * Sort key attribute (a string).
   * @default - no sort key
   */
  readonly sortKey?: string;
  /**
   * Attribute holding the item's expiry in epoch seconds (DynamoDB TTL).
   * @default - items do not expire
   */
  readonly timeToLiveAttribute?: string;
  /**
   * Removal policy of the table.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A DynamoDB table with the project's defaults: on-demand capacity (nothing to pay while idle but
 * storage), encrypted at rest with the AWS managed key, point-in-time recovery on.
 */
export class SecureTable extends Construct {
  /** The table. */
  public readonly table: dynamodb.TableV2;

  public constructor(scope: Construct, id: string, props: SecureTableProps) {
    super(scope, id);
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: props.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: props.sortKey === undefined ? undefined : { name: props.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: props.timeToLiveAttribute,
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }
}
