import type { App } from 'aws-cdk-lib';
import { ContextError, stringKey } from '../shared/context-keys';
import { APPFLOW_FACTS, APPFLOW_SETTINGS } from '../shared/limits';
import type { PatternDefinition } from '../shared/pattern';
import { AppFlowStack } from './appflow-stack';

export * from './appflow-stack';
export * from './connectors';
export * from './filter';
export * from './flow-run-notifications';
export * from './ingestion-flow';
export * from './mapping';
export * from './s3-endpoints';
export * from './salesforce-source';
export * from './slack-source';
export * from './source';
export * from './task';
export * from './transform';
export * from './trigger';
export * from './validation';
export * from './zendesk-source';

const CONNECTION = /^[\w/!@#+=.-]{1,256}$/;
const CONNECTION_ALLOWED = 'the name of an AppFlow connection (connector profile) such as my-connection';

/** Context key: the AppFlow connection to Salesforce (adds the Salesforce event flow). */
export const SALESFORCE_CONNECTION_KEY = stringKey(
  'salesforceConnection',
  CONNECTION,
  CONNECTION_ALLOWED,
  "adds the AppFlow pattern's Salesforce-to-S3 event flow (account change events) on this existing connection",
);
/** Context key: the AppFlow connection to Slack (adds the Slack scheduled flow, with slackChannel). */
export const SLACK_CONNECTION_KEY = stringKey(
  'slackConnection',
  CONNECTION,
  CONNECTION_ALLOWED,
  "adds the AppFlow pattern's hourly Slack-to-S3 flow on this existing connection (needs slackChannel)",
);
/** Context key: the Slack channel whose conversation the Slack flow transfers. */
export const SLACK_CHANNEL_KEY = stringKey(
  'slackChannel',
  /^[A-Z0-9]{8,20}$/,
  'a Slack channel id such as C0123456789',
  "the channel of the AppFlow pattern's Slack flow (with slackConnection)",
);
/** Context key: the AppFlow connection to Zendesk (adds the Zendesk scheduled flow). */
export const ZENDESK_CONNECTION_KEY = stringKey(
  'zendeskConnection',
  CONNECTION,
  CONNECTION_ALLOWED,
  "adds the AppFlow pattern's hourly Zendesk-to-S3 ticket flow on this existing connection",
);

/** The AppFlow data ingestion pattern. */
export const pattern: PatternDefinition = {
  name: 'appflow',
  stackId: 'Decoupling-AppFlow',
  title: 'AppFlow data ingestion (S3 to S3 with mapping, filters, validations; Salesforce, Slack, Zendesk with a connection)',
  contextKeys: [SALESFORCE_CONNECTION_KEY, SLACK_CONNECTION_KEY, SLACK_CHANNEL_KEY, ZENDESK_CONNECTION_KEY],
  reuses: [],
  guide: { settings: APPFLOW_SETTINGS, facts: APPFLOW_FACTS },
  build: (scope: App, config) => {
    const slackConnection = config.get(SLACK_CONNECTION_KEY);
    const slackChannel = config.get(SLACK_CHANNEL_KEY);
    if (slackConnection !== undefined && slackChannel === undefined) {
      throw new ContextError(
        SLACK_CONNECTION_KEY.name,
        slackConnection,
        `a connection only with -c ${SLACK_CHANNEL_KEY.name}=<channel id>`,
      );
    }
    if (slackConnection === undefined && slackChannel !== undefined) {
      throw new ContextError(SLACK_CHANNEL_KEY.name, slackChannel, `only with -c ${SLACK_CONNECTION_KEY.name}=<connection>`);
    }
    return new AppFlowStack(scope, pattern.stackId, {
      settings: config.settings,
      alarmEmail: config.alarmEmail,
      salesforceConnection: config.get(SALESFORCE_CONNECTION_KEY),
      slackConnection,
      slackChannel,
      zendeskConnection: config.get(ZENDESK_CONNECTION_KEY),
    });
  },
};
