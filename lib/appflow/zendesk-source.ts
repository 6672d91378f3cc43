import type { CfnFlow } from 'aws-cdk-lib/aws-appflow';
import { CONNECTORS } from './connectors';
import { type FlowIdentity, type IFlowSource, saasSourceConfig } from './source';

/** Props of {@link ZendeskSource}. */
export interface ZendeskSourceProps {
  /** The AppFlow connection (connector profile) to the Zendesk account, created beforehand (see the guide). */
  readonly connectorProfileName: string;
  /** The Zendesk object: `tickets`, `users`, `organizations`... */
  readonly object: string;
}

/** Records of a Zendesk object (help desk tickets), through an existing AppFlow connection. On-demand or scheduled flows. */
export class ZendeskSource implements IFlowSource {
  public readonly connector = CONNECTORS.Zendesk;

  public constructor(private readonly props: ZendeskSourceProps) {}

  public bind(flow: FlowIdentity): CfnFlow.SourceFlowConfigProperty {
    return saasSourceConfig(flow, this.connector, this.props, (object) => ({ zendesk: { object } }));
  }
}
