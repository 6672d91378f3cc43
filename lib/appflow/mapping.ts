import type { Field, FlowOperation, TaskSpec } from './task';

/** Options of {@link Mapping.mapAll}. */
export interface MapAllOptions {
  /**
   * Source fields not transferred.
   * @default - none
   */
  readonly exclude?: readonly string[];
}

function typeProperties(from: Field, to: Field): Array<[string, string]> {
  const properties: Array<[string, string]> = [];
  if (from.dataType) properties.push(['SOURCE_DATA_TYPE', from.dataType]);
  if (to.dataType) properties.push(['DESTINATION_DATA_TYPE', to.dataType]);
  return properties;
}

/** The `Map` task that writes `from` to the destination field `to`, converted to `to.dataType`. */
function mapTask(from: Field, to: Field): TaskSpec {
  return { taskType: 'Map', operator: 'NO_OP', sourceFields: [from.name], destinationField: to.name, properties: typeProperties(from, to) };
}

/**
 * How source fields become destination fields: `Map` (one field, renamed and converted), `Map_all`
 * (every field as it is), `Merge` (several fields joined by a format) and `Arithmetic` (two numeric
 * fields combined), the last two through an intermediate field that a `Map` task then writes.
 */
export class Mapping implements FlowOperation {
  /** The source field `from` is written to the destination field `to`, converted to `to.dataType`. */
  public static map(from: Field, to: Field): Mapping {
    return new Mapping([mapTask(from, to)]);
  }

  /** Every source field is written as it is (`Map_all`), except `exclude`. */
  public static mapAll(options: MapAllOptions = {}): Mapping {
    return new Mapping([
      {
        taskType: 'Map_all',
        operator: 'NO_OP',
        sourceFields: [],
        properties: [['EXCLUDE_SOURCE_FIELDS_LIST', JSON.stringify(options.exclude ?? [])]],
      },
    ]);
  }

  /**
   * The source fields joined by `format` (`CONCAT_FORMAT`: `${field}` placeholders) are written to `to`.
   */
  public static merge(from: readonly Field[], to: Field, format: string): Mapping {
    const intermediate = from.map((f) => f.name).join(',');
    return new Mapping([
      {
        taskType: 'Merge',
        operator: 'NO_OP',
        sourceFields: from.map((f) => f.name),
        destinationField: intermediate,
        properties: [['CONCAT_FORMAT', format]],
      },
      mapTask({ name: intermediate, dataType: 'string' }, to),
    ]);
  }

  /** `first <operation> second` is written to `to` (`MATH_OPERATION_FIELDS_ORDER` keeps the order). */
  public static arithmetic(
    operation: 'ADDITION' | 'SUBTRACTION' | 'MULTIPLICATION' | 'DIVISION',
    first: Field,
    second: Field,
    to: Field,
  ): Mapping {
    const intermediate = `${first.name},${second.name}`;
    return new Mapping([
      {
        taskType: 'Arithmetic',
        operator: operation,
        sourceFields: [first.name, second.name],
        destinationField: intermediate,
        properties: [['MATH_OPERATION_FIELDS_ORDER', intermediate]],
      },
      mapTask({ name: intermediate, dataType: 'string' }, to),
    ]);
  }

  private constructor(public readonly tasks: readonly TaskSpec[]) {}
}
