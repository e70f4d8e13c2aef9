import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** SQLite's "database is locked" result code. */
export const sqliteBusy = 5;

/** The error a second process gets for a data directory that one already holds. */
export function directoryInUse(dataDir: string, cause: unknown): Error {
  return new Error(`the data directory ${dataDir} is in use by another Sluice process; stop it or choose another data directory`, { cause });
}

/**
 * Holds `<dataDir>/sluice.lock` for this process until `release`: two servers on one data
 * directory would hand out the same offsets. The lock is a small SQLite file held with
 * `locking_mode=EXCLUSIVE` after one write, so it needs nothing beyond SQLite, is let go
 * when the process dies, and also refuses a second open from this process. The database
 * itself stays in normal locking mode, so that a second connection can checkpoint its WAL
 * (`checkpointer.ts`).
 */
export function lockDataDirectory(dataDir: string): { release(): void } {
  const lock = new DatabaseSync(join(dataDir, 'sluice.lock'));
  try {
    lock.exec('PRAGMA locking_mode = EXCLUSIVE');
    // The rollback journal of a file that holds only the holder's pid need not reach the disk.
    lock.exec('PRAGMA journal_mode = MEMORY');
    lock.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL)');
    // The exclusive lock is taken by a write and kept until close.
    lock.exec('BEGIN IMMEDIATE');
    lock.exec('DELETE FROM holder');
    lock.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
    lock.exec('COMMIT');
  } catch (error) {
    lock.close();
    if ((error as { errcode?: number }).errcode === sqliteBusy) throw directoryInUse(dataDir, error);
    throw error;
  }
  return { release: () => lock.close() };
}
