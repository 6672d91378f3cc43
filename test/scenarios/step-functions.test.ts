import { synthesizeForLocal } from '../../local/assembly';
import { type LocalRuntime, type StackInput, startLocalRuntime } from '../../local/runtime';
import { localTarget } from '../../local/target';
import { runStepFunctionsScenario, STEP_FUNCTIONS_STACK, type StepFunctionsCase } from '../../scenarios/step-functions';

let stack: StackInput;
beforeAll(() => {
  [stack] = synthesizeForLocal({ stacks: [STEP_FUNCTIONS_STACK] }).stacks;
}, 60_000);

async function scenarioOn(input: StackInput, cases?: readonly StepFunctionsCase[]) {
  const runtime: LocalRuntime = await startLocalRuntime({ stacks: [input], retryDelaySeconds: 0 });
  try {
    return {
      result: await runStepFunctionsScenario(localTarget(runtime, { retryDelaySeconds: 0, slackSeconds: 3 }), {
        cases,
        report: (l) => console.log(l),
      }),
      runtime,
    };
  } finally {
    await runtime.stop();
  }
}

test('passes', async () => {
  const { result } = await scenarioOn(stack);
  console.log(JSON.stringify(result, null, 1));
  expect(result.error).toBeUndefined();
}, 60_000);
