import type { App } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { variantMatrix } from './variant-matrix';

/**
 * The opt-in variants of the S3 -> Batch pattern that the whole-app test synthesizes with
 * CloudFormation Validate and cdk-nag: every resource shape the compute variants (Fargate Spot, EC2,
 * EC2 Spot, unmanaged) add, in public and private networks.
 */
export function addVariants(app: App): (assembly: CloudAssembly) => void {
  const stack = variantMatrix(app);
  return (assembly) => {
    expect(Object.keys(assembly.getStackByName(stack.stackName).template.Resources).length).toBeGreaterThan(0);
  };
}
