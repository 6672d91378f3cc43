import { type Duration, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { Range } from './limits';

/**
 * A construct prop that breaks a documented limit or a known deploy pitfall. The message is one line:
 * the construct path, the prop, the value and what is allowed.
 */
export class PropError extends Error {
  public constructor(scope: IConstruct, prop: string, problem: string) {
    super(`${scope.node.path}: ${prop} ${problem}`);
    this.name = 'PropError';
  }
}

/** Throws a {@link PropError} when `value` is a resolved number outside `range` (whose source is quoted). */
export function guardRange(scope: IConstruct, prop: string, value: number | undefined, range: Range): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isFinite(value) || value < range.min || value > range.max) {
    const why = range.source ? ` (${range.source})` : '';
    throw new PropError(scope, prop, `= ${value} ${range.unit} is out of range: allowed ${range.min} to ${range.max} ${range.unit}${why}`);
  }
}

/** Like {@link guardRange} but for a whole-number prop. */
export function guardInteger(scope: IConstruct, prop: string, value: number | undefined, range: Range): void {
  if (value !== undefined && !Token.isUnresolved(value) && !Number.isInteger(value)) {
    throw new PropError(scope, prop, `= ${value} must be a whole number of ${range.unit}`);
  }
  guardRange(scope, prop, value, range);
}

/** Seconds of a duration, or undefined when it is absent or a token. */
export function seconds(duration: Duration | undefined): number | undefined {
  if (duration === undefined || Token.isUnresolved(duration.toSeconds({ integral: false }))) return undefined;
  return duration.toSeconds({ integral: false });
}

/** {@link guardRange} for an optional duration, checked in seconds. */
export function guardDuration(scope: IConstruct, prop: string, value: Duration | undefined, range: Range): void {
  const s = seconds(value);
  if (s !== undefined && !Number.isInteger(s)) {
    throw new PropError(scope, prop, `= ${s} s must be a whole number of seconds`);
  }
  guardRange(scope, prop, s, range);
}
