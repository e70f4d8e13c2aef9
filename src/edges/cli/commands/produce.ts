import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { clientFor, print, withConnection, type ConnectionOptions } from '../connection.ts';
import { readValues } from '../read-document.ts';

interface ProduceOptions extends ConnectionOptions {
  batch: string;
  envelope?: boolean;
  key?: string;
}

interface Outcome {
  accepted: number;
  rejected: number;
  results: ({ index: number; error: unknown } | { id: string })[];
}

/**
 * `sluice produce <type> [file]`: each JSON value read (a JSON array, one object, or NDJSON)
 * is the data of one event, unless --envelope says the values are whole events.
 */
export function registerProduce(program: Command): void {
  withConnection(
    program
      .command('produce <type> [file]')
      .description('send events of a type from a file or stdin (JSON, a JSON array, or NDJSON)')
      .option('--envelope', 'the input values are whole events ({"type","data","id"?,...}), not just data')
      .option('--batch <n>', 'events per request', '500'),
    'key',
  ).action(async (type: string, file: string | undefined, options: ProduceOptions) => {
    const values = readValues(readFileSync(file === undefined || file === '-' ? 0 : file, 'utf8'));
    const events = values.map((value) => (options.envelope === true ? value : { type, data: value }));
    const client = clientFor(options, 'key');
    const batchSize = Math.max(1, Number(options.batch));
    const total: Outcome = { accepted: 0, rejected: 0, results: [] };
    for (let start = 0; start < events.length; start += batchSize) {
      const chunk = events.slice(start, start + batchSize);
      const ndjson = chunk.map((event) => JSON.stringify(event)).join('\n');
      const { body } = await client.request('POST', '/v1/events', ndjson, { contentType: 'application/x-ndjson', acceptStatuses: [400] });
      const outcome = body as Outcome;
      if (outcome.results === undefined) throw new Error(JSON.stringify(body));
      total.accepted += outcome.accepted;
      total.rejected += outcome.rejected;
      for (const result of outcome.results) total.results.push('index' in result ? { ...result, index: result.index + start } : result);
    }
    print(total);
    if (total.rejected > 0) process.exitCode = 1;
  });
}
