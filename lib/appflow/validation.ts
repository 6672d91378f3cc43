import type { Field, FlowOperation, TaskSpec } from './task';

/**
 * What AppFlow does with a record that fails a validation (`VALIDATION_ACTION`): drop the record and
 * go on, or terminate the run (the console's "Terminate flow", `DropDataset` in the API, as the
 * AppFlow team's own constructs write it): nothing of that run reaches the destination.
 */
export enum ValidationAction {
  /** The record is not transferred; the run goes on. */
  DROP_RECORD = 'DropRecord',
  /** The run fails and writes nothing. */
  TERMINATE_FLOW = 'DropDataset',
}

/** A check of a source field that every record must pass (`Validate` task). */
export class Validation implements FlowOperation {
  /** The field is present and not null. */
  public static nonNull(field: Field, action: ValidationAction): Validation {
    return new Validation('VALIDATE_NON_NULL', field, action);
  }
  /** The field is not zero. */
  public static nonZero(field: Field, action: ValidationAction): Validation {
    return new Validation('VALIDATE_NON_ZERO', field, action);
  }
  /** The field is not negative. */
  public static nonNegative(field: Field, action: ValidationAction): Validation {
    return new Validation('VALIDATE_NON_NEGATIVE', field, action);
  }
  /** The field is a number. */
  public static numeric(field: Field, action: ValidationAction): Validation {
    return new Validation('VALIDATE_NUMERIC', field, action);
  }

  public readonly tasks: readonly TaskSpec[];

  private constructor(
    operator: 'VALIDATE_NON_NULL' | 'VALIDATE_NON_ZERO' | 'VALIDATE_NON_NEGATIVE' | 'VALIDATE_NUMERIC',
    field: Field,
    public readonly action: ValidationAction,
  ) {
    this.tasks = [{ taskType: 'Validate', operator, sourceFields: [field.name], properties: [['VALIDATION_ACTION', action]] }];
  }
}
