import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { StateEntry, StateProgress, StateStore, StateWrite } from '../../ports/state-store.ts';
import { inTransaction } from './database.ts';

interface EntryRow {
  key: string;
  value: string;
  deadline: number | null;
}

/** Keyed state and timers in the embedded store's SQLite file (tables `state`, `state_progress`). */
export class SqliteStateStore implements StateStore {
  readonly #db: DatabaseSync;
  readonly #select: StatementSync;
  readonly #upsert: StatementSync;
  readonly #delete: StatementSync;
  readonly #upsertProgress: StatementSync;
  readonly #due: StatementSync;
  readonly #next: StatementSync;
  readonly #progress: StatementSync;
  readonly #list: StatementSync;
  readonly #size: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#select = db.prepare('SELECT key, value, deadline FROM state WHERE namespace = ? AND key = ?');
    this.#upsert = db.prepare(
      'INSERT INTO state (namespace, key, value, deadline) VALUES (?, ?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, deadline = excluded.deadline',
    );
    this.#delete = db.prepare('DELETE FROM state WHERE namespace = ? AND key = ?');
    this.#upsertProgress = db.prepare(
      'INSERT INTO state_progress (namespace, stream, partition, offset) VALUES (?, ?, ?, ?) ON CONFLICT (namespace, stream, partition) DO UPDATE SET offset = excluded.offset',
    );
    this.#due = db.prepare('SELECT key, value, deadline FROM state WHERE namespace = ? AND deadline IS NOT NULL AND deadline <= ? ORDER BY deadline LIMIT ?');
    this.#next = db.prepare('SELECT MIN(deadline) AS deadline FROM state WHERE namespace = ? AND deadline IS NOT NULL');
    this.#progress = db.prepare('SELECT stream, partition, offset FROM state_progress WHERE namespace = ? ORDER BY stream, partition');
    this.#list = db.prepare('SELECT key, value, deadline FROM state WHERE namespace = ? AND key > ? ORDER BY key LIMIT ?');
    this.#size = db.prepare('SELECT COUNT(*) AS n FROM state WHERE namespace = ?');
  }

  get(namespace: string, keys: readonly string[]): Promise<StateEntry[]> {
    const found: StateEntry[] = [];
    for (const key of keys) {
      const row = this.#select.get(namespace, key) as EntryRow | undefined;
      if (row !== undefined) found.push({ key: row.key, value: row.value, deadline: row.deadline });
    }
    return Promise.resolve(found);
  }

  apply(namespace: string, writes: readonly StateWrite[], progress: readonly StateProgress[]): Promise<void> {
    inTransaction(this.#db, () => {
      for (const write of writes) {
        if (write.value === null) this.#delete.run(namespace, write.key);
        else this.#upsert.run(namespace, write.key, write.value, write.deadline);
      }
      for (const p of progress) this.#upsertProgress.run(namespace, p.stream, p.partition, p.offset);
    });
    return Promise.resolve();
  }

  due(namespace: string, now: number, limit: number): Promise<StateEntry[]> {
    return Promise.resolve(
      (this.#due.all(namespace, now, limit) as unknown as EntryRow[]).map((row) => ({ key: row.key, value: row.value, deadline: row.deadline })),
    );
  }

  nextDeadline(namespace: string): Promise<number | undefined> {
    const row = this.#next.get(namespace) as { deadline: number | null } | undefined;
    return Promise.resolve(row?.deadline ?? undefined);
  }

  progress(namespace: string): Promise<StateProgress[]> {
    return Promise.resolve(
      (this.#progress.all(namespace) as unknown as StateProgress[]).map((row) => ({ stream: row.stream, partition: row.partition, offset: row.offset })),
    );
  }

  list(namespace: string, limit: number, after = ''): Promise<StateEntry[]> {
    return Promise.resolve(
      (this.#list.all(namespace, after, limit) as unknown as EntryRow[]).map((row) => ({ key: row.key, value: row.value, deadline: row.deadline })),
    );
  }

  size(namespace: string): Promise<number> {
    return Promise.resolve(Number((this.#size.get(namespace) as { n: number }).n));
  }

  refresh(_namespace: string): Promise<void> {
    // Every read goes to the file: nothing is held in memory.
    return Promise.resolve();
  }

  claim(_namespace: string): Promise<void> {
    // One process holds the data directory (directory-lock.ts): there is no other writer to fence.
    return Promise.resolve();
  }

  drop(namespace: string): Promise<void> {
    inTransaction(this.#db, () => {
      this.#db.prepare('DELETE FROM state WHERE namespace = ?').run(namespace);
      this.#db.prepare('DELETE FROM state_progress WHERE namespace = ?').run(namespace);
    });
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
