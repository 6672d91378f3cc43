import type { CfnFlow } from 'aws-cdk-lib/aws-appflow';
import { PropError } from '../shared/guards';
import { CONNECTORS } from './connectors';
import { type FlowIdentity, type IFlowSource, saasSourceConfig } from './source';

/** Props of {@link SalesforceSource}. */
export interface SalesforceSourceProps {
  /** The AppFlow connection (connector profile) to the Salesforce org, created beforehand (see the guide). */
  readonly connectorProfileName: string;
  /** The Salesforce object: `Account`, `Opportunity`...; for event flows a change event (`AccountChangeEvent`) or a platform event (`Order__e`). */
  readonly object: string;
  /**
   * The Salesforce API AppFlow uses.
   * @default 'AUTOMATIC' (REST for small transfers, Bulk API 2.0 for large ones)
   */
  readonly dataTransferApi?: 'AUTOMATIC' | 'BULKV2' | 'REST_SYNC';
  /**
   * Import fields added to the object after the flow was created.
   * @default false
   */
  readonly enableDynamicFieldUpdate?: boolean;
  /**
   * Include deleted records.
   * @default false
   */
  readonly includeDeletedRecords?: boolean;
}

/** Records of a Salesforce object, through an existing AppFlow connection. Supports on-demand, scheduled and event flows. */
export class SalesforceSource implements IFlowSource {
  public readonly connector = CONNECTORS.Salesforce;

  public constructor(private readonly props: SalesforceSourceProps) {}

  /** Whether the object is one AppFlow can subscribe to (a change data capture event or a platform event). */
  public get isEventObject(): boolean {
    return /ChangeEvent$|__e$/.test(this.props.object);
  }

  public bind(flow: FlowIdentity): CfnFlow.SourceFlowConfigProperty {
    return saasSourceConfig(flow, this.connector, this.props, (object) => ({
      salesforce: {
        object,
        dataTransferApi: this.props.dataTransferApi ?? 'AUTOMATIC',
        enableDynamicFieldUpdate: this.props.enableDynamicFieldUpdate ?? false,
        includeDeletedRecords: this.props.includeDeletedRecords ?? false,
      },
    }));
  }

  /** Throws unless an event flow reads an object Salesforce publishes events for. */
  public guardEventObject(flow: FlowIdentity): void {
    if (!this.isEventObject) {
      throw new PropError(
        flow.scope,
        'source.object',
        `= ${JSON.stringify(this.props.object)}: an event flow reads a change data capture event (such as AccountChangeEvent) or a platform event (such as Order__e)`,
      );
    }
  }
}
