import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** Props of {@link IdempotencyTable}. */
export interface IdempotencyTableProps {
  /**
   * Removal policy of the table.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The DynamoDB table in the layout Powertools for AWS Lambda's idempotency utility expects: partition
 * key `id`, expiry in the TTL attribute `expiration`. On-demand capacity (nothing to pay while idle),
 * encrypted at rest, point-in-time recovery on.
 */
export class IdempotencyTable extends Construct {
  /** The table. */
  public readonly table: dynamodb.TableV2;

  public constructor(scope: Construct, id: string, props: IdempotencyTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }
}
