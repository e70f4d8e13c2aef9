/**
 * The disk's limit for durable ingest on this machine: a bare node:sqlite loop writing the
 * bytes Sluice stores for the bench's events, with Sluice's file settings (WAL,
 * synchronous=FULL, 16 KiB pages, exclusive lock) and one commit per flush of `perFlush`
 * events over 4 partitions, as Sluice's group commit makes under the batched load. No HTTP,
 * no JSON parsing, no validation: what writing the same bytes costs at least.
 *
 * Usage: node bench/sqlite-floor.ts <rows|batches> <dataDir> <perFlush> <durationMs>
 * Prints one JSON line: { events, seconds, cpuSeconds }.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { sluiceFilePragmas } from './sqlite-settings.ts';
import { orderData, seeded } from './workload.ts';

const [layout, dataDir, perFlushText, durationText] = process.argv.slice(2);
if ((layout !== 'rows' && layout !== 'batches') || dataDir === undefined) {
  throw new Error('usage: node bench/sqlite-floor.ts <rows|batches> <dataDir> <perFlush> <durationMs>');
}
const perFlush = Number(perFlushText ?? 1600);
const durationMs = Number(durationText ?? 5000);
const partitions = 4;

mkdirSync(dataDir, { recursive: true });
const db = new DatabaseSync(join(dataDir, 'floor.db'));
// Held exclusively, as Sluice holds its file when no checkpoint thread shares it.
for (const pragma of ['locking_mode = EXCLUSIVE', ...sluiceFilePragmas]) db.exec(`PRAGMA ${pragma}`);
db.exec(
  layout === 'rows'
    ? 'CREATE TABLE records (stream_id INTEGER NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL, id TEXT NOT NULL, key TEXT, ts INTEGER NOT NULL, attrs TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (stream_id, partition, offset)) WITHOUT ROWID'
    : 'CREATE TABLE batches (stream_id INTEGER NOT NULL, partition INTEGER NOT NULL, base_offset INTEGER NOT NULL, count INTEGER NOT NULL, data TEXT NOT NULL); CREATE UNIQUE INDEX batches_by_offset ON batches (stream_id, partition, base_offset)',
);
const insertRow = layout === 'rows' ? db.prepare('INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)') : undefined;
const insertBatch = layout === 'batches' ? db.prepare('INSERT INTO batches VALUES (?, ?, ?, ?, ?)') : undefined;

// The stored text of bench events: id, attributes and value, as Sluice keeps them.
const random = seeded(7);
const customers = Array.from({ length: 100 }, (_, i) => `cus_${String(i).padStart(10, '0')}`);
const values = Array.from({ length: 1000 }, () => JSON.stringify(orderData(random, customers)));
const attrs = JSON.stringify({ type: 'orders', source: '/tenants/bench', time: new Date().toISOString(), schemaId: 1 });
const next = new Array<number>(partitions).fill(0);
let events = 0;
const cpuBefore = process.cpuUsage();
const started = performance.now();
while (performance.now() - started < durationMs) {
  db.exec('BEGIN IMMEDIATE');
  if (insertRow !== undefined) {
    for (let i = 0; i < perFlush; i++) {
      const partition = i % partitions;
      insertRow.run(1, partition, next[partition]!++, crypto.randomUUID(), 'cus_0001', Date.now(), attrs, values[(events + i) % values.length]!);
    }
  } else {
    for (let partition = 0; partition < partitions; partition++) {
      const parts: string[] = [];
      let count = 0;
      for (let i = partition; i < perFlush; i += partitions, count++) parts.push(crypto.randomUUID(), attrs, values[(events + i) % values.length]!, 'cus_0001');
      insertBatch!.run(1, partition, next[partition]!, count, parts.join(''));
      next[partition]! += count;
    }
  }
  db.exec('COMMIT');
  events += perFlush;
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
db.close();
console.log(JSON.stringify({ events, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
