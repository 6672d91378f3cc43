import type { App } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { profileSettings } from '../../lib/shared/profile';
import { SqsDlqStack } from '../../lib/sqs-dlq';

/**
 * The opt-in variants of the SQS pattern that the whole-app test synthesizes with CloudFormation
 * Validate and cdk-nag (test/app.test.ts loads `test/<pattern>/variants.ts` of every registered
 * pattern into one app): the backlog worker with your image, production profile.
 */
export function addVariants(app: App): (assembly: CloudAssembly) => void {
  new SqsDlqStack(app, 'SqsDlqWithWorker', {
    settings: profileSettings('production'),
    backlogWorker: true,
    workerImage: ecs.ContainerImage.fromRegistry('public.ecr.aws/example/order-worker:1.0.0'),
  });
  return (assembly) => {
    const resources = Object.values(assembly.getStackByName('SqsDlqWithWorker').template.Resources as Record<string, { Type: string }>);
    expect(resources.filter((r) => r.Type === 'AWS::ECS::Service')).toHaveLength(1);
  };
}
