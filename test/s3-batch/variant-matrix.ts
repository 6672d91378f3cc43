import { type App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type BatchComputeKind, BatchNetwork, JOB_COMPUTE, JobSubnets, ObjectJobDefinition, PriorityJobQueues } from '../../lib/s3-batch';

/**
 * One stack holding each shape of resource the S3 -> Batch compute variants add to the default
 * (Fargate) stack: Fargate Spot, EC2, EC2 Spot and unmanaged environments with their queues, launch
 * templates, instance and service roles, the EC2 job definition, and the private network with the ECS
 * endpoints, each variant in a public or a private network. The whole-app test synthesizes it with
 * CloudFormation Validate and cdk-nag (whose engine it has already loaded); `s3-batch-stack.test.ts`
 * asserts on its template.
 */
export function variantMatrix(app: App): Stack {
  const stack = new Stack(app, 'S3BatchComputeVariants');
  const bucket = new s3.Bucket(stack, 'Data', {
    enforceSSL: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    serverAccessLogsPrefix: 'access-logs/',
  });
  const publicSubnets = new BatchNetwork(stack, 'Public', { subnets: JobSubnets.PUBLIC });
  const privateEc2 = new BatchNetwork(stack, 'PrivateEc2', { subnets: JobSubnets.PRIVATE_WITH_ENDPOINTS, platform: 'EC2' });
  const combinations: Array<[BatchComputeKind, BatchNetwork]> = [
    ['fargate-spot', publicSubnets],
    ['ec2', privateEc2],
    ['ec2-spot', publicSubnets],
    ['unmanaged', privateEc2],
  ];
  for (const [kind, network] of combinations) {
    const queues = new PriorityJobQueues(stack, `Queues-${kind}`, { compute: JOB_COMPUTE[kind](), network });
    new ObjectJobDefinition(stack, `Job-${kind}`, {
      bucket,
      inputPrefix: 'incoming/',
      outputPrefix: 'results/',
      platform: queues.platform,
      network,
      maxvCpus: queues.maxvCpus,
    });
  }
  return stack;
}
