import type { Construct } from 'constructs';
import { guardInteger, guardRange } from '../shared/guards';
import { APIGATEWAY } from '../shared/limits';

/** A steady-state rate and a burst, as API Gateway throttles them. */
export interface Throttle {
  /** Requests per second. */
  readonly rateLimit: number;
  /** Requests admitted at once above the rate (token bucket size). */
  readonly burstLimit: number;
}

/** Checks a throttle prop (`name`) against API Gateway's limits: the rate a number, the burst a whole number, each in range. */
export function guardThrottle(scope: Construct, name: string, throttle: Throttle): void {
  guardRange(scope, `${name}.rateLimit`, throttle.rateLimit, APIGATEWAY.throttleRate);
  guardInteger(scope, `${name}.burstLimit`, throttle.burstLimit, APIGATEWAY.throttleBurst);
}
