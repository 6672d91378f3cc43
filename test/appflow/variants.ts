import type { App } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { pattern } from '../../lib/appflow';
import type { ContextKey } from '../../lib/shared/context-keys';
import { profileSettings } from '../../lib/shared/profile';

/** Every connector-profile context key of the pattern, as `-c key=value` would give them. */
export const SAAS_CONTEXT: Readonly<Record<string, string>> = {
  salesforceConnection: 'my-salesforce',
  slackConnection: 'my-slack',
  slackChannel: 'C0123456789',
  zendeskConnection: 'my-zendesk',
};

/**
 * The opt-in variant of the AppFlow pattern that the whole-app test synthesizes with CloudFormation
 * Validate and cdk-nag (test/app.test.ts loads `test/<pattern>/variants.ts` of every registered
 * pattern into one app): the stack built by the pattern's own `build` with every connector-profile
 * context key set, so the Salesforce (event), Slack and Zendesk (scheduled) flows are in it.
 */
export function addVariants(app: App): (assembly: CloudAssembly) => void {
  const keys = new Set(pattern.contextKeys.map((key) => key.name));
  // A key of the pattern that this file does not set would leave a variant out of the check.
  expect([...keys].sort()).toEqual(Object.keys(SAAS_CONTEXT).sort());
  const stack = pattern.build(app, {
    settings: profileSettings('sandbox'),
    get: <T>(key: ContextKey<T>) => key.read(SAAS_CONTEXT[key.name]),
  });
  return (assembly) => {
    const { Resources } = assembly.getStackByName(stack.stackName).template as {
      Resources: Record<string, { Type: string; Properties: { SourceFlowConfig: { ConnectorType: string } } }>;
    };
    const connectors = Object.values(Resources)
      .filter((r) => r.Type === 'AWS::AppFlow::Flow')
      .map((r) => r.Properties.SourceFlowConfig.ConnectorType);
    expect(connectors.sort()).toEqual(['S3', 'Salesforce', 'Slack', 'Zendesk']);
  };
}
