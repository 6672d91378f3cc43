import type { Field, FlowOperation, TaskSpec } from './task';

/** Changes a source field's value in place before it is mapped: truncation and masking. */
export class Transform implements FlowOperation {
  /** The value is cut to `length` characters (`Truncate`, `TRUNCATE_LENGTH`). */
  public static truncate(field: Field, length: number): Transform {
    return new Transform({
      taskType: 'Truncate',
      operator: 'NO_OP',
      sourceFields: [field.name],
      properties: [['TRUNCATE_LENGTH', String(length)]],
      length,
    });
  }

  /** Every character is replaced by `mask` (`MASK_ALL`). */
  public static maskAll(field: Field, mask = '*'): Transform {
    return new Transform({ taskType: 'Mask', operator: 'MASK_ALL', sourceFields: [field.name], properties: [['MASK_VALUE', mask]], mask });
  }

  /** The first `length` characters are replaced by `mask` (`MASK_FIRST_N`). */
  public static maskFirst(field: Field, length: number, mask = '*'): Transform {
    return Transform.maskN('MASK_FIRST_N', field, length, mask);
  }

  /** The last `length` characters are replaced by `mask` (`MASK_LAST_N`). */
  public static maskLast(field: Field, length: number, mask = '*'): Transform {
    return Transform.maskN('MASK_LAST_N', field, length, mask);
  }

  private static maskN(operator: 'MASK_FIRST_N' | 'MASK_LAST_N', field: Field, length: number, mask: string): Transform {
    return new Transform({
      taskType: 'Mask',
      operator,
      sourceFields: [field.name],
      properties: [
        ['MASK_LENGTH', String(length)],
        ['MASK_VALUE', mask],
      ],
      length,
      mask,
    });
  }

  public readonly tasks: readonly TaskSpec[];
  /** The truncate or mask length, for the flow's guards. */
  public readonly length?: number;
  /** The mask character, for the flow's guards. */
  public readonly mask?: string;

  private constructor(spec: TaskSpec & { length?: number; mask?: string }) {
    const { length, mask, ...task } = spec;
    this.tasks = [task];
    this.length = length;
    this.mask = mask;
  }
}
