/**
 * postinstall: removes the `node` that npm links into node_modules/.bin for the Node packages the local
 * Lambda runner starts functions on (optionalDependencies, see lambda-node.ts). Those packages
 * name their binary `node`, and npm scripts put node_modules/.bin first on PATH: left there, it would
 * run every script (tsx, jest, cdk) on the functions' Node instead of the one the developer installed.
 * npm cannot install a package without linking its bins, hence this script. It removes only links into
 * those packages and never fails the install. `npm install <name>` links it again without running this
 * script; a plain `npm install` afterwards removes it.
 *
 * Plain CommonJS: it runs before anything is built, and without devDependencies.
 */
const { lstatSync, readFileSync, readlinkSync, unlinkSync } = require('node:fs');
const { dirname, join } = require('node:path');
const packages = require('./lambda-node-packages.json');

for (const name of Object.values(packages)) {
  let packageDirectory;
  try {
    packageDirectory = dirname(require.resolve(`${name}/package.json`));
  } catch {
    continue; // another platform's package: npm skipped it
  }
  // npm links a package's bins into the .bin beside it; on Windows as shims that name the target.
  const bin = join(dirname(packageDirectory), '.bin');
  for (const shim of ['node', 'node.cmd', 'node.ps1']) {
    const path = join(bin, shim);
    try {
      const target = lstatSync(path).isSymbolicLink() ? readlinkSync(path) : readFileSync(path, 'utf8');
      if (target.includes(name)) unlinkSync(path);
    } catch {
      // not there, or not ours to remove
    }
  }
}
