import type { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { IConstruct } from 'constructs';
import { PropError, seconds } from '../shared/guards';
import { acknowledge } from '../shared/nag';
import type { WorkflowStateMachine } from './workflow-state-machine';

/** A string of the state's input (or the context object, `$$.`), at a JSONPath. */
export const at = (path: string): string => sfn.JsonPath.stringAt(path);
/** A number of the state's input, at a JSONPath. */
export const numberAt = (path: string): number => sfn.JsonPath.numberAt(path);
/** A DynamoDB string attribute from the state's input. */
export const ddbString = (path: string): tasks.DynamoAttributeValue => tasks.DynamoAttributeValue.fromString(at(path));
/** A DynamoDB number attribute from a number of the state's input. */
export const ddbNumber = (path: string): tasks.DynamoAttributeValue =>
  tasks.DynamoAttributeValue.numberFromString(sfn.JsonPath.jsonToString(numberAt(path)));

/**
 * Refuses a Lambda task timeout shorter than the function's own timeout (when both are known):
 * `whose` names the function in the error (`the validator's`), `consequence` adds why it matters.
 */
export function guardTaskTimeoutCoversFunction(
  scope: IConstruct,
  taskTimeout: Duration,
  fn: lambda.IFunction,
  whose: string,
  consequence = '',
): void {
  const fnSeconds = fn instanceof lambda.Function ? seconds(fn.timeout) : undefined;
  const task = seconds(taskTimeout);
  if (fnSeconds !== undefined && task !== undefined && task < fnSeconds) {
    throw new PropError(scope, 'taskTimeout', `= ${task} s is shorter than ${whose} timeout (${fnSeconds} s)${consequence}`);
  }
}

/**
 * Acknowledges, on the state machine's policy, the `<function ARN>:*` resource that a Lambda task's
 * grant adds: it allows any version or alias of `fn` (`what` names it), the function itself is fixed.
 * A function defined outside the app has no logical id to name: nothing is acknowledged for it.
 */
export function acknowledgeFunctionQualifiers(workflow: WorkflowStateMachine, fn: lambda.IFunction, what: string): void {
  const policy = workflow.stateMachine.role.node.tryFindChild('DefaultPolicy');
  const resource = fn.node.defaultChild as lambda.CfnFunction | undefined;
  if (!policy || !resource) return;
  acknowledge(
    policy,
    `AwsSolutions-IAM5[Resource::<${resource.stack.getLogicalId(resource)}.Arn>:*]`,
    `The Lambda integration grants invoking any version or alias of the ${what} (FunctionName:qualifier); the function itself is fixed.`,
  );
}
