import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { bareJsonValidator } from './bare-json-validator.ts';
import { serveFloor } from './floor-http.ts';
import { FloorStore, floorStoreThreadUrl } from './floor-store.ts';
import { keepValidated } from './floor-validated.ts';
import { orderSchema } from './workload.ts';

/**
 * The durable floor: the least an HTTP ingest endpoint in Node must do to answer only once
 * what it took is on disk. The floor server's work (read the body, parse it as JSON, answer
 * 202 with the event count), plus handing each body's text to the floor's store thread
 * (bench/floor-store-thread.ts: every body that arrived meanwhile in one transaction, as
 * Sluice's store thread does, with Sluice's file settings and checkpoint thread). No
 * validation, no records per event, no offsets, no answer per event: what durability itself
 * adds to the floor, at least, on this machine.
 *
 * With `--validate` it is the validating floor: the least work Sluice's answer stands for,
 * done the plainest way, on the HTTP thread (bench/floor-validated.ts); the body's records
 * are stored as one row, the store thread counts each partition's offsets in commit order,
 * and the answer, after the commit, gives every event's id, partition and offset, or its
 * index and error. No dead letters, no deduplication, no attributes, no catalog.
 *
 * Usage: node bench/durable-floor-server.ts <dataDir> [--validate]; prints
 * `{"url":...,"file":...}` on stdout. The caller owns the directory (and removes it).
 */

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: node bench/durable-floor-server.ts <dataDir> [--validate]');
const file = join(dataDir, 'floor.db');
const storeThread = new Worker(floorStoreThreadUrl, { workerData: file, name: 'floor-store' });
storeThread.on('error', (error) => {
  process.stderr.write(`durable floor: the store thread failed: ${error.stack ?? String(error)}\n`);
  process.exit(1);
});
const store = new FloorStore(storeThread);
const validate = process.argv.includes('--validate') ? bareJsonValidator(orderSchema) : undefined;
serveFloor({
  keep:
    validate === undefined
      ? (body, answer) => store.keep(body.text, undefined, () => answer())
      : (body, answer) => keepValidated(body.parsed, validate, store, answer),
  beforeExit: async () => {
    await storeThread.terminate();
  },
  extra: { file },
});
