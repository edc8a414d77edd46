import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * The esbuild options CDK's NodejsFunction passes for `bundling` (aws-lambda-nodejs `Bundling`
 * builds the same flags for its esbuild command line), so the benchmark measures the bundles that are
 * deployed. An option this mapping does not know fails loudly rather than being measured without it.
 */

/** Options that change the bundle, and how each maps to esbuild; the rest change only how CDK runs it. */
const IGNORED: ReadonlySet<string> = new Set(['forceDockerBundling', 'logLevel']);
const MAPPED: ReadonlySet<string> = new Set([
  'target',
  'minify',
  'sourceMap',
  'sourceMapMode',
  'sourcesContent',
  'bundleAwsSDK',
  'externalModules',
  'format',
  'mainFields',
  'keepNames',
  'define',
  'banner',
  'footer',
]);

export function esbuildOptionsFor(bundling: BundlingOptions): BuildOptions {
  const unknown = Object.keys(bundling).filter(
    (key) => !IGNORED.has(key) && !MAPPED.has(key) && bundling[key as keyof BundlingOptions] !== undefined,
  );
  if (unknown.length > 0) {
    throw new Error(
      `the bundle benchmark does not mirror the bundling option(s) ${unknown.join(', ')}: ` +
        'map them in scripts/bench-bundles/bundling.ts',
    );
  }
  const sourcemap =
    bundling.sourceMapMode === undefined || bundling.sourceMapMode === 'default'
      ? (bundling.sourceMap ?? false)
      : (bundling.sourceMapMode as 'external' | 'inline' | 'both');
  // Runtimes from Node 18 have the SDK v3: CDK leaves it out unless told to bundle it.
  const external = bundling.externalModules ?? (bundling.bundleAwsSDK ? [] : ['@aws-sdk/*']);
  return {
    bundle: true,
    platform: 'node',
    target: bundling.target,
    // Without a format CDK passes none, and esbuild's default for node is CommonJS.
    format: (bundling.format as 'cjs' | 'esm' | undefined) ?? 'cjs',
    minify: bundling.minify ?? false,
    sourcemap,
    sourcesContent: bundling.sourcesContent ?? true,
    external,
    ...(bundling.mainFields ? { mainFields: bundling.mainFields } : {}),
    ...(bundling.keepNames ? { keepNames: true } : {}),
    ...(bundling.define ? { define: bundling.define } : {}),
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
    ...(bundling.footer ? { footer: { js: bundling.footer } } : {}),
  };
}
