import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { AssetHashType, DockerImage, type ILocalBundling } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BuildOptions, buildSync, version as esbuildVersion } from 'esbuild';

/** The repository root (the folder with package.json). */
export const PROJECT_ROOT = path.join(__dirname, '..', '..');
/** The folder of handler sources, `lambda/` at the repository root. */
export const HANDLERS_DIR = path.join(PROJECT_ROOT, 'lambda');

/**
 * How every handler is bundled: the options `NodejsFunction` would pass to esbuild for this project
 * (minified CommonJS for Node.js 24 with a source map, `@aws-sdk/*` left to the Lambda runtime).
 */
export const HANDLER_BUILD_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  external: ['@aws-sdk/*'],
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: PROJECT_ROOT,
};

/** The files a bundle consists of. */
const OUTPUT_FILES = ['index.js', 'index.js.map'];

/**
 * Where bundles are kept between synths: `node_modules/.cache/decoupling-patterns/handlers`.
 * Set `DECOUPLING_BUNDLE_CACHE=off` to bundle every time.
 */
export const BUNDLE_CACHE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'decoupling-patterns', 'handlers');

/**
 * Bundles one handler with esbuild's JavaScript API, inside the synthesizing process.
 *
 * `NodejsFunction` runs `bash -c "npx --no-install esbuild ..."` per function, about a quarter of a
 * second of process start-up each before esbuild does any work; an app with a dozen handlers would
 * spend seconds on that alone and miss the synth budget. This does the same build in-process, and
 * keeps the result in {@link BUNDLE_CACHE_DIR}, keyed by the contents of every file that went into it
 * (as esbuild's metafile lists them), the build options, the esbuild version and the lockfile: a
 * synth, a test or a local run that bundles a handler whose sources did not change copies the
 * bundle instead of building it again (a hundred-odd files hashed instead of parsed and minified).
 * The bundle is always built in the cache, so its source map (and the asset hash) does not depend on
 * where the cloud assembly goes.
 */
export class InProcessEsbuild implements ILocalBundling {
  public constructor(private readonly entry: string) {}

  public tryBundle(outputDir: string): boolean {
    if (process.env.DECOUPLING_BUNDLE_CACHE === 'off') {
      buildSync({ ...HANDLER_BUILD_OPTIONS, entryPoints: [this.entry], outfile: path.join(outputDir, OUTPUT_FILES[0]) });
      return true;
    }
    const built = cachedBundle(this.entry);
    for (const file of OUTPUT_FILES) copyFileSync(path.join(built, file), path.join(outputDir, file));
    return true;
  }
}

/**
 * The folder of an up-to-date bundle of `entry` in the cache, built when there is none.
 *
 * Layout: `<entry key>/inputs.json` lists the files of the last build; `<entry key>/<contents key>/`
 * holds the bundle built from those contents. Folders appear by rename, so concurrent synths (test
 * workers) never read half a bundle.
 */
function cachedBundle(entry: string): string {
  const entryDir = path.join(BUNDLE_CACHE_DIR, entryKey(entry));
  const manifest = path.join(entryDir, 'inputs.json');
  if (existsSync(manifest)) {
    const inputs = JSON.parse(readFileSync(manifest, 'utf8')) as string[];
    const key = contentsKey(inputs);
    if (key && existsSync(path.join(entryDir, key, OUTPUT_FILES[1]))) return path.join(entryDir, key);
  }
  mkdirSync(entryDir, { recursive: true });
  const building = mkdtempSync(path.join(entryDir, 'building-'));
  const result = buildSync({
    ...HANDLER_BUILD_OPTIONS,
    entryPoints: [entry],
    outfile: path.join(building, OUTPUT_FILES[0]),
    metafile: true,
  });
  const inputs = Object.keys(result.metafile?.inputs ?? {}).sort();
  const key = contentsKey(inputs);
  if (!key) return building; // an input vanished while building: use this bundle once (the next build replaces it)
  const done = path.join(entryDir, key);
  if (existsSync(done)) rmSync(building, { recursive: true, force: true });
  else renameSync(building, done);
  const draft = `${building}.inputs.json`;
  writeFileSync(draft, JSON.stringify(inputs));
  renameSync(draft, manifest);
  // Bundles of older sources are not needed again.
  for (const old of readdirSync(entryDir)) {
    if (old !== key && old !== 'inputs.json' && !old.startsWith('building-'))
      rmSync(path.join(entryDir, old), { recursive: true, force: true });
  }
  return done;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** What a bundle of `entry` depends on besides its input files: options, esbuild, lockfile, tsconfig. */
function entryKey(entry: string): string {
  const { absWorkingDir: _, ...options } = HANDLER_BUILD_OPTIONS;
  const project = ['package-lock.json', 'tsconfig.json'].map((file) => {
    const full = path.join(PROJECT_ROOT, file);
    return existsSync(full) ? sha256(readFileSync(full)) : '';
  });
  return sha256(JSON.stringify({ entry: path.relative(PROJECT_ROOT, entry), options, esbuild: esbuildVersion, project }));
}

/** A key over the contents of `inputs` (paths relative to the project root); undefined when one is missing. */
function contentsKey(inputs: readonly string[]): string | undefined {
  const hash = createHash('sha256');
  for (const input of inputs) {
    const file = path.join(PROJECT_ROOT, input);
    if (!existsSync(file)) return undefined;
    hash.update(`${input}\0${sha256(readFileSync(file))}\n`);
  }
  return hash.digest('hex');
}

/** Lambda code for a handler source under `lambda/` (for example `sqs-dlq/consumer.ts`), bundled by {@link InProcessEsbuild}. */
export function handlerCode(entry: string): lambda.AssetCode {
  const entryPath = path.join(HANDLERS_DIR, entry);
  return lambda.Code.fromAsset(path.dirname(entryPath), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      local: new InProcessEsbuild(entryPath),
      // Never used: local bundling always succeeds or throws; Docker is not needed.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24'),
    },
  });
}
