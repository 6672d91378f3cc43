import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { SecureTable } from './secure-table';

/** Props of {@link IdempotencyTable}. */
export interface IdempotencyTableProps {
  /**
   * Removal policy of the table.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The table in the layout Powertools for AWS Lambda's idempotency utility expects: partition key
 * `id`, record expiry in the TTL attribute `expiration`. A {@link SecureTable} otherwise.
 */
export class IdempotencyTable extends Construct {
  /** The table. */
  public readonly table: dynamodb.TableV2;

  public constructor(scope: Construct, id: string, props: IdempotencyTableProps = {}) {
    super(scope, id);
    this.table = new SecureTable(this, 'Store', {
      partitionKey: 'id',
      timeToLiveAttribute: 'expiration',
      removalPolicy: props.removalPolicy,
    }).table;
  }
}
