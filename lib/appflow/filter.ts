import type { ComparisonOperator } from './connectors';
import type { Field, FlowOperation, TaskSpec } from './task';

function typed(field: Field): Field & { dataType: string } {
  return { name: field.name, dataType: field.dataType ?? 'string' };
}

/**
 * A filter on a source field: records whose value does not satisfy it are not transferred. Each
 * comparison becomes one `Filter` task with the connector's operator (`EQUAL_TO`, `BETWEEN`...); the
 * flow checks that its source connector accepts the operator. Several filters must all hold.
 */
export class Filter implements FlowOperation {
  /** The field equals one of the values (`VALUES`, comma-separated, when there are several). */
  public static equalTo(field: Field, values: ReadonlyArray<string | number | boolean>): Filter {
    return Filter.values('EQUAL_TO', field, values);
  }
  /** The field equals none of the values. */
  public static notEqualTo(field: Field, values: ReadonlyArray<string | number | boolean>): Filter {
    return Filter.values('NOT_EQUAL_TO', field, values);
  }
  /** The field is less than the value. */
  public static lessThan(field: Field, value: string | number): Filter {
    return Filter.compare('LESS_THAN', field, value);
  }
  /** The field is less than or equal to the value. */
  public static lessThanOrEqualTo(field: Field, value: string | number): Filter {
    return Filter.compare('LESS_THAN_OR_EQUAL_TO', field, value);
  }
  /** The field is greater than the value. */
  public static greaterThan(field: Field, value: string | number): Filter {
    return Filter.compare('GREATER_THAN', field, value);
  }
  /** The field is greater than or equal to the value. */
  public static greaterThanOrEqualTo(field: Field, value: string | number): Filter {
    return Filter.compare('GREATER_THAN_OR_EQUAL_TO', field, value);
  }
  /** The field lies between the bounds, both included. */
  public static between(field: Field, lower: string | number, upper: string | number): Filter {
    const f = typed(field);
    return new Filter({
      taskType: 'Filter',
      operator: 'BETWEEN',
      sourceFields: [f.name],
      properties: [
        ['DATA_TYPE', f.dataType],
        ['LOWER_BOUND', String(lower)],
        ['UPPER_BOUND', String(upper)],
      ],
    });
  }
  /** The field contains the text (Salesforce and custom connectors only). */
  public static contains(field: Field, value: string): Filter {
    return Filter.compare('CONTAINS', field, value);
  }

  private static values(operator: ComparisonOperator, field: Field, values: ReadonlyArray<string | number | boolean>): Filter {
    const f = typed(field);
    const property: [string, string] = values.length === 1 ? ['VALUE', String(values[0])] : ['VALUES', values.map(String).join(',')];
    return new Filter({ taskType: 'Filter', operator, sourceFields: [f.name], properties: [['DATA_TYPE', f.dataType], property] });
  }

  private static compare(operator: ComparisonOperator, field: Field, value: string | number): Filter {
    const f = typed(field);
    return new Filter({
      taskType: 'Filter',
      operator,
      sourceFields: [f.name],
      properties: [
        ['DATA_TYPE', f.dataType],
        ['VALUE', String(value)],
      ],
    });
  }

  public readonly tasks: readonly TaskSpec[];

  private constructor(task: TaskSpec) {
    this.tasks = [task];
  }
}
