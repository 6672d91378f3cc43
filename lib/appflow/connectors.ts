/**
 * What AppFlow's API Reference says about the connectors this pattern uses: their type as the flow
 * names it, the key of `ConnectorOperator`, the operators each accepts (`ConnectorOperator`), and the
 * triggers a flow from them may use. Guards read these tables; nothing else does.
 */

/** A flow trigger type (`TriggerConfig.TriggerType`). */
export type TriggerType = 'OnDemand' | 'Scheduled' | 'Event';

/** The operators shared by every connector below (projection, arithmetic, masking, validation, no-op). */
const COMMON = [
  'PROJECTION',
  'ADDITION',
  'MULTIPLICATION',
  'DIVISION',
  'SUBTRACTION',
  'MASK_ALL',
  'MASK_FIRST_N',
  'MASK_LAST_N',
  'VALIDATE_NON_NULL',
  'VALIDATE_NON_ZERO',
  'VALIDATE_NON_NEGATIVE',
  'VALIDATE_NUMERIC',
  'NO_OP',
] as const;

/** Comparison operators, which not every connector accepts. */
export type ComparisonOperator =
  | 'EQUAL_TO'
  | 'NOT_EQUAL_TO'
  | 'LESS_THAN'
  | 'LESS_THAN_OR_EQUAL_TO'
  | 'GREATER_THAN'
  | 'GREATER_THAN_OR_EQUAL_TO'
  | 'BETWEEN'
  | 'CONTAINS';

/** An operator of a task (`ConnectorOperator.<connector>`). */
export type Operator = (typeof COMMON)[number] | ComparisonOperator;

/** One connector as a flow sees it. */
export interface ConnectorSpec {
  /** `SourceFlowConfig.ConnectorType` / `DestinationFlowConfig.ConnectorType`. */
  readonly type: string;
  /** The key of `Task.ConnectorOperator` for this connector. */
  readonly operatorKey: string;
  /** The operators the connector accepts (AppFlow API Reference, ConnectorOperator). */
  readonly operators: readonly Operator[];
  /** The triggers a flow from this connector supports. */
  readonly triggers: readonly TriggerType[];
}

const ORDERING: readonly ComparisonOperator[] = [
  'LESS_THAN',
  'LESS_THAN_OR_EQUAL_TO',
  'GREATER_THAN',
  'GREATER_THAN_OR_EQUAL_TO',
  'BETWEEN',
  'EQUAL_TO',
];

/** The connectors of this pattern, by name. */
export const CONNECTORS = {
  S3: { type: 'S3', operatorKey: 'S3', operators: [...COMMON, ...ORDERING, 'NOT_EQUAL_TO'], triggers: ['OnDemand', 'Scheduled'] },
  Salesforce: {
    type: 'Salesforce',
    operatorKey: 'Salesforce',
    operators: [...COMMON, ...ORDERING, 'NOT_EQUAL_TO', 'CONTAINS'],
    triggers: ['OnDemand', 'Scheduled', 'Event'],
  },
  // Slack: no NOT_EQUAL_TO and no CONTAINS.
  Slack: { type: 'Slack', operatorKey: 'Slack', operators: [...COMMON, ...ORDERING], triggers: ['OnDemand', 'Scheduled'] },
  // Zendesk: GREATER_THAN is its only comparison.
  Zendesk: { type: 'Zendesk', operatorKey: 'Zendesk', operators: [...COMMON, 'GREATER_THAN'], triggers: ['OnDemand', 'Scheduled'] },
} as const satisfies Record<string, ConnectorSpec>;
