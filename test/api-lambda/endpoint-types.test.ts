import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ApiLambdaStack, PRIVATE_API_VPC_CIDR } from '../../lib/api-lambda';
import { STACK_IDS } from '../../lib/app';
import { appTemplate, NO_BUNDLING, settings } from '../helpers';

const ID = STACK_IDS.apiLambda;

/** Only this pattern's stack, with the props the app would pass for the context (fewer stacks to build). */
function stackTemplate(props: Partial<ConstructorParameters<typeof ApiLambdaStack>[2]> = {}): Template {
  return Template.fromStack(new ApiLambdaStack(new App({ context: NO_BUNDLING }), ID, { settings: settings(), ...props }));
}

describe('endpoint types and the custom domain', () => {
  test('edge-optimized', () => {
    stackTemplate({ endpointType: 'edge' }).hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['EDGE'] },
    });
  });

  test('private: an execute-api interface endpoint and a resource policy limiting the API to it', () => {
    const template = stackTemplate({ endpointType: 'private' });
    // The endpoint's one group, made for it: HTTPS from the VPC's range only, nothing outbound.
    const groups = template.findResources('AWS::EC2::SecurityGroup');
    expect(Object.keys(groups)).toHaveLength(1);
    const [[groupId, group]] = Object.entries(groups);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
      SecurityGroupIds: [{ 'Fn::GetAtt': [groupId, 'GroupId'] }],
    });
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: PRIVATE_API_VPC_CIDR });
    expect(group.Properties.SecurityGroupIngress).toEqual([
      { CidrIp: PRIVATE_API_VPC_CIDR, Description: expect.any(String), FromPort: 443, ToPort: 443, IpProtocol: 'tcp' },
    ]);
    expect(group.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' }),
    ]);
    expect(JSON.stringify(Object.values(template.findResources('AWS::EC2::VPCEndpoint'))[0].Properties.ServiceName)).toContain(
      '.execute-api',
    );
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['PRIVATE'], VpcEndpointIds: [{ Ref: Match.stringLikeRegexp('ExecuteApiEndpoint') }] },
      Policy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'execute-api:Invoke',
            Condition: { StringNotEquals: { 'aws:SourceVpce': [{ Ref: Match.stringLikeRegexp('ExecuteApiEndpoint') }] } },
          }),
        ]),
      },
    });
  });

  test('a custom domain: DNS-validated certificate, TLS 1.2, base path v1 to the stage, alias record', () => {
    const template = stackTemplate({ domainName: 'api.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' });
    template.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'api.example.com', ValidationMethod: 'DNS' });
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'api.example.com',
      SecurityPolicy: 'TLS_1_2',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    template.hasResourceProperties('AWS::ApiGateway::BasePathMapping', {
      BasePath: 'v1',
      Stage: { Ref: Match.stringLikeRegexp('^RestApiDeploymentStagev1') },
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'api.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
    });
    expect(template.findOutputs('CustomDomainUrl').CustomDomainUrl.Value).toEqual({
      'Fn::Join': ['', ['https://', { Ref: expect.stringMatching(/DomainName/) }, '/v1/']],
    });
  });

  test.each([
    [{ apiEndpointType: 'public' }, 'Invalid context apiEndpointType="public": allowed regional | edge | private (default regional)'],
    [
      { apiDomainName: 'API.example.com', apiHostedZoneId: 'Z1' },
      'Invalid context apiDomainName="API.example.com": allowed a lower-case domain name such as api.example.com, or unset',
    ],
    [
      { apiDomainName: 'api.example.com' },
      'Invalid context apiHostedZoneId=undefined: allowed a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ, or unset; it is required with apiDomainName',
    ],
    [
      { apiHostedZoneId: 'Zabc' },
      'Invalid context apiHostedZoneId="Zabc": allowed a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ, or unset',
    ],
  ])('bad context %j', (context, message) => {
    expect(() => appTemplate(ID, context)).toThrow(message);
  });
});
