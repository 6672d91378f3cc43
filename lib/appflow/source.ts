import type { CfnFlow } from 'aws-cdk-lib/aws-appflow';
import type { IConstruct } from 'constructs';
import { guardRange, PropError } from '../shared/guards';
import { APPFLOW } from '../shared/limits';
import type { ConnectorSpec } from './connectors';

/** The flow a source or destination is bound to: where it lives, its name and its ARN. */
export interface FlowIdentity {
  /** The flow construct (guards name it; policies are added beside it). */
  readonly scope: IConstruct;
  /** The flow's name (`FlowName`). */
  readonly flowName: string;
  /** The flow's ARN, known before the flow exists (policies reference it without a dependency). */
  readonly flowArn: string;
}

/** Where a flow reads its records. */
export interface IFlowSource {
  /** The connector, its operators and the triggers it supports. */
  readonly connector: ConnectorSpec;
  /** Validates the source for the flow, grants AppFlow what it needs, and returns `SourceFlowConfig`. */
  bind(flow: FlowIdentity): CfnFlow.SourceFlowConfigProperty;
}

/** Where a flow writes its records. */
export interface IFlowDestination {
  /** Validates the destination for the flow, grants AppFlow what it needs, and returns one `DestinationFlowConfig`. */
  bind(flow: FlowIdentity): CfnFlow.DestinationFlowConfigProperty;
}

const PROFILE_NAME = /^[\w/!@#+=.-]+$/;

/** Throws a {@link PropError} unless `name` is a connector profile name AppFlow accepts. */
export function guardConnectorProfileName(scope: IConstruct, name: string | undefined): string {
  if (name === undefined || name.trim() === '') {
    throw new PropError(
      scope,
      'connectorProfileName',
      'is missing: a SaaS source needs the name of an AppFlow connection (connector profile)',
    );
  }
  guardRange(scope, 'connectorProfileName.length', name.length, APPFLOW.connectorProfileNameLength);
  if (!PROFILE_NAME.test(name)) {
    throw new PropError(
      scope,
      'connectorProfileName',
      `= ${JSON.stringify(name)} has characters AppFlow does not accept: allowed [\\w/!@#+=.-]`,
    );
  }
  return name;
}

/** Throws a {@link PropError} when a SaaS object name is empty. */
export function guardObject(scope: IConstruct, object: string): string {
  if (object.trim() === '') throw new PropError(scope, 'object', 'is empty: name the object the flow reads (for example Account)');
  return object;
}

/** What every SaaS source names: the AppFlow connection and the object it reads. */
export interface SaasSourceProps {
  /** The AppFlow connection (connector profile), created beforehand. */
  readonly connectorProfileName: string;
  /** The connector's object the flow reads. */
  readonly object: string;
}

/**
 * The `SourceFlowConfig` of a SaaS source: the connector's type, the connection name and the object
 * name once both pass their guards, and the connector's own properties built around the object.
 */
export function saasSourceConfig(
  flow: FlowIdentity,
  connector: ConnectorSpec,
  props: SaasSourceProps,
  properties: (object: string) => CfnFlow.SourceConnectorPropertiesProperty,
): CfnFlow.SourceFlowConfigProperty {
  return {
    connectorType: connector.type,
    connectorProfileName: guardConnectorProfileName(flow.scope, props.connectorProfileName),
    sourceConnectorProperties: properties(guardObject(flow.scope, props.object)),
  };
}
