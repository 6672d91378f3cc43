import type { Operator } from './connectors';

/** A field of a record: its name and, where a task converts or compares it, its AppFlow data type. */
export interface Field {
  /** The field's name in the source (or destination) records. */
  readonly name: string;
  /**
   * The field's data type as AppFlow names it (`string`, `integer`, `double`, `boolean`, `date`, `datetime`...).
   * @default - no type property on the task
   */
  readonly dataType?: string;
}

/** One task of a flow, before it is bound to a connector: what `AWS::AppFlow::Flow` Tasks holds. */
export interface TaskSpec {
  /** `Task.TaskType` (Filter, Map, Map_all, Merge, Arithmetic, Mask, Truncate, Validate). */
  readonly taskType: 'Filter' | 'Map' | 'Map_all' | 'Merge' | 'Arithmetic' | 'Mask' | 'Truncate' | 'Validate';
  /** The operator, checked against the source connector's. */
  readonly operator: Operator;
  /** `Task.SourceFields`. */
  readonly sourceFields: readonly string[];
  /** `Task.DestinationField`, when the task writes one. */
  readonly destinationField?: string;
  /** `Task.TaskProperties`, in order. */
  readonly properties: ReadonlyArray<readonly [string, string]>;
}

/** Something that contributes tasks to a flow (a filter, a mapping, a transform, a validation). */
export interface FlowOperation {
  /** The tasks, in order. */
  readonly tasks: readonly TaskSpec[];
}
