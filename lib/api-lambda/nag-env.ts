import { Stack, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { IConstruct } from 'constructs';

/** The partition, region and account of a scope's stack as cdk-nag prints them in a finding id. */
export interface NagEnv {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/**
 * How cdk-nag writes the stack's environment inside an ARN of a finding id (`AwsSolutions-IAM5[Resource::arn:...]`):
 * the value when the stack's `env` gives it (the partition follows from a known region), the pseudo
 * parameter as `<AWS::Region>` when the stack is environment-agnostic. An acknowledgement must name
 * the finding exactly, so it is built from this rather than written out.
 */
export function nagEnv(scope: IConstruct): NagEnv {
  const stack = Stack.of(scope);
  const known = (value: string) => !Token.isUnresolved(value);
  const partition = known(stack.region) ? RegionInfo.get(stack.region).partition : undefined;
  return {
    partition: partition ?? '<AWS::Partition>',
    region: known(stack.region) ? stack.region : '<AWS::Region>',
    account: known(stack.account) ? stack.account : '<AWS::AccountId>',
  };
}
