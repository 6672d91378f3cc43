/**
 * Handler initialisation for `npm run bench`: each handler of a synthesized assembly against a
 * reference handler that creates the same AWS SDK clients and does nothing else.
 *
 * The reference is derived per handler, so that a new pattern's handlers are covered without a line
 * here: the bundle is loaded once in a process that records which `@aws-sdk/*` client classes its
 * module scope constructs (`new XxxClient(...)`, or `XxxClient.from(...)` for wrappers such as the
 * DynamoDB document client); the reference requires those packages and constructs those clients.
 *
 * Initialisation is what the handler's module scope costs: the time `require(bundle)` takes in a
 * fresh Node.js process (Lambda's static initialisation; the runtime's own start is the same for
 * every function and is not counted). Handler and reference alternate, one fresh process each.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

/** A handler of the app: one function with the project's Powertools settings. */
export interface Handler {
  readonly stack: string;
  readonly logicalId: string;
  readonly bundle: string;
  readonly bytes: number;
  /** The function's environment, with placeholders for values the template resolves at deploy time. */
  readonly environment: Record<string, string>;
}

/** An SDK client a handler creates at module scope. */
export interface ClientUse {
  readonly module: string;
  readonly name: string;
  /** `new` for `new XxxClient(...)`; `from` for `XxxClient.from(<client>)`, with the client it wraps. */
  readonly via: 'new' | 'from';
  readonly wraps?: string;
}

/** A handler's initialisation against its reference. */
export interface InitResult {
  readonly handler: Handler;
  readonly clients: readonly ClientUse[];
  /** Median milliseconds of each. */
  readonly handlerMs: number;
  readonly referenceMs: number;
  /** Median of the ratios of each handler run to the reference run next to it. */
  readonly ratio: number;
  /**
   * Where the bundle's own code spends its module scope: CPU-profiled milliseconds by what the source
   * map says the code is (a bundled package, or the project's own sources), most first.
   */
  readonly scope: readonly ScopeShare[];
}

/** CPU time of a bundle's own code at module scope, charged to one source of the bundle. */
export interface ScopeShare {
  /** A bundled package (`zod`, `@aws-lambda-powertools/logger`), `own code`, or `unmapped` (the bundle's compilation). */
  readonly source: string;
  readonly ms: number;
}

interface FunctionResource {
  readonly Type: string;
  readonly Properties?: { Code?: { S3Key?: string }; Environment?: { Variables?: Record<string, unknown> } };
}

/** The project's handlers in a synthesized assembly: functions that carry the Powertools settings. */
export function handlers(outdir: string): Handler[] {
  const found: Handler[] = [];
  for (const file of readdirSync(outdir).filter((f) => f.endsWith('.template.json'))) {
    const template = JSON.parse(readFileSync(path.join(outdir, file), 'utf8'));
    for (const [logicalId, resource] of Object.entries<FunctionResource>(template.Resources)) {
      const variables = resource.Properties?.Environment?.Variables;
      if (resource.Type !== 'AWS::Lambda::Function' || variables?.POWERTOOLS_SERVICE_NAME === undefined) continue;
      const bundle = path.join(outdir, `asset.${String(resource.Properties?.Code?.S3Key).replace(/\.zip$/, '')}`, 'index.js');
      found.push({
        stack: file.replace('.template.json', ''),
        logicalId,
        bundle,
        bytes: statSync(bundle).size,
        environment: Object.fromEntries(
          Object.entries<unknown>(variables).map(([k, v]) => [k, typeof v === 'string' ? v : `bench-${k.toLowerCase()}`]),
        ),
      });
    }
  }
  return found;
}

/** Runs in the discovery process: wraps every `*Client` class of `@aws-sdk/*` to record what module scope creates. */
const RECORDER = `
'use strict';
const Module = require('node:module');
const used = [];
const wrapped = new Map();
const nameOf = (value) => (value && value.constructor && value.constructor.__benchName) || undefined;
function wrap(module, name, Client) {
  const key = module + '#' + name;
  if (wrapped.has(key)) return wrapped.get(key);
  const Recorded = class extends Client {
    constructor(...args) { super(...args); used.push({ module, name, via: 'new' }); }
  };
  Object.defineProperty(Recorded, 'name', { value: name });
  Recorded.__benchName = key;
  if (typeof Client.from === 'function') {
    Recorded.from = function (inner, ...rest) {
      used.push({ module, name, via: 'from', wraps: nameOf(inner) });
      return Client.from(inner, ...rest);
    };
  }
  wrapped.set(key, Recorded);
  return Recorded;
}
const require0 = Module.prototype.require;
Module.prototype.require = function (id) {
  const exported = require0.apply(this, arguments);
  if (typeof id !== 'string' || !id.startsWith('@aws-sdk/') || exported === null || typeof exported !== 'object') return exported;
  return new Proxy(exported, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      return typeof property === 'string' && /Client$/.test(property) && typeof value === 'function' ? wrap(id, property, value) : value;
    },
  });
};
require(process.argv[1]);
process.stdout.write(JSON.stringify(used));
process.exit(0);
`;

/** Loads `file` in a fresh process and prints how long `require` took, in milliseconds. */
const TIMER = `
const started = performance.now();
require(process.argv[1]);
process.stdout.write(String(performance.now() - started));
process.exit(0);
`;

/**
 * Loads `file` under V8's CPU profiler (sampling every 50 microseconds) and prints, as JSON, the
 * self time of the bundle's own code by original source (its source map, `index.js.map`): a package
 * under node_modules, the project's own sources, or `unmapped`. The SDK and Node.js's own modules are
 * not the bundle's and are left out.
 */
const PROFILER = `
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Session } = require('node:inspector');
const { SourceMap } = require('node:module');
const { pathToFileURL } = require('node:url');
const file = process.argv[1];
const session = new Session();
session.connect();
let profile;
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 50 });
session.post('Profiler.start');
require(file);
session.post('Profiler.stop', (error, result) => { if (error) throw error; profile = result.profile; });
const map = new SourceMap(JSON.parse(readFileSync(file + '.map', 'utf8')));
const urls = new Set([file, pathToFileURL(file).href]);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const source = (frame) => {
  const entry = map.findEntry(frame.lineNumber, frame.columnNumber);
  const original = entry && entry.originalSource;
  if (!original) return 'unmapped';
  // Sources are relative to where the bundle was built (the bundle cache under node_modules): a
  // project file is one that exists under the project (the working directory); anything else is a
  // package, named by what follows its last node_modules/ (or the leading ../ segments).
  const relative = original.replace(/^(\\.\\.\\/)+/, '');
  if (existsSync(join(process.cwd(), relative))) return 'own code';
  const at = relative.lastIndexOf('node_modules/');
  const parts = (at < 0 ? relative : relative.slice(at + 'node_modules/'.length)).split('/');
  return parts[0].startsWith('@') ? parts[0] + '/' + parts[1] : parts[0];
};
const shares = {};
profile.samples.forEach((id, i) => {
  const frame = byId.get(id).callFrame;
  if (!urls.has(frame.url)) return;
  const key = source(frame);
  shares[key] = (shares[key] || 0) + (profile.timeDeltas[i] || 0) / 1000;
});
process.stdout.write(JSON.stringify(shares));
process.exit(0);
`;

/** Profiled runs per handler for {@link ScopeShare}: their samples are added up, then divided by the runs. */
const PROFILE_RUNS = 5;

/** Where `handler`'s own module scope goes: {@link PROFILER} over a few fresh processes, per run. */
export function scopeOf(handler: Handler): ScopeShare[] {
  const total: Record<string, number> = {};
  for (let i = 0; i < PROFILE_RUNS; i++) {
    const shares = JSON.parse(node(PROFILER, handler.bundle, handler.environment)) as Record<string, number>;
    for (const [source, ms] of Object.entries(shares)) total[source] = (total[source] ?? 0) + ms;
  }
  return Object.entries(total)
    .map(([source, ms]) => ({ source, ms: ms / PROFILE_RUNS }))
    .sort((a, b) => b.ms - a.ms);
}

function node(script: string, file: string, environment: Record<string, string>): string {
  const result = spawnSync(process.execPath, ['--no-warnings', '-e', script, file], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      ...environment,
      NODE_PATH: path.join(ROOT, 'node_modules'),
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: 'bench',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
    },
  });
  if (result.status !== 0) throw new Error(`loading ${file} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** The SDK clients a handler's module scope creates. */
export function clientsOf(handler: Handler): ClientUse[] {
  const used = JSON.parse(node(RECORDER, handler.bundle, handler.environment)) as ClientUse[];
  return used.filter((u, i) => used.findIndex((v) => JSON.stringify(v) === JSON.stringify(u)) === i);
}

/** A CommonJS reference handler that creates `clients` and nothing else. */
export function referenceSource(clients: readonly ClientUse[]): string {
  const lines = ["'use strict';"];
  const modules = [...new Set(clients.map((c) => c.module))];
  for (const [i, m] of modules.entries()) lines.push(`const m${i} = require(${JSON.stringify(m)});`);
  const instances = new Map<string, string>();
  clients.forEach((c, i) => {
    const module = `m${modules.indexOf(c.module)}`;
    const key = `${c.module}#${c.name}`;
    if (c.via === 'new') {
      lines.push(`const c${i} = new ${module}.${c.name}({});`);
    } else {
      const inner = c.wraps ? instances.get(c.wraps) : undefined;
      if (!inner) throw new Error(`${key}.from wraps a client the reference cannot rebuild (${c.wraps ?? 'unknown'})`);
      lines.push(`const c${i} = ${module}.${c.name}.from(${inner});`);
    }
    if (!instances.has(key)) instances.set(key, `c${i}`);
  });
  lines.push('exports.handler = async () => ({});', '');
  return lines.join('\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Measures each handler against its reference: `runs` fresh processes each, alternating, after one
 * warm-up each; the ratio is the median of the pairs' ratios, so that the machine's load drifting
 * during the run cancels out.
 */
export function measureInit(all: readonly Handler[], work: string, runs: number): InitResult[] {
  return all.map((handler, index) => {
    const clients = clientsOf(handler);
    const reference = path.join(work, `reference-${index}.js`);
    writeFileSync(reference, referenceSource(clients));
    const handlerTimes: number[] = [];
    const referenceTimes: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const h = Number(node(TIMER, handler.bundle, handler.environment));
      const r = Number(node(TIMER, reference, handler.environment));
      if (i === 0) continue; // warms the file cache
      handlerTimes.push(h);
      referenceTimes.push(r);
    }
    const ratio = median(handlerTimes.map((h, i) => h / referenceTimes[i]));
    const scope = scopeOf(handler);
    return { handler, clients, handlerMs: median(handlerTimes), referenceMs: median(referenceTimes), ratio, scope };
  });
}
