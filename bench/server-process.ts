import { loadConfig } from '../src/edges/config/config.ts';
import { createSluice } from '../src/sluice.ts';

/**
 * Sluice under test, in a process of its own: the same composition root `sluice start`
 * uses, on an ephemeral loopback port with log level warn. Prints `{"url","pid"}` on
 * stdout once it listens. Usage: node bench/server-process.ts <data-dir>
 * (SLUICE_ADMIN_TOKEN comes from the environment).
 */
const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: node bench/server-process.ts <data-dir>');
const config = loadConfig({ flags: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'warn' }, env: process.env });
const sluice = await createSluice(config);
const url = await sluice.listen();
process.stdout.write(`${JSON.stringify({ url, pid: process.pid })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  sluice.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`close failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
