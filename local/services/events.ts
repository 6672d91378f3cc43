import type { DeliveryCheck } from '../delivery-checks';
import { EntryError, type EventBridgeEvent, eventOf } from '../events/event';
import { compilePattern, type EventMatcher, InvalidEventPatternError } from '../events/pattern';
import { eventsMayDeliver, targetKind } from '../events/permissions';
import { type TargetInputSettings, targetInput } from '../events/transform';
import { EndpointError, startJsonEndpoint } from '../json-endpoint';
import type { Created, LocalService, ResourceInput, ServiceHost, ServiceModule, StackContext } from './service';

export type { EventBridgeEvent } from '../events/event';

/** A rule target as the template configures it, and whether EventBridge may deliver to it. */
interface RuleTarget {
  readonly id: string;
  readonly arn: string;
  readonly input: TargetInputSettings;
  readonly deadLetterArn?: string;
  readonly maxRetries: number;
  readonly maxAgeSeconds: number;
  readonly roleArn?: string;
  /** Decided when the stack is wired; a target without the permission fails every delivery. */
  verdict: DeliveryCheck;
  /** Whether EventBridge may send to the dead-letter queue (its queue policy), decided when the stack is wired. */
  deadLetterAllowed: boolean;
}

/** An emulated rule. */
interface Rule {
  readonly stackName: string;
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly busName: string;
  readonly enabled: boolean;
  readonly matcher: EventMatcher;
  readonly targets: RuleTarget[];
  readonly stats: RuleStats;
}

/** Counters of one rule, for reports and tests. */
export interface RuleStats {
  /** Events the rule's pattern matched. */
  matched: number;
  /** Deliveries that reached their target. */
  delivered: number;
  /** Deliveries that failed (after retries, or at once for missing permissions or targets). */
  failed: number;
  /** Failed deliveries sent to the target's dead-letter queue. */
  deadLettered: number;
  /** Failed deliveries lost: no dead-letter queue, or it could not be reached. */
  dropped: number;
}

/** The EventBridge service of the local runtime, as other services and tests see it. */
export interface EventsService extends LocalService {
  /** The rules' counters by `<stack>/<logicalId>`. */
  readonly ruleStats: ReadonlyMap<string, RuleStats>;
  /** Every event put on a bus, in order (bus name and event). */
  readonly events: ReadonlyArray<{ readonly busName: string; readonly event: EventBridgeEvent }>;
}

const MAX_ENTRIES = 10;
const MAX_EVENT_BYTES = 256 * 1024;

/**
 * Amazon EventBridge: the default bus and `AWS::Events::EventBus`es, `AWS::Events::Rule`s with event
 * patterns matched as EventBridge documents them (`local/events/pattern.ts`), and their SQS, SNS,
 * Lambda and Step Functions targets, reached through the services that own them, with input,
 * input path and input transformer, the target's retry policy and dead-letter queue, and the
 * permissions that decide delivery. Events come from the `PutEvents` endpoint and from other
 * services, which deliver `{ source, detail-type, detail }` to a bus ARN (`arn:aws:events:...:event-bus/<name>`).
 */
export const eventsService: ServiceModule = {
  name: 'events',
  async start(host: ServiceHost): Promise<EventsService> {
    const busArn = (name: string) => `arn:aws:events:${host.region}:${host.accountId}:event-bus/${name}`;
    const buses = new Set<string>(['default']);
    const rules: Rule[] = [];
    const ruleStats = new Map<string, RuleStats>();
    const log: Array<{ busName: string; event: EventBridgeEvent }> = [];
    const inFlight = new Set<Promise<void>>();
    let draining = false;

    const busNameOf = (nameOrArn: string): string =>
      nameOrArn.startsWith('arn:') ? nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1) : nameOrArn;

    /** Sends one event to one target: retries, then the dead-letter queue or nothing, as the target says. */
    const deliverToTarget = async (rule: Rule, target: RuleTarget, event: EventBridgeEvent, ingestedAt: Date): Promise<void> => {
      let errorCode = 'NO_PERMISSIONS';
      let errorMessage = target.verdict.reason ?? '';
      let exhausted: string | undefined;
      let retries = 0;
      if (target.verdict.ok) {
        let body: string | undefined;
        try {
          body = targetInput(event as unknown as Record<string, unknown>, target.input, rule, ingestedAt);
        } catch (error) {
          errorCode = 'INVALID_INPUT';
          errorMessage = (error as Error).message;
        }
        for (let attempt = 0; body !== undefined && attempt <= target.maxRetries; attempt++) {
          if (attempt > 0) {
            if (Date.now() - ingestedAt.getTime() > target.maxAgeSeconds * 1000) {
              exhausted = 'MaximumEventAgeInSeconds';
              break;
            }
            retries++;
            await new Promise((r) => setTimeout(r, host.settings.retryDelaySeconds * 1000));
          }
          try {
            await host.deliver(target.arn, { body });
            rule.stats.delivered++;
            return;
          } catch (error) {
            errorMessage = (error as Error).message;
            // A target that does not exist is not retried (as a missing permission is not).
            if (/not emulated|not a local|does not exist|not found/i.test(errorMessage)) {
              errorCode = 'NO_RESOURCE';
              break;
            }
            errorCode = 'SDK_CLIENT_ERROR';
            if (attempt === target.maxRetries) exhausted = 'MaximumRetryAttempts';
          }
        }
      }
      rule.stats.failed++;
      if (!target.deadLetterArn || !target.deadLetterAllowed) {
        rule.stats.dropped++;
        return;
      }
      try {
        await host.deliver(target.deadLetterArn, {
          body: JSON.stringify(event),
          attributes: {
            RULE_ARN: rule.arn,
            TARGET_ARN: target.arn,
            ERROR_CODE: errorCode,
            ERROR_MESSAGE: errorMessage.slice(0, 1000),
            ...(exhausted ? { EXHAUSTED_RETRY_CONDITION: exhausted } : {}),
            RETRY_ATTEMPTS: String(retries),
          },
        });
        rule.stats.deadLettered++;
      } catch (error) {
        rule.stats.dropped++;
        host.onError(
          new Error(
            `${rule.stackName}/${rule.logicalId}: dead-letter queue ${target.deadLetterArn} unreachable: ${(error as Error).message}`,
          ),
        );
      }
    };

    /** Matches an event against the bus's enabled rules and delivers it to their targets, in the background. */
    const route = (busName: string, event: EventBridgeEvent): void => {
      log.push({ busName, event });
      if (draining) return;
      const ingestedAt = new Date();
      for (const rule of rules) {
        if (rule.busName !== busName || !rule.enabled || !rule.matcher.matches(event)) continue;
        rule.stats.matched++;
        for (const target of rule.targets) {
          const work = deliverToTarget(rule, target, event, ingestedAt).catch((error: Error) => host.onError(error));
          inFlight.add(work);
          void work.finally(() => inFlight.delete(work));
        }
      }
    };

    const putEvents = async (input: Record<string, unknown>) => {
      const entries = input.Entries;
      if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
        throw new EndpointError('ValidationException', `Entries must hold 1 to ${MAX_ENTRIES} events`);
      }
      const results = entries.map((raw: Record<string, unknown>) => {
        try {
          const size = ['Source', 'DetailType', 'Detail'].reduce((n, k) => n + Buffer.byteLength(String(raw[k] ?? '')), 0);
          if (size > MAX_EVENT_BYTES) throw new EntryError('InvalidArgument', `The event is ${size} bytes, more than ${MAX_EVENT_BYTES}.`);
          if (typeof raw.Source === 'string' && raw.Source.startsWith('aws.')) {
            throw new EntryError('NotAuthorizedForSourceException', `Not authorized for the source ${raw.Source}.`);
          }
          const busName = busNameOf(String(raw.EventBusName ?? 'default'));
          if (!buses.has(busName)) throw new EntryError('ResourceNotFoundException', `Event bus ${busName} does not exist.`);
          const event = eventOf(
            {
              source: raw.Source,
              detailType: raw.DetailType,
              detail: raw.Detail,
              resources: raw.Resources,
              time: raw.Time,
            },
            host,
          );
          route(busName, event);
          return { EventId: event.id };
        } catch (error) {
          if (error instanceof EntryError) return { ErrorCode: error.code, ErrorMessage: error.message };
          throw error;
        }
      });
      return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
    };

    const testEventPattern = async (input: Record<string, unknown>) => {
      let matcher: EventMatcher;
      try {
        matcher = compilePattern(String(input.EventPattern ?? ''));
      } catch (error) {
        throw new EndpointError('InvalidEventPatternException', (error as Error).message);
      }
      let event: unknown;
      try {
        event = JSON.parse(String(input.Event ?? ''));
      } catch {
        throw new EndpointError('InvalidEventPatternException', 'Event is not valid JSON.');
      }
      return { Result: matcher.matches(event) };
    };

    const endpoint = await startJsonEndpoint(
      'EventBridge',
      { PutEvents: putEvents, TestEventPattern: testEventPattern },
      'application/x-amz-json-1.1',
    );

    const createRule = (input: ResourceInput): Created => {
      const name = (input.prop('Name') as string | undefined) ?? input.physicalName;
      const busName = busNameOf(String(input.prop('EventBusName') ?? 'default'));
      const arn = `arn:aws:events:${host.region}:${host.accountId}:rule/${busName === 'default' ? '' : `${busName}/`}${name}`;
      const created: Created = { ref: busName === 'default' ? name : `${busName}|${name}`, attributes: { Arn: arn } };
      const pattern = input.prop('EventPattern');
      if (pattern === undefined) {
        input.list(input.prop('ScheduleExpression') ? 'scheduled rule: schedules are not run locally' : 'rule without an event pattern');
        return created;
      }
      let matcher: EventMatcher;
      try {
        matcher = compilePattern(pattern);
      } catch (error) {
        if (error instanceof InvalidEventPatternError) {
          throw new Error(`${input.stack.stackName}: ${input.logicalId} (AWS::Events::Rule) ${error.message}`);
        }
        throw error;
      }
      const targets = ((input.prop('Targets') as Array<Record<string, unknown>> | undefined) ?? []).map((t): RuleTarget => {
        const retry = t.RetryPolicy as { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number } | undefined;
        return {
          id: String(t.Id),
          arn: String(t.Arn),
          input: {
            Input: t.Input as string | undefined,
            InputPath: t.InputPath as string | undefined,
            InputTransformer: t.InputTransformer as TargetInputSettings['InputTransformer'],
          },
          deadLetterArn: (t.DeadLetterConfig as { Arn?: string } | undefined)?.Arn,
          maxRetries: Number(retry?.MaximumRetryAttempts ?? 185),
          maxAgeSeconds: Number(retry?.MaximumEventAgeInSeconds ?? 86_400),
          roleArn: t.RoleArn as string | undefined,
          verdict: { ok: true },
          deadLetterAllowed: true,
        };
      });
      const stats: RuleStats = { matched: 0, delivered: 0, failed: 0, deadLettered: 0, dropped: 0 };
      const state = String(input.prop('State') ?? 'ENABLED');
      rules.push({
        stackName: input.stack.stackName,
        logicalId: input.logicalId,
        name,
        arn,
        busName,
        enabled: state !== 'DISABLED',
        matcher,
        targets,
        stats,
      });
      ruleStats.set(`${input.stack.stackName}/${input.logicalId}`, stats);
      return created;
    };

    /** Decides, once every resource of the stack exists, whether EventBridge may deliver to each target. */
    const wire = async (stack: StackContext): Promise<void> => {
      const view = {
        template: stack.template,
        resolve: (value: unknown, where: string) => stack.resolve(value, `${stack.stackName}: ${where}`),
      };
      for (const rule of rules.filter((r) => r.stackName === stack.stackName)) {
        for (const target of rule.targets) {
          const kind = targetKind(target.arn);
          const owned = host.services().some((s) => s.owns?.(target.arn));
          if (!kind || !owned) {
            target.verdict = { ok: false, reason: `target ${target.id} (${target.arn}) is not emulated locally` };
            stack.list(rule.logicalId, 'AWS::Events::Rule', `target ${target.id} (${target.arn}): not delivered locally`);
            continue;
          }
          if (kind === 'sqs' && target.arn.endsWith('.fifo')) {
            target.verdict = { ok: false, reason: `target ${target.id}: FIFO queue targets (MessageGroupId) are not emulated locally` };
            stack.list(rule.logicalId, 'AWS::Events::Rule', `target ${target.id}: FIFO queue targets are not delivered locally`);
            continue;
          }
          target.verdict = eventsMayDeliver(view, target.arn, rule.arn, host.accountId, target.roleArn);
          if (!target.verdict.ok) {
            host.reportDeliveryProblem({
              stackName: stack.stackName,
              logicalId: rule.logicalId,
              reason: String(target.verdict.reason),
              outcome: target.deadLetterArn
                ? `events go to the target's dead-letter queue ${target.deadLetterArn}`
                : 'events are dropped (no dead-letter queue)',
            });
          }
          if (target.deadLetterArn) {
            const dlq = eventsMayDeliver(view, target.deadLetterArn, rule.arn, host.accountId, undefined);
            if (!dlq.ok) {
              host.reportDeliveryProblem({
                stackName: stack.stackName,
                logicalId: rule.logicalId,
                reason: `dead-letter queue of target ${target.id}: ${dlq.reason}`,
                outcome: 'failed deliveries are dropped',
              });
              target.deadLetterAllowed = false;
            }
          }
        }
      }
    };

    return {
      name: 'events',
      resourceTypes: ['AWS::Events::EventBus', 'AWS::Events::Rule'],
      endpoint: `http://127.0.0.1:${endpoint.port}`,
      endpointVariable: 'EVENTBRIDGE',
      ruleStats,
      events: log,

      async create(input) {
        if (input.resource.Type === 'AWS::Events::Rule') return createRule(input);
        const name = String(input.prop('Name') ?? input.physicalName);
        buses.add(name);
        return { ref: name, attributes: { Arn: busArn(name), Name: name } };
      },
      wire,

      owns: (arn) => arn.startsWith('arn:aws:events:') && arn.includes(':event-bus/'),
      async deliver(arn, payload) {
        const busName = busNameOf(arn);
        if (!buses.has(busName)) throw new Error(`event bus ${busName} does not exist locally`);
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(payload.body) as Record<string, unknown>;
        } catch {
          throw new Error(`an event delivered to ${arn} is not JSON`);
        }
        route(
          busName,
          eventOf(
            {
              source: body.source,
              detailType: body['detail-type'],
              detail: body.detail,
              resources: body.resources,
              time: body.time,
            },
            host,
          ),
        );
      },

      async drain() {
        draining = true;
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      },
      stop: () => endpoint.stop(),
    };
  },
};
