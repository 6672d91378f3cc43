import { type LocalRuntime, type StackInput, startLocalRuntime } from '../local/runtime';
import { localTarget, type Target } from '../local/target';

/**
 * Starts the local runtime on `stacks` (failed records retried at once), runs `run` with a local target
 * whose waits fail after `slackSeconds` without progress, and stops the runtime, also when `run` throws.
 */
export async function onLocalRuntime<T>(
  stacks: StackInput[],
  slackSeconds: number,
  run: (target: Target, runtime: LocalRuntime) => Promise<T>,
): Promise<T> {
  const runtime = await startLocalRuntime({ stacks, retryDelaySeconds: 0 });
  try {
    return await run(localTarget(runtime, { retryDelaySeconds: 0, slackSeconds }), runtime);
  } finally {
    await runtime.stop();
  }
}
