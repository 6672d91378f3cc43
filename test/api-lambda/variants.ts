import { type App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { ApiLambdaStack } from '../../lib/api-lambda';
import { profileSettings } from '../../lib/shared/profile';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/**
 * The opt-in variants of the API front door that the whole-app test synthesizes with CloudFormation
 * Validate and cdk-nag (test/app.test.ts loads `test/<pattern>/variants.ts` of every registered
 * pattern into one app): a private REST API with the VPC and interface endpoint it creates, a private
 * one in a VPC you give, an edge-optimized one with its custom domain (us-east-1), and a regional
 * custom domain; what `-c apiEndpointType=...` and `-c apiDomainName=... -c apiHostedZoneId=...` build.
 */
export function addVariants(app: App): (assembly: CloudAssembly) => void {
  const settings = profileSettings('sandbox');
  const domain = { domainName: 'api.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' };
  new ApiLambdaStack(app, 'ApiLambdaPrivate', { settings, endpointType: 'private' });
  const network = new Stack(app, 'ApiLambdaNetwork');
  const vpc = new ec2.Vpc(network, 'Vpc', {
    maxAzs: 1,
    natGateways: 0,
    subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    flowLogs: {
      Rejected: {
        destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(network, 'FlowLogs')),
        trafficType: ec2.FlowLogTrafficType.REJECT,
      },
    },
  });
  new ApiLambdaStack(app, 'ApiLambdaPrivateInVpc', { settings, endpointType: 'private', vpc });
  new ApiLambdaStack(app, 'ApiLambdaEdgeDomain', {
    settings,
    endpointType: 'edge',
    ...domain,
    env: { account: '111111111111', region: 'us-east-1' },
  });
  new ApiLambdaStack(app, 'ApiLambdaRegionalDomain', { settings, ...domain });

  return (assembly) => {
    const resources = (stackName: string) => Object.values(assembly.getStackByName(stackName).template.Resources as Resources);
    const ofType = (stackName: string, type: string) => resources(stackName).filter((r) => r.Type === type);
    const endpointTypes = (stackName: string) =>
      ofType(stackName, 'AWS::ApiGateway::RestApi').map((r) => (r.Properties.EndpointConfiguration as { Types: string[] }).Types);
    expect(endpointTypes('ApiLambdaPrivate')).toEqual([['PRIVATE']]);
    expect(endpointTypes('ApiLambdaPrivateInVpc')).toEqual([['PRIVATE']]);
    expect(ofType('ApiLambdaPrivateInVpc', 'AWS::EC2::VPC')).toHaveLength(0);
    expect(endpointTypes('ApiLambdaEdgeDomain')).toEqual([['EDGE']]);
    expect(endpointTypes('ApiLambdaRegionalDomain')).toEqual([['REGIONAL']]);
    for (const stackName of ['ApiLambdaPrivate', 'ApiLambdaPrivateInVpc']) {
      expect(ofType(stackName, 'AWS::EC2::VPCEndpoint')).toHaveLength(1);
      expect(ofType(stackName, 'AWS::EC2::SecurityGroup')).toHaveLength(1);
    }
    for (const [stackName, type] of [
      ['ApiLambdaEdgeDomain', 'EDGE'],
      ['ApiLambdaRegionalDomain', 'REGIONAL'],
    ]) {
      expect(ofType(stackName, 'AWS::ApiGateway::DomainName').map((r) => r.Properties.EndpointConfiguration)).toEqual([{ Types: [type] }]);
      expect(ofType(stackName, 'AWS::ApiGateway::BasePathMapping')).toHaveLength(1);
    }
  };
}
