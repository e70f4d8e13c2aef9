import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Every complete archive file under `root`, with its lines (partial files are not listed). */
export function archiveFiles(root: string): { path: string; lines: string[] }[] {
  const found: { path: string; lines: string[] }[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (name === '.partial') continue;
      if (statSync(full).isDirectory()) walk(full);
      else {
        const bytes = readFileSync(full);
        const text = name.endsWith('.gz') ? gunzipSync(bytes).toString() : bytes.toString();
        assert.ok(text.endsWith('\n'), `${full} ends with a whole line`);
        found.push({ path: relative(root, full), lines: text.split('\n').filter((line) => line !== '') });
      }
    }
  };
  walk(root);
  return found;
}
