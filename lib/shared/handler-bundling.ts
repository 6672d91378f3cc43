import * as path from 'node:path';
import { AssetHashType, DockerImage, type ILocalBundling } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BuildOptions, buildSync } from 'esbuild';

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

/**
 * Bundles one handler with esbuild's JavaScript API, inside the synthesizing process.
 *
 * `NodejsFunction` runs `bash -c "npx --no-install esbuild ..."` per function, about a quarter of a
 * second of process start-up each before esbuild does any work; an app with a dozen handlers would
 * spend seconds on that alone and miss the synth budget. This does the same build in-process.
 */
export class InProcessEsbuild implements ILocalBundling {
  public constructor(private readonly entry: string) {}

  public tryBundle(outputDir: string): boolean {
    buildSync({ ...HANDLER_BUILD_OPTIONS, entryPoints: [this.entry], outfile: path.join(outputDir, 'index.js') });
    return true;
  }
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
