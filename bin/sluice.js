#!/usr/bin/env node
// Runs the TypeScript sources in a checkout, the built files in a published package.
import { existsSync } from 'node:fs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 22)) {
  process.stderr.write(`sluice needs Node.js 22.22 or newer (found ${process.versions.node}).\n`);
  process.exit(1);
}
const source = new URL('../src/edges/cli/main.ts', import.meta.url);
const built = new URL('../dist/edges/cli/main.js', import.meta.url);
await import((existsSync(source) ? source : built).href);
