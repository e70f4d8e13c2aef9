// Keeps the README's two commands working where the machine's Node is too old for Sluice
// (Node 20 on Debian 13 and many CI images). Plain JavaScript that old Node versions parse.
//
//   node scripts/node-runtime.mjs install        (npm's postinstall) fetches the official Node 24
//                                                build from the npm registry (node-<os>-<arch>@24)
//                                                into .node/ when the running Node is too old
//   node scripts/node-runtime.mjs run CMD ARGS…  runs CMD with that Node first on PATH when the
//                                                running one is too old, saying so in one line
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
const recent = major > 22 || (major === 22 && minor >= 22);
const runtimePackage = `node-${process.platform}-${process.arch}`;
const runtimeBin = join(root, '.node', 'node_modules', runtimePackage, 'bin');
const needs = 'Sluice needs Node.js 22.22 or newer';

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const [mode, command, ...args] = process.argv.slice(2);

if (mode === 'install') {
  // In a published package (no src/), installing Node is the user's business, not ours.
  if (recent || !existsSync(join(root, 'src')) || existsSync(join(runtimeBin, 'node'))) process.exit(0);
  process.stderr.write(
    `${needs}; this is Node.js ${process.versions.node}. Installing ${runtimePackage}@24 from the npm registry into .node/ for npm start and npm test.\n`,
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const installed = spawnSync(
    npm,
    ['install', '--prefix', join(root, '.node'), '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', `${runtimePackage}@24`],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (installed.status !== 0 || !existsSync(join(runtimeBin, 'node'))) {
    fail(
      `Could not install ${runtimePackage}@24 from the npm registry. Install Node.js 22.22 or newer (https://nodejs.org/en/download), put it first on your PATH, and run npm install again.`,
    );
  }
  process.exit(0);
}

if (mode !== 'run' || command === undefined) fail('usage: node scripts/node-runtime.mjs install | run <command> [args…]');
let env = process.env;
if (!recent) {
  if (!existsSync(join(runtimeBin, 'node'))) {
    fail(
      `${needs}; this is Node.js ${process.versions.node} (${process.execPath}). Run npm install (it fetches Node 24 from the npm registry into .node/), or install Node.js 22.22 or newer and put it first on your PATH.`,
    );
  }
  process.stderr.write(`Node.js ${process.versions.node} is too old for Sluice: running on the Node.js in .node/ instead.\n`);
  env = { ...process.env, PATH: `${runtimeBin}${delimiter}${process.env.PATH ?? ''}` };
}
const result = spawnSync(command, args, { stdio: 'inherit', env });
if (result.error !== undefined) fail(`could not run ${command}: ${result.error.message}`);
process.exit(result.status === null ? 1 : result.status);
