import { type Duration, Token } from 'aws-cdk-lib';
import type { CfnFlow } from 'aws-cdk-lib/aws-appflow';
import type { IConstruct } from 'constructs';
import { guardDuration, guardInteger, guardRange, PropError } from '../shared/guards';
import { APPFLOW } from '../shared/limits';
import type { TriggerType } from './connectors';

/** Props of {@link FlowTrigger.schedule}. */
export interface ScheduleProps {
  /**
   * When the flow runs: `rate(<n>minutes)`, `rate(<n>hours)`, `rate(<n>days)` (no space: AppFlow's
   * syntax, not EventBridge's) or `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`.
   * A rate schedule runs once when the flow is activated, then every interval.
   */
  readonly expression: string;
  /**
   * `Incremental`: each run transfers what changed since the last one; `Complete`: everything, every run.
   * @default 'Incremental'
   */
  readonly dataPullMode?: 'Incremental' | 'Complete';
  /**
   * When the schedule starts. AppFlow refuses a start time in the past when it creates or updates the
   * flow, and a synthesized template may be deployed much later, so the default is none: the
   * schedule starts when the flow is activated, at deployment. A given start time must be at least
   * an hour after synthesis, and the template deployed before it.
   * @default - the activation time (no ScheduleStartTime)
   */
  readonly startTime?: Date;
  /**
   * When the schedule ends.
   * @default - never
   */
  readonly endTime?: Date;
  /**
   * Time zone of a cron schedule, such as `Europe/Berlin`.
   * @default - UTC
   */
  readonly timeZone?: string;
  /**
   * Delay added to each scheduled time, 0 to 10 hours.
   * @default Duration.seconds(0)
   */
  readonly offset?: Duration;
  /**
   * Incremental flows: the oldest record the first run transfers.
   * @default - AppFlow's default for the connector
   */
  readonly firstExecutionFrom?: Date;
  /**
   * Consecutive failed runs after which AppFlow deactivates the flow, 1 to 100.
   * @default - AppFlow's default
   */
  readonly flowErrorDeactivationThreshold?: number;
}

/** What a trigger contributes to the flow: its configuration and the status it needs. */
export interface TriggerBinding {
  readonly triggerConfig: CfnFlow.TriggerConfigProperty;
  /** `FlowStatus`: `Active` for scheduled and event flows (else they stay in Draft and never run); none for on-demand flows (AppFlow refuses it). */
  readonly flowStatus?: 'Active';
}

const RATE = /^rate\((\d+)(minutes|hours|days)\)$/;
const CRON_FIELD = /^[0-9A-Za-z*?,/#LW-]+$/;
/** Start times must be at least this long after synthesis (time to review and deploy). */
const START_MARGIN_MS = 60 * 60 * 1000;

/** Throws a {@link PropError} unless `expression` is an AppFlow schedule expression. */
export function guardScheduleExpression(scope: IConstruct, expression: string): void {
  if (Token.isUnresolved(expression)) return;
  guardRange(scope, 'trigger.expression.length', expression.length, APPFLOW.scheduleExpressionLength);
  const rate = RATE.exec(expression);
  if (rate) {
    if (Number(rate[1]) < 1)
      throw new PropError(scope, 'trigger.expression', `= ${JSON.stringify(expression)}: the rate must be at least 1`);
    return;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) {
    const fields = cron[1].trim().split(/\s+/);
    const [, , dayOfMonth, , dayOfWeek] = fields;
    if (fields.length === 6 && fields.every((f) => CRON_FIELD.test(f)) && (dayOfMonth === '?') !== (dayOfWeek === '?')) return;
    throw new PropError(
      scope,
      'trigger.expression',
      `= ${JSON.stringify(expression)}: a cron expression has 6 fields (minutes hours day-of-month month day-of-week year) and exactly one of day-of-month and day-of-week is ?`,
    );
  }
  const hint = /^rate\(\s*\d+\s+\w+\s*\)$/.test(expression) ? ' (AppFlow writes rates without a space: rate(5minutes))' : '';
  throw new PropError(
    scope,
    'trigger.expression',
    `= ${JSON.stringify(expression)} is not a schedule: allowed rate(<n>minutes|hours|days) or cron(<6 fields>)${hint}`,
  );
}

/**
 * How a flow starts: on demand (StartFlow runs it once), on a schedule, or on events from the source.
 * Scheduled and event flows are deployed Active, so that they run without a manual activation.
 */
export abstract class FlowTrigger {
  /** The flow runs when StartFlow is called (console, CLI, SDK). */
  public static onDemand(): FlowTrigger {
    return new OnDemandTrigger();
  }

  /** The flow runs on a schedule, activated at deployment. */
  public static schedule(props: ScheduleProps): FlowTrigger {
    return new ScheduleTrigger(props);
  }

  /** The flow runs when the source publishes an event (Salesforce change data capture and platform events). */
  public static onEvent(): FlowTrigger {
    return new EventTrigger();
  }

  /** The trigger type. */
  public abstract readonly type: TriggerType;

  /** Validates the trigger for the flow and returns what it contributes. */
  public abstract bind(scope: IConstruct, now: Date): TriggerBinding;
}

class OnDemandTrigger extends FlowTrigger {
  public readonly type = 'OnDemand';
  public bind(): TriggerBinding {
    return { triggerConfig: { triggerType: 'OnDemand' } };
  }
}

class EventTrigger extends FlowTrigger {
  public readonly type = 'Event';
  public bind(): TriggerBinding {
    return { triggerConfig: { triggerType: 'Event' }, flowStatus: 'Active' };
  }
}

function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

class ScheduleTrigger extends FlowTrigger {
  public readonly type = 'Scheduled';

  public constructor(private readonly props: ScheduleProps) {
    super();
  }

  public bind(scope: IConstruct, now: Date): TriggerBinding {
    const p = this.props;
    guardScheduleExpression(scope, p.expression);
    guardDuration(scope, 'trigger.offset', p.offset, APPFLOW.scheduleOffsetSeconds);
    guardInteger(scope, 'trigger.flowErrorDeactivationThreshold', p.flowErrorDeactivationThreshold, APPFLOW.flowErrorDeactivationThreshold);
    if (p.startTime !== undefined && p.startTime.getTime() < now.getTime() + START_MARGIN_MS) {
      throw new PropError(
        scope,
        'trigger.startTime',
        `= ${p.startTime.toISOString()} is in the past or within an hour of synthesis (${now.toISOString()}): AppFlow refuses a start time in the past at deployment; leave it unset to start at activation`,
      );
    }
    if (p.endTime !== undefined && p.endTime.getTime() <= (p.startTime ?? now).getTime()) {
      throw new PropError(
        scope,
        'trigger.endTime',
        `= ${p.endTime.toISOString()} must be after the start (${(p.startTime ?? now).toISOString()})`,
      );
    }
    if (p.firstExecutionFrom !== undefined && p.firstExecutionFrom.getTime() > now.getTime()) {
      throw new PropError(
        scope,
        'trigger.firstExecutionFrom',
        `= ${p.firstExecutionFrom.toISOString()} is in the future: it is the oldest record the first run transfers`,
      );
    }
    return {
      flowStatus: 'Active',
      triggerConfig: {
        triggerType: 'Scheduled',
        triggerProperties: {
          scheduleExpression: p.expression,
          dataPullMode: p.dataPullMode ?? 'Incremental',
          scheduleStartTime: p.startTime && epochSeconds(p.startTime),
          scheduleEndTime: p.endTime && epochSeconds(p.endTime),
          timeZone: p.timeZone,
          scheduleOffset: p.offset?.toSeconds(),
          firstExecutionFrom: p.firstExecutionFrom && epochSeconds(p.firstExecutionFrom),
          flowErrorDeactivationThreshold: p.flowErrorDeactivationThreshold,
        },
      },
    };
  }
}
