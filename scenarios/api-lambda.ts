import { randomBytes } from 'node:crypto';
import { APIGatewayClient, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import WebSocket from 'ws';
import { requireOutput, type Target } from '../local/target';
import { deletedOf, deleteItems } from './cleanup';
import { eventually, expectThat, Run, runId, type ScenarioDefinition, type ScenarioResult } from './scenario';

/** The stack this scenario exercises. */
export const API_LAMBDA_STACK = 'Decoupling-ApiLambda';

/** Options of {@link runApiLambdaScenario}. */
export interface ApiLambdaScenarioOptions {
  readonly report?: (line: string) => void;
  /** @default 'Decoupling-ApiLambda' */
  readonly stackName?: string;
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

/**
 * The API front door scenario: the three APIs answer at the URLs the stack outputs. Through the
 * REST API, create (idempotently), list and get quotes with the API key and an admitted client; a
 * body without a required field is a 400 naming it, an unknown id a 404, a request without the API
 * key a 403, and a client the Lambda authorizer denies a 403. The HTTP API lists the same quotes and
 * refuses a write without a JWT (401). Two WebSocket clients connect (a denied client cannot), one
 * sends, both receive the broadcast, and a stale connection in the table is removed (410 Gone).
 * On AWS, a burst beyond GET /quotes's method throttling is answered 429; locally that step is
 * reported as not emulated.
 */
export async function runApiLambdaScenario(target: Target, options: ApiLambdaScenarioOptions = {}): Promise<ScenarioResult> {
  const run = new Run('api-lambda', target, options.report);
  const stackName = options.stackName ?? API_LAMBDA_STACK;
  const apigateway = new APIGatewayClient(target.clientConfig('apigateway'));
  const dynamodb = new DynamoDBClient(target.clientConfig('dynamodb'));
  const sockets: WebSocket[] = [];
  const created: string[] = [];
  try {
    const outputs = await target.outputs(stackName);
    const out = (key: string) => requireOutput(outputs, stackName, key);
    const id = runId();
    const rest = out('RestApiUrl');
    const deadline = target.slackSeconds + 2 * target.cycleSeconds;
    const quotesTable = out('QuotesTableName');
    // Every quote an answer says was created (201 with its id), also where a step expected a refusal.
    const written = new Set<string>();
    run.cleanup("this run's quotes", async () => {
      const existed = await deleteItems(
        dynamodb,
        quotesTable,
        [...written].map((quoteId) => ({ id: { S: quoteId } })),
      );
      return deletedOf(existed, written.size);
    });
    const call = async (url: string, init: RequestInit = {}): Promise<Answer> => {
      run.counters.sent++;
      const response = await fetch(url, init);
      const text = await response.text();
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // not JSON: kept as text
      }
      if (response.status === 201 && typeof json.id === 'string') written.add(json.id);
      return { status: response.status, headers: response.headers, text, json };
    };
    const expectStatus = (answer: Answer, status: number, what: string) => {
      expectThat(answer.status === status, `${what}: expected ${status}, got ${answer.status} ${answer.text.slice(0, 200)}`);
      run.counters.processed++;
    };

    await run.step('the REST, HTTP and WebSocket APIs are served', async () => {
      return `REST ${rest} · HTTP ${out('HttpApiUrl')} · WebSocket ${out('WebSocketUrl')}`;
    });

    const key = await apigateway.send(new GetApiKeyCommand({ apiKey: out('ApiKeyId'), includeValue: true }));
    expectThat(typeof key.value === 'string' && key.value.length > 0, `GetApiKey returned no value for ${out('ApiKeyId')}`);
    const keyed = { 'x-api-key': key.value as string, 'content-type': 'application/json' };
    const client = { ...keyed, 'x-client-id': out('AllowedClientId') };

    const quotes = [
      { text: `Simplicity is prerequisite for reliability (${id})`, author: 'Edsger W. Dijkstra', tags: ['reliability'] },
      { text: `Make it work, make it right, make it fast (${id})`, author: 'Kent Beck' },
    ];
    await run.step('REST: create two quotes with the API key and an admitted client; a replay returns the same quote', async () => {
      for (const [i, quote] of quotes.entries()) {
        const answer = await call(`${rest}quotes`, {
          method: 'POST',
          headers: { ...client, 'idempotency-key': `${id}-${i}` },
          body: JSON.stringify(quote),
        });
        expectStatus(answer, 201, `POST /quotes ${i}`);
        created.push(String(answer.json.id));
      }
      const replay = await call(`${rest}quotes`, {
        method: 'POST',
        headers: { ...client, 'idempotency-key': `${id}-0` },
        body: JSON.stringify(quotes[0]),
      });
      expectStatus(replay, 200, 'replayed POST /quotes');
      expectThat(replay.json.id === created[0], `the replay created ${String(replay.json.id)} instead of returning ${created[0]}`);
      return `201 twice (${created.join(', ')}); the replay answered 200 with the first quote`;
    });

    await run.step('REST: list and get the quotes; the stage variable names the version', async () => {
      const list = await call(`${rest}quotes?limit=100`, { headers: keyed });
      expectStatus(list, 200, 'GET /quotes');
      const listed = ((list.json.quotes ?? []) as Array<{ id: string }>).map((q) => q.id);
      expectThat(
        created.every((c) => listed.includes(c)),
        `GET /quotes lists ${listed.length} quotes without ${created.filter((c) => !listed.includes(c)).join(', ')}`,
      );
      const one = await call(`${rest}quotes/${created[1]}`, { headers: keyed });
      expectStatus(one, 200, `GET /quotes/${created[1]}`);
      expectThat(one.json.text === quotes[1].text, `GET /quotes/${created[1]} returned ${one.text.slice(0, 200)}`);
      const version = list.headers.get('x-api-version');
      expectThat(version === 'v1', `x-api-version is ${version}, the stage variable says v1`);
      return `${listed.length} listed, both present; GET by id returns the text; x-api-version ${version}`;
    });

    await run.step('REST: a body without "author" is a 400 naming the field, before the function runs', async () => {
      const answer = await call(`${rest}quotes`, { method: 'POST', headers: client, body: JSON.stringify({ text: `no author (${id})` }) });
      expectStatus(answer, 400, 'POST /quotes without author');
      expectThat(answer.text.includes('author'), `the 400 does not name the field: ${answer.text}`);
      // API Gateway's own responses carry x-amzn-ErrorType; the function's 400 would not.
      const errorType = answer.headers.get('x-amzn-errortype') ?? '';
      expectThat(
        errorType.startsWith('BadRequestException'),
        `the 400 came from the function, not from the request validator (no x-amzn-ErrorType BadRequestException): ${answer.text.slice(0, 160)}`,
      );
      return String(answer.json.message ?? answer.text).slice(0, 140);
    });

    await run.step('REST: an unknown id is a 404', async () => {
      const answer = await call(`${rest}quotes/${id}-missing`, { headers: keyed });
      expectStatus(answer, 404, 'GET of an unknown id');
      return String(answer.json.message);
    });

    await run.step('REST: a request without the API key is a 403', async () => {
      const answer = await call(`${rest}quotes`, { headers: { 'content-type': 'application/json' } });
      expectStatus(answer, 403, 'GET /quotes without x-api-key');
      return `${answer.status} ${answer.text}`;
    });

    await run.step('REST: a client the Lambda authorizer denies is a 403', async () => {
      const answer = await call(`${rest}quotes`, {
        method: 'POST',
        headers: { ...keyed, 'x-client-id': `intruder-${id}` },
        body: JSON.stringify({ text: 'denied', author: 'nobody' }),
      });
      expectStatus(answer, 403, 'POST /quotes from a denied client');
      return `${answer.status} ${answer.text}`;
    });

    await run.step('HTTP API: lists the same quotes (payload 2.0); a write without a JWT is a 401', async () => {
      const http = out('HttpApiUrl');
      const list = await call(`${http}quotes?limit=100`);
      expectStatus(list, 200, 'HTTP API GET /quotes');
      const listed = ((list.json.quotes ?? []) as Array<{ id: string }>).map((q) => q.id);
      expectThat(
        created.every((c) => listed.includes(c)),
        'the HTTP API does not list the quotes the REST API created',
      );
      const write = await call(`${http}quotes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(quotes[0]),
      });
      expectStatus(write, 401, 'HTTP API POST /quotes without a token');
      return `${listed.length} listed; POST without a token ${write.status}`;
    });

    await run.step('WebSocket: two clients connect, one sends, both receive the broadcast; a stale connection is removed', async () => {
      const url = out('WebSocketUrl');
      const table = out('ConnectionsTableName');
      // Closing a connection runs $disconnect, which removes its item (AWS calls it on a best-effort
      // basis; the items also expire after two hours).
      run.cleanup("this run's WebSocket connections", async () => {
        const open = sockets.filter((s) => s.readyState === WebSocket.OPEN);
        await Promise.all(open.map((s) => closed(s)));
        return `${open.length} closed; $disconnect removes their items`;
      });
      const denied = await connect(`${url}?clientId=intruder-${id}`).then(
        (socket) => {
          sockets.push(socket.ws);
          return 'connected';
        },
        (error: Error) => error.message,
      );
      expectThat(denied === 'HTTP 403', `a denied client's $connect: expected HTTP 403, got ${denied}`);
      const [a, b] = await Promise.all([
        connect(`${url}?clientId=${out('AllowedClientId')}`),
        connect(`${url}?clientId=${out('AllowedClientId')}`),
      ]);
      sockets.push(a.ws, b.ws);
      // A connection that closed without $disconnect (AWS calls $disconnect on a best-effort basis).
      const stale = randomBytes(11).toString('base64');
      run.cleanup('the stale connection item', async () =>
        (await deleteItems(dynamodb, table, [{ connectionId: { S: stale } }])) > 0
          ? 'deleted: the stack left it'
          : 'none left: the stack removed it',
      );
      await dynamodb.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            connectionId: { S: stale },
            clientId: { S: `stale-${id}` },
            expiresAt: { N: String(Math.floor(Date.now() / 1000) + 600) },
          },
        }),
      );
      const message = `hello from ${id}`;
      a.ws.send(JSON.stringify({ action: 'sendMessage', message }));
      run.counters.sent++;
      for (const [name, socket] of [
        ['sender', a],
        ['other client', b],
      ] as const) {
        await eventually(`the ${name} to receive the broadcast`, deadline, async () =>
          socket.received.some((frame) => frame.includes(message)) ? true : undefined,
        );
      }
      run.counters.processed++;
      await eventually('the stale connection to be removed from the table', deadline, async () => {
        const item = await dynamodb.send(
          new GetItemCommand({ TableName: table, Key: { connectionId: { S: stale } }, ConsistentRead: true }),
        );
        return item.Item ? undefined : true;
      });
      return 'a denied client got 403; both clients received the message; the stale connection (410 Gone) was deleted';
    });

    const throttling = 'REST: a burst beyond GET /quotes method throttling is answered 429';
    if (target.name === 'aws') {
      await run.step(throttling, async () => {
        const burst = Number(out('ListBurstLimit'));
        const count = Math.min(4 * burst + 10, 60);
        const answers = await Promise.all(Array.from({ length: count }, () => call(`${rest}quotes?limit=1`, { headers: keyed })));
        const limited = answers.filter((a) => a.status === 429).length;
        expectThat(limited > 0, `none of ${count} simultaneous requests was throttled (burst ${burst})`);
        run.counters.processed += count;
        return `${limited} of ${count} simultaneous requests answered 429 (burst ${burst})`;
      });
    } else {
      options.report?.(`  – ${throttling}: not emulated locally (throttling is listed, not enforced; see docs/local-runtime.md)`);
    }
    return await run.finish();
  } catch (error) {
    return await run.finish(error);
  } finally {
    for (const socket of sockets) socket.terminate();
    apigateway.destroy();
    dynamodb.destroy();
  }
}

/** Closes a WebSocket with a close frame and waits until it is closed (or two seconds). */
function closed(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 2000);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1000, 'scenario done');
  });
}

/** Opens a WebSocket; rejects with `HTTP <status>` when the handshake is refused. Frames received are kept. */
function connect(url: string): Promise<{ ws: WebSocket; received: string[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const received: string[] = [];
    ws.on('message', (data) => received.push(String(data)));
    ws.once('open', () => resolve({ ws, received }));
    ws.once('unexpected-response', (_request, response) => {
      reject(new Error(`HTTP ${response.statusCode}`));
      ws.terminate();
    });
    ws.once('error', (error) => reject(error));
  });
}

/** The api-lambda scenario, for the registry of `scenarios/index.ts`. */
export const scenario: ScenarioDefinition = {
  pattern: 'api-lambda',
  stack: API_LAMBDA_STACK,
  description: 'REST (key, validator, Lambda authorizer), HTTP (JWT) and WebSocket (broadcast) APIs answering; throttling on aws',
  outputs: [
    'RestApiUrl',
    'HttpApiUrl',
    'WebSocketUrl',
    'ApiKeyId',
    'AllowedClientId',
    'QuotesTableName',
    'ConnectionsTableName',
    'ListBurstLimit',
  ],
  run: (target, options) => runApiLambdaScenario(target, options),
};
