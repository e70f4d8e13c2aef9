/**
 * The embedded store's file settings (src/adapters/sqlite/database.ts), for the bare SQLite
 * writers the benchmark compares Sluice with: WAL, synchronous=FULL, 16 KiB pages, its page
 * cache, and how long a writer waits for a lock another connection holds.
 */
export const sluiceFilePragmas: readonly string[] = [
  'page_size = 16384',
  'journal_mode = WAL',
  'synchronous = FULL',
  'cache_size = -65536',
  'busy_timeout = 5000',
];
