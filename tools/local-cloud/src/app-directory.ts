import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The CDK app local-cloud runs: the nearest directory at or above `from` with a cdk.json, as the CDK CLI
 * finds its app. npm runs a workspace's scripts in the workspace's folder, so the app's root is found
 * from there as well as from the app's own. Without a cdk.json anywhere above, `from` itself.
 */
export function findAppDirectory(from = process.cwd()): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'cdk.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from);
  }
}

export const APP_DIRECTORY = findAppDirectory();

/** Gitignored working directory of local runs, in the app's root. */
export const LOCAL_DIR = join(APP_DIRECTORY, '.local');
