import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { parsePattern, startLogs } from '../../local/logs-server';
import { startLocalRuntime } from '../../local/runtime';
import type { Template } from '../../local/template';

const dir = mkdtempSync(path.join(tmpdir(), 'local-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stack = (template: Template) => [{ stackName: 'Broken', template, assemblyDir: dir }];

describe('what the runtime refuses, and says so', () => {
  test('an unsupported intrinsic fails startup naming the resource, the property and the expression', async () => {
    const template: Template = {
      Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { DelaySeconds: { 'Fn::ImportValue': 'shared-delay' } } } },
    };
    await expect(startLocalRuntime({ stacks: stack(template) })).rejects.toThrow(
      'Unsupported intrinsic Fn::ImportValue at Broken: Resources.Q.Properties.DelaySeconds: {"Fn::ImportValue":"shared-delay"}',
    );
  }, 20_000);

  test('a reference to an unknown resource fails startup with its name', async () => {
    const template: Template = {
      Resources: {
        Q: {
          Type: 'AWS::SQS::Queue',
          Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Nope', 'Arn'] }, maxReceiveCount: 2 } },
        },
      },
    };
    await expect(startLocalRuntime({ stacks: stack(template) })).rejects.toThrow(/Nope/);
  }, 20_000);

  test('a state machine using JSONata or an unsupported service is listed, not half-run', async () => {
    const machine = (definition: unknown) => ({
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { DefinitionString: JSON.stringify(definition) },
    });
    const template: Template = {
      Resources: {
        Jsonata: machine({ QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }),
        Distributed: machine({
          StartAt: 'M',
          States: {
            M: {
              Type: 'Map',
              ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
              End: true,
            },
          },
        }),
        Batch: machine({
          StartAt: 'Submit',
          States: { Submit: { Type: 'Task', Resource: 'arn:aws:states:::batch:submitJob.sync', End: true } },
        }),
      },
    };
    const runtime = await startLocalRuntime({ stacks: stack(template) });
    try {
      expect(runtime.notEmulated.map((n) => [n.logicalId, n.reason])).toEqual([
        ['Jsonata', 'JSONata query language (aws-local-stepfunctions evaluates JSONPath only)'],
        ['Distributed', 'state M is a distributed Map (not supported locally)'],
        ['Batch', 'state Submit calls arn:aws:states:::batch:submitJob.sync, which the local runtime does not emulate'],
      ]);
    } finally {
      await runtime.stop();
    }
  }, 20_000);

  test('an event source mapping with a filter is refused rather than run without its filter', async () => {
    const template: Template = {
      Resources: {
        Q: { Type: 'AWS::SQS::Queue', Properties: {} },
        F: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'python3.13', Handler: 'x.handler', Code: { ZipFile: 'x' } } },
        M: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { EventSourceArn: { 'Fn::GetAtt': ['Q', 'Arn'] }, FunctionName: { Ref: 'F' }, FilterCriteria: {} },
        },
      },
    };
    const runtime = await startLocalRuntime({ stacks: stack(template) });
    try {
      expect(runtime.notEmulated.find((n) => n.logicalId === 'F')?.reason).toBe(
        'runtime python3.13 cannot run in-process; only Node.js functions are emulated',
      );
      expect(runtime.notEmulated.find((n) => n.logicalId === 'M')?.reason).toMatch(/is not emulated$/);
    } finally {
      await runtime.stop();
    }
  }, 20_000);
});

describe('local CloudWatch Logs endpoint', () => {
  test('FilterLogEvents with terms and quoted phrases, pagination, and a clear error for JSON patterns', async () => {
    const logs = await startLogs();
    const client = new CloudWatchLogsClient({
      region: 'us-east-1',
      endpoint: logs.endpoint,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    try {
      for (let i = 0; i < 1500; i++) logs.put('/group', 'stream', i % 2 ? `{"message":"record failed","n":${i}}` : `ok ${i}`);
      const first = await client.send(new FilterLogEventsCommand({ logGroupName: '/group', filterPattern: '"record failed"' }));
      expect(first.events).toHaveLength(750);
      const paged = await client.send(new FilterLogEventsCommand({ logGroupName: '/group' }));
      expect(paged.events).toHaveLength(1000);
      const rest = await client.send(new FilterLogEventsCommand({ logGroupName: '/group', nextToken: paged.nextToken }));
      expect(rest.events).toHaveLength(500);
      expect(rest.nextToken).toBeUndefined();
      await expect(client.send(new FilterLogEventsCommand({ logGroupName: '/missing' }))).rejects.toThrow(
        'The specified log group does not exist: /missing',
      );
      await expect(client.send(new FilterLogEventsCommand({ logGroupName: '/group', filterPattern: '{ $.n = 1 }' }))).rejects.toThrow(
        /JSON or space-delimited pattern/,
      );
    } finally {
      client.destroy();
      await logs.stop();
    }
  });

  test('pattern terms', () => {
    expect(parsePattern('"record failed" abc-1 "a \\"quoted\\" one"')).toEqual(['record failed', 'abc-1', 'a "quoted" one']);
    expect(parsePattern('')).toEqual([]);
  });
});
