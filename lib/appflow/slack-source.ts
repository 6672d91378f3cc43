import type { CfnFlow } from 'aws-cdk-lib/aws-appflow';
import { CONNECTORS } from './connectors';
import { type FlowIdentity, type IFlowSource, saasSourceConfig } from './source';

/** Props of {@link SlackSource}. */
export interface SlackSourceProps {
  /** The AppFlow connection (connector profile) to the Slack workspace, created beforehand (see the guide). */
  readonly connectorProfileName: string;
  /** The Slack object, for example `conversations/C0123456789` (the messages of one channel). */
  readonly object: string;
}

/** Conversations of a Slack workspace, through an existing AppFlow connection. On-demand or scheduled flows. */
export class SlackSource implements IFlowSource {
  public readonly connector = CONNECTORS.Slack;

  public constructor(private readonly props: SlackSourceProps) {}

  public bind(flow: FlowIdentity): CfnFlow.SourceFlowConfigProperty {
    return saasSourceConfig(flow, this.connector, this.props, (object) => ({ slack: { object } }));
  }
}
