import type { Json } from './definition';

/** One event of an execution's history, in the shape GetExecutionHistory returns. */
export interface HistoryEvent {
  readonly timestamp: number;
  readonly type: string;
  readonly id: number;
  readonly previousEventId: number;
  readonly [details: string]: unknown;
}

/** The task a Task event is about: `arn:aws:states:::sqs:sendMessage.waitForTaskToken` is `sqs` and `sendMessage.waitForTaskToken`. */
export interface TaskResource {
  readonly resourceType: string;
  readonly resource: string;
  /** A Lambda function ARN as the Resource (the legacy integration): Lambda* events instead of Task*. */
  readonly legacyLambda: boolean;
}

export function taskResource(arn: string): TaskResource {
  const optimized = /^arn:[^:]+:states:::([^:]+):(.+)$/.exec(arn);
  if (optimized) return { resourceType: optimized[1], resource: optimized[2], legacyLambda: false };
  return { resourceType: arn.split(':')[2] ?? 'unknown', resource: arn, legacyLambda: arn.startsWith('arn:aws:lambda:') };
}

const text = (value: unknown) => JSON.stringify(value ?? null);
const dataDetails = { truncated: false };

/**
 * The history of one execution, recorded as it happens: state events from aws-local-stepfunctions'
 * event logger (entered, exited, Map iterations, execution outcome) and task events from the local
 * task runner (scheduled, started, submitted, succeeded, failed, timed out), each with the details
 * GetExecutionHistory gives for it.
 */
export class ExecutionHistory {
  private readonly events: HistoryEvent[] = [];

  public constructor(private readonly roleArn: string) {}

  /** The events so far, oldest first. */
  public all(): readonly HistoryEvent[] {
    return this.events;
  }

  public executionStarted(input: Json): void {
    this.add('ExecutionStarted', {
      executionStartedEventDetails: { input: text(input), inputDetails: dataDetails, roleArn: this.roleArn },
    });
  }

  public executionSucceeded(output: Json): void {
    this.add('ExecutionSucceeded', { executionSucceededEventDetails: { output: text(output), outputDetails: dataDetails } });
  }

  public executionFailed(error: string, cause: string): void {
    this.add('ExecutionFailed', { executionFailedEventDetails: { error, cause } });
  }

  public executionAborted(): void {
    this.add('ExecutionAborted', { executionAbortedEventDetails: {} });
  }

  public executionTimedOut(): void {
    this.add('ExecutionTimedOut', { executionTimedOutEventDetails: { error: 'States.Timeout' } });
  }

  public stateEntered(type: string, name: string, input: Json): void {
    this.add(`${type}StateEntered`, { stateEnteredEventDetails: { name, input: text(input), inputDetails: dataDetails } });
  }

  public stateExited(type: string, name: string, output: Json): void {
    if (type === 'Map' || type === 'Parallel') this.add(`${type}StateSucceeded`, {});
    this.add(`${type}StateExited`, { stateExitedEventDetails: { name, output: text(output), outputDetails: dataDetails } });
  }

  /** A Map or Parallel state failed (its error then fails the execution or is caught). */
  public containerFailed(type: 'Map' | 'Parallel'): void {
    this.add(`${type}StateFailed`, {});
  }

  public mapIteration(outcome: 'Started' | 'Succeeded' | 'Failed' | 'Aborted', name: string, index: number): void {
    const key = `mapIteration${outcome}EventDetails`;
    this.add(`MapIteration${outcome}`, { [key]: { name, index } });
  }

  public taskScheduled(task: TaskResource, region: string, parameters: Json, timeoutSeconds?: number, heartbeatSeconds?: number): void {
    if (task.legacyLambda) {
      this.add('LambdaFunctionScheduled', {
        lambdaFunctionScheduledEventDetails: {
          resource: task.resource,
          input: text(parameters),
          inputDetails: dataDetails,
          timeoutInSeconds: timeoutSeconds,
        },
      });
      return;
    }
    this.add('TaskScheduled', {
      taskScheduledEventDetails: {
        resourceType: task.resourceType,
        resource: task.resource,
        region,
        parameters: text(parameters),
        ...(timeoutSeconds === undefined ? {} : { timeoutInSeconds: timeoutSeconds }),
        ...(heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: heartbeatSeconds }),
      },
    });
  }

  public taskStarted(task: TaskResource): void {
    if (task.legacyLambda) this.add('LambdaFunctionStarted', {});
    else this.add('TaskStarted', { taskStartedEventDetails: { resourceType: task.resourceType, resource: task.resource } });
  }

  /** A callback task's integration call returned; the task now waits for its token. */
  public taskSubmitted(task: TaskResource, output: Json): void {
    this.add('TaskSubmitted', {
      taskSubmittedEventDetails: {
        resourceType: task.resourceType,
        resource: task.resource,
        output: text(output),
        outputDetails: dataDetails,
      },
    });
  }

  public taskSucceeded(task: TaskResource, output: Json): void {
    if (task.legacyLambda) {
      this.add('LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: text(output), outputDetails: dataDetails } });
      return;
    }
    this.add('TaskSucceeded', {
      taskSucceededEventDetails: {
        resourceType: task.resourceType,
        resource: task.resource,
        output: text(output),
        outputDetails: dataDetails,
      },
    });
  }

  public taskFailed(task: TaskResource, error: string, cause: string): void {
    if (task.legacyLambda) this.add('LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error, cause } });
    else this.add('TaskFailed', { taskFailedEventDetails: { resourceType: task.resourceType, resource: task.resource, error, cause } });
  }

  /** The task's TimeoutSeconds or HeartbeatSeconds passed. */
  public taskTimedOut(task: TaskResource, error: string, cause: string): void {
    if (task.legacyLambda) this.add('LambdaFunctionTimedOut', { lambdaFunctionTimedOutEventDetails: { error, cause } });
    else this.add('TaskTimedOut', { taskTimedOutEventDetails: { resourceType: task.resourceType, resource: task.resource, error, cause } });
  }

  private add(type: string, details: Record<string, unknown>): void {
    const id = this.events.length + 1;
    this.events.push({ timestamp: Date.now() / 1000, type, id, previousEventId: id - 1, ...details });
  }
}
