import { synthesizeForLocal } from '../../local/assembly';
import type { StackInput } from '../../local/runtime';
import type { Template } from '../../local/template';
import { API_LAMBDA_STACK, runApiLambdaScenario } from '../../scenarios/api-lambda';
import { leftBehindBy, onLocalRuntime } from '../run-locally';

// Synthesized (and bundled) once; each mutation edits a copy of the template, as a broken deploy would.
let stack: StackInput;
beforeAll(() => {
  [stack] = synthesizeForLocal({ stacks: [API_LAMBDA_STACK] }).stacks;
}, 60_000);

async function scenarioOn(mutate?: (template: Template) => void) {
  const template = structuredClone(stack.template);
  mutate?.(template);
  const lines: string[] = [];
  return onLocalRuntime([{ ...stack, template }], 3, async (target, runtime) => {
    const { value: result, leftBehind } = await leftBehindBy(runtime, () => runApiLambdaScenario(target, { report: (l) => lines.push(l) }));
    return { result, lines, notEmulated: runtime.notEmulated, leftBehind };
  });
}

/** The properties of the REST method whose logical id starts with `prefix` (for example `RestApiquotesPOST`). */
function method(template: Template, prefix: string): Record<string, unknown> {
  const ids = Object.keys(template.Resources).filter((id) => new RegExp(`^${prefix}[0-9A-F]{8}$`).test(id));
  expect(ids).toHaveLength(1);
  return template.Resources[ids[0]].Properties as Record<string, unknown>;
}

describe('api-lambda scenario on the local runtime', () => {
  test('passes on the app as synthesized; throttling is reported as not emulated; what is not enforced is listed', async () => {
    const { result, lines, notEmulated, leftBehind } = await scenarioOn();
    expect(result.error).toBeUndefined();
    expect(result.steps.filter((s) => !s.ok)).toEqual([]);
    expect(result.steps).toHaveLength(9);
    expect(result.steps[0].detail).toMatch(
      /^REST http:\/\/[a-z0-9]{10}\.execute-api\.localhost:\d+\/v1\/ · HTTP http:\/\/[a-z0-9]{10}\.execute-api\.localhost:\d+\/ · WebSocket ws:\/\/[a-z0-9]{10}\.execute-api\.localhost:\d+\/v1$/,
    );
    expect(lines).toContain(
      '  – REST: a burst beyond GET /quotes method throttling is answered 429: not emulated locally (throttling is listed, not enforced; see docs/local-runtime.md)',
    );
    const listed = notEmulated.map((n) => `${n.type}: ${n.reason}`);
    for (const expected of [
      /^AWS::WAFv2::WebACL: AWS WAF/,
      /^AWS::ApiGateway::Stage: stage and method throttling are not enforced/,
      /^AWS::ApiGateway::Method: IAM authorization/,
      /^AWS::ApiGateway::Authorizer: Cognito user pool authorizer/,
      /^AWS::ApiGatewayV2::Authorizer: JWT authorizer/,
      /^Custom::ApiGatewayCloudWatchRole: account-level/,
    ]) {
      expect(listed.filter((l) => expected.test(l)).length).toBeGreaterThan(0);
    }
    // The two quotes are deleted and the connections closed (their $disconnect removes their items).
    expect(result.cleaned).toEqual([
      { what: 'the stale connection item', ok: true, detail: 'none left: the stack removed it' },
      { what: "this run's WebSocket connections", ok: true, detail: '2 closed; $disconnect removes their items' },
      { what: "this run's quotes", ok: true, detail: '2 deleted' },
    ]);
    expect(leftBehind).toEqual([]);
  }, 30_000);

  describe('bites when the deployed configuration is wrong', () => {
    test('the request validator removed from POST /quotes: the 400 comes from the function, not API Gateway', async () => {
      const { result } = await scenarioOn((t) => {
        delete method(t, 'RestApiquotesPOST').RequestValidatorId;
      });
      expect(result.error).toMatch(/^ScenarioError: the 400 came from the function, not from the request validator/);
    }, 30_000);

    test('the API key requirement removed from GET /quotes: a request without a key is answered', async () => {
      const { result } = await scenarioOn((t) => {
        method(t, 'RestApiquotesGET').ApiKeyRequired = false;
      });
      expect(result.error).toMatch(/^ScenarioError: GET \/quotes without x-api-key: expected 403, got 200 /);
    }, 30_000);

    test('the Lambda authorizer removed from POST /quotes: a denied client creates a quote (which the run deletes)', async () => {
      const { result, leftBehind } = await scenarioOn((t) => {
        const post = method(t, 'RestApiquotesPOST');
        post.AuthorizationType = 'NONE';
        delete post.AuthorizerId;
      });
      expect(result.error).toMatch(/^ScenarioError: POST \/quotes from a denied client: expected 403, got 201 /);
      // The quote the step expected to be refused is the run's too: deleted with the two others.
      expect(result.cleaned).toEqual([{ what: "this run's quotes", ok: true, detail: '3 deleted' }]);
      expect(leftBehind).toEqual([]);
    }, 30_000);
  });
});
