// One Lambda execution environment of the local runtime, in a worker thread: its own process.env
// (the function's environment), its own module registry (the bundle's module-scope state survives
// between invocations, as in a warm Lambda environment), terminated on timeout.
'use strict';
const Module = require('node:module');
const path = require('node:path');
const { parentPort, workerData } = require('node:worker_threads');

// *.localhost -> 127.0.0.1 (virtual-hosted-style S3 and fauxqs queue URLs), as in the runtime's process.
require('../localhost-dns.cjs').resolveLocalhostNames();

// Modules the bundle leaves external (@aws-sdk/*) resolve from the project's node_modules, as
// they would from the Lambda runtime's.
process.env.NODE_PATH = workerData.nodePath;
Module._initPaths();

const [file, exportName] = splitHandler(workerData.handler);
let handler;
try {
  const loaded = require(path.join(workerData.codeDir, file));
  handler = loaded[exportName];
  if (typeof handler !== 'function') throw new Error(`${workerData.handler} is not a function in ${workerData.codeDir}`);
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({ type: 'init-error', error: serialize(error) });
}

parentPort.on('message', async (message) => {
  if (message.type !== 'invoke') return;
  const deadline = message.deadline;
  const context = {
    ...message.context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    const result = await handler(message.event, context);
    parentPort.postMessage({ type: 'result', id: message.id, result: result === undefined ? null : result });
  } catch (error) {
    parentPort.postMessage({ type: 'error', id: message.id, error: serialize(error) });
  }
});

function splitHandler(handlerSetting) {
  const dot = handlerSetting.lastIndexOf('.');
  return [`${handlerSetting.slice(0, dot)}.js`, handlerSetting.slice(dot + 1)];
}

function serialize(error) {
  if (error instanceof Error) return { errorType: error.name, errorMessage: error.message, trace: String(error.stack).split('\n') };
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}
