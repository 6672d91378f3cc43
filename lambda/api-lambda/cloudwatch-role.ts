import { Logger } from '@aws-lambda-powertools/logger';
import { APIGatewayClient, GetAccountCommand, UpdateAccountCommand } from '@aws-sdk/client-api-gateway';
import { GetRoleCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse, Context } from 'aws-lambda';

const logger = new Logger();
const apigateway = new APIGatewayClient({});
const iam = new IAMClient({});

/** The one physical id: the account setting is a per-region singleton. */
export const PHYSICAL_ID = 'apigateway-account-cloudwatch-role';

/** What the ensure step did: kept the account's working role, or set the stack's role. */
export interface Outcome {
  readonly action: 'kept' | 'set';
  readonly roleArn: string;
}

/** Waits between UpdateAccount attempts while a new role propagates through IAM. */
export const timing = { attempts: 8, delayMs: 5000 };

/** Whether a role ARN names a role that exists (the account setting can outlive the role it names). */
async function roleExists(roleArn: string): Promise<boolean> {
  const name = roleArn.split('/').pop() ?? '';
  try {
    await iam.send(new GetRoleCommand({ RoleName: name }));
    return true;
  } catch (error) {
    if (error instanceof NoSuchEntityException || (error as Error).name === 'NoSuchEntityException') return false;
    throw error;
  }
}

/**
 * Makes sure the region's API Gateway account setting names a CloudWatch Logs role that exists:
 * a working setting is kept as it is (another stack or project may rely on it); an unset or
 * dangling one is set to `roleArn`. A role created moments ago may not have propagated, so
 * UpdateAccount is retried for about half a minute.
 */
export async function ensureRole(roleArn: string): Promise<Outcome> {
  const account = await apigateway.send(new GetAccountCommand({}));
  const current = account.cloudwatchRoleArn;
  if (current && (current === roleArn || (await roleExists(current)))) return { action: 'kept', roleArn: current };
  for (let attempt = 1; ; attempt++) {
    try {
      await apigateway.send(new UpdateAccountCommand({ patchOperations: [{ op: 'replace', path: '/cloudwatchRoleArn', value: roleArn }] }));
      return { action: 'set', roleArn };
    } catch (error) {
      // "The role ARN does not have required permissions set to API Gateway" while IAM propagates.
      if ((error as Error).name !== 'BadRequestException' || attempt >= timing.attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, timing.delayMs));
    }
  }
}

/** Sends the custom resource's outcome to CloudFormation's pre-signed response URL. */
export async function respond(event: CloudFormationCustomResourceEvent, response: CloudFormationCustomResourceResponse): Promise<void> {
  const body = JSON.stringify(response);
  const sent = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!sent.ok) throw new Error(`CloudFormation response upload failed: HTTP ${sent.status}`);
}

/**
 * The custom resource behind `ApiGatewayCloudWatchRole`: on create and update it ensures the
 * account setting (see {@link ensureRole}); on delete it leaves the setting alone, because other
 * APIs of the account may log through it. Every path answers CloudFormation, failures included.
 */
export const handler = async (event: CloudFormationCustomResourceEvent, context: Context): Promise<void> => {
  logger.addContext(context);
  const base = {
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    PhysicalResourceId: PHYSICAL_ID,
  };
  try {
    if (event.RequestType === 'Delete') {
      await respond(event, { ...base, Status: 'SUCCESS', Data: { Action: 'left' } });
      return;
    }
    const roleArn = String(event.ResourceProperties.RoleArn ?? '');
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+/.test(roleArn)) throw new Error(`RoleArn ${JSON.stringify(roleArn)} is not an IAM role ARN`);
    const outcome = await ensureRole(roleArn);
    logger.info('API Gateway CloudWatch role ensured', { ...outcome });
    await respond(event, { ...base, Status: 'SUCCESS', Data: { Action: outcome.action, RoleArn: outcome.roleArn } });
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    logger.error('API Gateway CloudWatch role not ensured', { reason });
    await respond(event, { ...base, Status: 'FAILED', Reason: reason.slice(0, 1000) });
  }
};
