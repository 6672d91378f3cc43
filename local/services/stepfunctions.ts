import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  baseResource,
  type CompiledDefinition,
  compileDefinition,
  type StateMachineSpec,
  startStepFunctions,
  TaskError,
  unsupportedFeature,
} from '../stepfunctions';
import type { LocalService, ServiceHost, ServiceModule, StateTask } from './service';

/**
 * `AWS::StepFunctions::StateMachine` on aws-local-stepfunctions behind a local Step Functions
 * endpoint (`local/stepfunctions/`). Task states run on the integrations other services declare
 * (`stateTasks`), each also as a callback task (`.waitForTaskToken`) whose token SendTaskSuccess,
 * SendTaskFailure and SendTaskHeartbeat answer; a definition that uses something no service runs
 * (JSONata, a distributed Map, the `.sync` pattern, another integration) or that the engine's ASL
 * validator refuses is listed, not half-run. Deliveries to a state machine's ARN (EventBridge targets)
 * start an execution with the payload as its input.
 */
export const stepFunctionsService: ServiceModule = {
  name: 'sfn',
  async start(host: ServiceHost): Promise<LocalService> {
    const machines: StateMachineSpec[] = [];
    const taskOf = (resource: string): StateTask | undefined =>
      host
        .services()
        .flatMap((service) => service.stateTasks ?? [])
        .find((task) => task.matches(resource));
    const engine = await startStepFunctions(
      machines,
      async (resource, input) => {
        const task = taskOf(resource);
        if (!task) throw new TaskError('States.Runtime', `${resource} is not emulated by the local runtime`);
        return (await task.run(resource, input)) as never;
      },
      host.region,
    );
    let client: SFNClient | undefined;
    return {
      name: 'sfn',
      resourceTypes: ['AWS::StepFunctions::StateMachine'],
      endpoint: engine.endpoint,
      endpointVariable: 'SFN',
      async create(input) {
        const name = (input.prop('StateMachineName') as string | undefined) ?? input.physicalName;
        const arn = `arn:aws:states:${host.region}:${host.accountId}:stateMachine:${name}`;
        const created = { ref: arn, attributes: { Arn: arn, Name: name, StateMachineRevisionId: 'local' } };
        const substitutions = (input.prop('DefinitionSubstitutions') as Record<string, unknown> | undefined) ?? {};
        let text =
          input.resource.Properties?.Definition !== undefined
            ? JSON.stringify(input.prop('Definition'))
            : String(input.prop('DefinitionString'));
        text = text.replace(/\$\{([^}]+)\}/g, (whole, key: string) => (key in substitutions ? String(substitutions[key]) : whole));
        const definition = JSON.parse(text) as Record<string, unknown>;
        const why = unsupportedFeature(definition, (resource) => taskOf(baseResource(resource)) !== undefined);
        if (why) {
          input.list(why);
          return created;
        }
        let compiled: CompiledDefinition;
        try {
          compiled = compileDefinition(definition);
        } catch (error) {
          input.list(`the definition does not validate: ${(error as Error).message.replace(/\s+/g, ' ')}`);
          return created;
        }
        const roleArn = input.prop('RoleArn');
        machines.push({
          logicalId: input.logicalId,
          name,
          arn,
          type: input.prop('StateMachineType') === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
          definition,
          roleArn: typeof roleArn === 'string' ? roleArn : undefined,
          compiled,
        });
        return created;
      },
      owns: (arn) => arn.startsWith('arn:aws:states:') && arn.includes(':stateMachine:'),
      async deliver(arn, payload) {
        client ??= new SFNClient(host.clientConfig(engine.endpoint));
        await client.send(new StartExecutionCommand({ stateMachineArn: arn, input: payload.body }));
      },
      // Running executions are aborted before the services their tasks call stop.
      drain: () => engine.stop(),
      async stop() {
        client?.destroy();
      },
    };
  },
};
