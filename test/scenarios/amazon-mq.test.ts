import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { App, Stack } from 'aws-cdk-lib';
import type * as amazonmq from 'aws-cdk-lib/aws-amazonmq';
import { synthesizeForLocal } from '../../local/assembly';
import type { StackInput } from '../../local/runtime';
import { AMAZON_MQ_STACK, type Engine, runAmazonMqScenario } from '../../scenarios/amazon-mq';
import { describeWithBrokers } from '../amazon-mq/brokers';
import { leftBehindBy, onLocalRuntime } from '../run-locally';

/** Synthesizes the app (optionally broken on purpose), starts the runtime on the real local brokers, runs the scenario. */
async function scenarioOn(options: { mutate?: (app: App) => void; afterSynth?: (stack: StackInput) => void; engines?: Engine[] } = {}) {
  const { stacks } = synthesizeForLocal({ mutate: options.mutate, stacks: [AMAZON_MQ_STACK] });
  for (const stack of stacks) options.afterSynth?.(stack);
  return onLocalRuntime(stacks, 4, async (target, runtime) => {
    const { value: result, leftBehind } = await leftBehindBy(runtime, () =>
      runAmazonMqScenario(target, { engines: options.engines, orders: 6 }),
    );
    return { result, runtime, leftBehind };
  });
}

function stackOf(app: App): Stack {
  return app.node.findChild(AMAZON_MQ_STACK) as Stack;
}

describeWithBrokers('the amazon-mq scenario on the local brokers')('amazon-mq scenario on the local runtime and real brokers', () => {
  test('passes on the app as synthesized: both engines, every step; leaves the table as it found it', async () => {
    const { result, runtime, leftBehind } = await scenarioOn();
    expect(result.error).toBeUndefined();
    expect(result.steps.filter((s) => !s.ok)).toEqual([]);
    expect(result.steps).toHaveLength(9);
    expect(result.counters).toEqual({ sent: 24, processed: 22, deadLettered: 2 });
    expect(runtime.deliveryProblems).toEqual([]);
    // Per engine: 6 orders and 5 after the crash processed, the poison message's dead-letter record.
    expect(result.cleaned).toEqual(
      expect.arrayContaining(
        ['RabbitMQ', 'ActiveMQ'].map((name) => ({
          what: `${name}: the processed and dead-letter records of this run's orders`,
          ok: true,
          detail: '12 deleted',
        })),
      ),
    );
    expect(result.cleaned).toHaveLength(2);
    expect(leftBehind).toEqual([]);
  }, 240_000);

  describe('bites when the consumer or the deployed configuration is wrong', () => {
    test('a consumer that acknowledges before processing (returns before its work is done) loses messages in the crash step', async () => {
      const { result } = await scenarioOn({
        engines: ['RABBITMQ'],
        afterSynth: (stack) => {
          const [id, consumer] = Object.entries(stack.template.Resources).find(
            ([, r]) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties).includes('"amazon-mq-consumer"'),
          ) as unknown as [string, { Properties: { Code: { S3Key: string }; Handler: string } }];
          const dir = path.join(stack.assemblyDir, `asset.${consumer.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
          // The real handler, started but not awaited: the event source acknowledges the batch at once.
          writeFileSync(
            path.join(dir, 'ack-first.js'),
            "const real = require('./index.js');\nexports.handler = async (event, context) => { real.handler(event, context).catch(() => undefined); return { acknowledged: true }; };\n",
          );
          consumer.Properties.Handler = 'ack-first.handler';
          expect(id).toMatch(/^Consumer/);
        },
      });
      expect(result.steps.find((s) => !s.ok)?.name).toBe(
        'RabbitMQ: a consumer that crashes mid-batch loses nothing (the batch is redelivered)',
      );
      expect(result.error).toMatch(
        /^ScenarioError: no progress for \d+ s waiting for 5 RabbitMQ orders after a crash \([0-4] of 5 processed\)$/,
      );
    }, 180_000);

    test('an ActiveMQ configuration without individual dead-letter queues: the poison message never reaches DLQ.orders', async () => {
      const { result } = await scenarioOn({
        engines: ['ACTIVEMQ'],
        mutate: (app) => {
          const config = stackOf(app)
            .node.findAll()
            .find((c) => c.node.path.endsWith('ActiveMqBroker/Configuration')) as amazonmq.CfnConfiguration;
          config.addPropertyOverride('Data', { 'Fn::Base64': '<broker xmlns="http://activemq.apache.org/schema/core"/>' });
        },
      });
      expect(result.steps.find((s) => !s.ok)?.name).toBe('ActiveMQ: a message that fails every time is dead-lettered after 7 deliveries');
      expect(result.error).toMatch(/no progress for \d+ s waiting for .*-p0 in DLQ\.orders \(7 failed deliveries so far\)$/);
    }, 180_000);

    test('no Lambda endpoint in the VPC: the event source consumes nothing, as on AWS', async () => {
      const { result, runtime } = await scenarioOn({
        engines: ['RABBITMQ'],
        mutate: (app) => {
          const endpoint = stackOf(app)
            .node.findAll()
            .find((c) => c.node.path.endsWith('Network/Vpc/LambdaEndpoint'));
          endpoint?.node.scope?.node.tryRemoveChild('LambdaEndpoint');
        },
      });
      expect(result.error).toMatch(/^ScenarioError: no progress for \d+ s waiting for 6 RabbitMQ orders \(0 of 6 processed\)$/);
      expect(runtime.deliveryProblems.map((p) => p.reason)).toContainEqual(expect.stringMatching(/no interface endpoint .* for lambda/));
    }, 180_000);
  });
});
