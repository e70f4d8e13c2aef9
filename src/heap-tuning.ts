import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring for the whole process (V8's flags are
 * process-wide, so worker threads started after this follow it too), unless the node command
 * line sets that flag either way: `node --allocation-site-pretenuring bin/sluice.js start`
 * keeps V8's default.
 *
 * Why: a Kafka source holds each prepared batch while the one before it is stored, long
 * enough for some of its objects to survive a young-generation collection. V8 then takes
 * everything those object literals make for long-lived and allocates it in the old
 * generation, where each dead record keeps the young strings it points to alive through
 * every scavenge until the next full collection. Off, a source draining a topic peaked about
 * 110 MB lower for the same CPU per record; the embedded store's ingest did not change
 * (docs/BENCHMARKS.md).
 */
export function turnOffPretenuring(execArgv: readonly string[] = process.execArgv, setFlags: (flags: string) => void = setFlagsFromString): void {
  const chosen = execArgv.some((arg) => /^--(?:no-)?allocation[-_]site[-_]pretenuring$/.test(arg));
  if (!chosen) setFlags('--no-allocation-site-pretenuring');
}
