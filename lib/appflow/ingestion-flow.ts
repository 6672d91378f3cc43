import { ArnFormat, Duration, Names, Stack } from 'aws-cdk-lib';
import * as appflow from 'aws-cdk-lib/aws-appflow';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { thresholdAlarm } from '../shared/alarms';
import { guardRange, PropError } from '../shared/guards';
import { APPFLOW } from '../shared/limits';
import type { Filter } from './filter';
import type { Mapping } from './mapping';
import { SalesforceSource } from './salesforce-source';
import type { FlowIdentity, IFlowDestination, IFlowSource } from './source';
import type { TaskSpec } from './task';
import type { Transform } from './transform';
import { FlowTrigger } from './trigger';
import type { Validation } from './validation';

/** Props of {@link IngestionFlow}. */
export interface IngestionFlowProps {
  /** Where records come from (Amazon S3, Salesforce, Slack, Zendesk). */
  readonly source: IFlowSource;
  /** Where records go. */
  readonly destination: IFlowDestination;
  /** How source fields become destination fields: at least one. */
  readonly mappings: readonly Mapping[];
  /**
   * Records that do not satisfy every filter are not transferred.
   * @default - none
   */
  readonly filters?: readonly Filter[];
  /**
   * Checks every record must pass: a failed check drops the record or terminates the run.
   * @default - none
   */
  readonly validations?: readonly Validation[];
  /**
   * Truncation and masking of source fields before they are mapped.
   * @default - none
   */
  readonly transforms?: readonly Transform[];
  /**
   * How the flow starts.
   * @default FlowTrigger.onDemand()
   */
  readonly trigger?: FlowTrigger;
  /**
   * What the flow does, shown in the console.
   * @default - none
   */
  readonly description?: string;
  /**
   * Customer-managed key AppFlow encrypts the flow's data with (`KMSArn`); AppFlow creates a grant on
   * it with the deploying principal's permissions, which the key's default policy (the account) allows.
   * @default - the AppFlow-managed key (AWSDefaultEncryptionKey)
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * The most data one run is expected to move, in bytes, checked against AppFlow's 100 GB per run.
   * @default - not declared
   */
  readonly maxBytesPerRun?: number;
  /**
   * Where the failed-runs alarm (AWS/AppFlow FlowExecutionsFailed) notifies.
   * @default - the alarm has no actions
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/** The source fields a task reads that are not intermediate fields written by another task. */
function sourceFieldsOf(tasks: readonly TaskSpec[]): string[] {
  const intermediate = new Set(tasks.filter((t) => t.taskType === 'Merge' || t.taskType === 'Arithmetic').map((t) => t.destinationField));
  return [...new Set(tasks.flatMap((t) => t.sourceFields).filter((f) => !intermediate.has(f)))];
}

const DESCRIPTION = /^[\w!@#\-.?,\s]*$/;

/**
 * An Amazon AppFlow flow (L1 `AWS::AppFlow::Flow` behind typed props): a source, a destination, and
 * the tasks between them in the order AppFlow applies them (the projection of the source fields,
 * filters, validations, transforms, then mappings). The name is generated, unique per stack and
 * construct path. Sources and destinations add the bucket and key policy statements AppFlow needs
 * for this flow; scheduled and event flows are deployed Active. An alarm fires on any failed run.
 */
export class IngestionFlow extends Construct implements FlowIdentity {
  /** The flow. */
  public readonly flow: appflow.CfnFlow;
  /** The flow's name (`FlowName`). */
  public readonly flowName: string;
  /** The flow's ARN. */
  public readonly flowArn: string;
  /** The trigger type. */
  public readonly triggerType: FlowTrigger['type'];
  /** FlowExecutionsFailed >= 1 in 5 minutes. */
  public readonly failedRunsAlarm: cloudwatch.Alarm;

  /** This flow, as the scope guards name and policies depend on. */
  public get scope(): Construct {
    return this;
  }

  public constructor(scope: Construct, id: string, props: IngestionFlowProps) {
    super(scope, id);
    const trigger = props.trigger ?? FlowTrigger.onDemand();
    this.flowName = Names.uniqueResourceName(this, { maxLength: APPFLOW.flowNameLength.max, separator: '-' });
    this.flowArn = Stack.of(this).formatArn({
      service: 'appflow',
      resource: 'flow',
      resourceName: this.flowName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.triggerType = trigger.type;
    const tasks = this.validate(props, trigger);

    const source = props.source.bind(this);
    const destination = props.destination.bind(this);
    const { triggerConfig, flowStatus } = trigger.bind(this, new Date());
    const key = props.source.connector.operatorKey;
    this.flow = new appflow.CfnFlow(this, 'Resource', {
      flowName: this.flowName,
      description: props.description,
      kmsArn: props.encryptionKey?.keyArn,
      flowStatus,
      triggerConfig,
      sourceFlowConfig: source,
      destinationFlowConfigList: [destination],
      tasks: tasks.map((t) => ({
        taskType: t.taskType,
        sourceFields: [...t.sourceFields],
        destinationField: t.destinationField,
        connectorOperator: { [key.charAt(0).toLowerCase() + key.slice(1)]: t.operator },
        taskProperties: t.properties.length ? t.properties.map(([k, value]) => ({ key: k, value })) : undefined,
      })),
    });
    this.failedRunsAlarm = thresholdAlarm(this, 'FailedRunsAlarm', {
      description: `AppFlow flow ${this.flowName}: a run failed (see DescribeFlowExecutionRecords or the end-of-run event)`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/AppFlow',
        metricName: 'FlowExecutionsFailed',
        dimensionsMap: { FlowName: this.flowName },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      action: props.alarmAction,
    });
  }

  /** Checks the props against AppFlow's rules and returns the tasks in the order the flow applies them. */
  private validate(props: IngestionFlowProps, trigger: FlowTrigger): TaskSpec[] {
    const { connector } = props.source;
    if (!connector.triggers.includes(trigger.type)) {
      throw new PropError(this, 'trigger', `= ${trigger.type}: a ${connector.type} source supports ${connector.triggers.join(', ')}`);
    }
    if (trigger.type === 'Event' && props.source instanceof SalesforceSource) props.source.guardEventObject(this);
    if (props.description !== undefined) {
      guardRange(this, 'description.length', props.description.length, APPFLOW.descriptionLength);
      if (!DESCRIPTION.test(props.description)) {
        throw new PropError(this, 'description', `has characters AppFlow does not accept: allowed letters, digits, spaces and !@#-.?,_`);
      }
    }
    guardRange(this, 'maxBytesPerRun', props.maxBytesPerRun, APPFLOW.maxBytesPerRun);
    if (props.mappings.length === 0)
      throw new PropError(this, 'mappings', 'is empty: a flow maps at least one field (or all of them with Mapping.mapAll)');
    for (const t of props.transforms ?? []) {
      if (t.length !== undefined) {
        const range = t.tasks[0].taskType === 'Truncate' ? APPFLOW.truncateLength : APPFLOW.maskLength;
        if (!Number.isInteger(t.length))
          throw new PropError(this, 'transforms.length', `= ${t.length} must be a whole number of characters`);
        guardRange(this, 'transforms.length', t.length, range);
      }
      if (t.mask !== undefined && [...t.mask].length !== 1) {
        throw new PropError(this, 'transforms.mask', `= ${JSON.stringify(t.mask)} must be one character`);
      }
    }

    const mappings = props.mappings.flatMap((m) => m.tasks);
    const filters = (props.filters ?? []).flatMap((f) => f.tasks);
    const validations = (props.validations ?? []).flatMap((v) => v.tasks);
    const transforms = (props.transforms ?? []).flatMap((t) => t.tasks);
    const written = mappings.filter((t) => t.taskType === 'Map').map((t) => t.destinationField as string);
    const duplicate = written.find((field, i) => written.indexOf(field) !== i);
    if (duplicate) throw new PropError(this, 'mappings', `write the destination field ${JSON.stringify(duplicate)} twice`);
    const mapAll = mappings.some((t) => t.taskType === 'Map_all');
    if (mapAll && mappings.some((t) => t.taskType !== 'Map_all')) {
      throw new PropError(this, 'mappings', 'mix Mapping.mapAll with field mappings: map every field, or all of them');
    }

    const body = [...filters, ...validations, ...transforms, ...mappings];
    for (const task of body) {
      if (!(connector.operators as readonly string[]).includes(task.operator)) {
        throw new PropError(
          this,
          `${task.taskType.toLowerCase()} on ${task.sourceFields.join(', ') || 'all fields'}`,
          `uses ${task.operator}, which a ${connector.type} source does not accept (AppFlow API Reference, ConnectorOperator)`,
        );
      }
    }
    if (mapAll) return body;
    // The projection: the source fields the flow reads, named once, before every other task.
    const projection: TaskSpec = { taskType: 'Filter', operator: 'PROJECTION', sourceFields: sourceFieldsOf(body), properties: [] };
    return [projection, ...body];
  }
}
