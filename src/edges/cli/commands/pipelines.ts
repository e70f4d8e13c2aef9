import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { clientFor, print, withConnection, type ConnectionOptions } from '../connection.ts';
import { readDocument, readValues } from '../read-document.ts';

/** `sluice pipeline show|set|test <type>`: a type's transform, filter and route steps. */
export function registerPipelines(program: Command): void {
  const pipeline = program.command('pipeline').description("an event type's pipeline: transform steps, filter and route (docs/pipelines.md)");
  withConnection(pipeline.command('show <type>').description('print the pipeline'), 'key').action(async (type: string, options: ConnectionOptions) => {
    print((await clientFor(options, 'key').request('GET', `/v1/types/${encodeURIComponent(type)}/pipeline`)).body);
  });
  withConnection(
    pipeline
      .command('set <type>')
      .description('replace the pipeline from a YAML or JSON file (`{}` removes it)')
      .requiredOption('-f, --file <file>', 'pipeline file (- for stdin)'),
    'key',
  ).action(async (type: string, options: ConnectionOptions & { file: string }) => {
    print((await clientFor(options, 'key').request('PUT', `/v1/types/${encodeURIComponent(type)}/pipeline`, readDocument(options.file))).body);
  });
  withConnection(
    pipeline
      .command('test <type> [samples]')
      .description('show what sample data (a file or stdin: JSON, a JSON array, or NDJSON) would become; stores nothing')
      .option('-f, --file <file>', 'try this draft pipeline instead of the stored one'),
    'key',
  ).action(async (type: string, samples: string | undefined, options: ConnectionOptions & { file?: string }) => {
    const events = readValues(readFileSync(samples === undefined || samples === '-' ? 0 : samples, 'utf8')).map((data) => ({ data }));
    const body: { events: unknown[]; pipeline?: unknown } = { events };
    if (options.file !== undefined) body.pipeline = readDocument(options.file);
    print((await clientFor(options, 'key').request('POST', `/v1/types/${encodeURIComponent(type)}/pipeline/test`, body)).body);
  });
}
