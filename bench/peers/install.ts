import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs an install script of scripts/peers/ (each caches what it installs under
 * ~/.cache/sluice-peers and prints what the bench needs as its last stdout line). Answers
 * that line, or why the script failed, as `{ skip }`.
 */
export function runInstallScript(script: string, timeoutMs = 900_000): Promise<{ path: string } | { skip: string }> {
  const file = fileURLToPath(new URL(`../../scripts/peers/${script}`, import.meta.url));
  return new Promise((resolve) => {
    execFile(file, [], { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) => {
      const last = stdout.trim().split('\n').at(-1)?.trim() ?? '';
      if (error === null && last !== '') resolve({ path: last });
      else {
        const why = stderr.trim().split('\n').slice(-3).join(' | ') || (error?.message.split('\n')[0] ?? 'printed nothing');
        resolve({ skip: `scripts/peers/${script} failed: ${why}` });
      }
    });
  });
}
