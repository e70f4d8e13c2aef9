import type { Command } from 'commander';
import { clientFor, print, withConnection, type ConnectionOptions } from '../connection.ts';
import { readDocument } from '../read-document.ts';

interface SourceFlags extends ConnectionOptions {
  file?: string;
  topic?: string;
  type?: string;
  typeFromHeader?: string;
  typeFromKey?: boolean;
  typeFromField?: string;
  format?: string;
  group?: string;
}

/** `sluice source list|show|set|delete`: Kafka topics Sluice reads into a tenant's streams (docs/internals/kafka.md). */
export function registerSources(program: Command): void {
  const source = program.command('source').description('Kafka sources: topics Sluice does not own, read into your streams (needs Sluice on Kafka)');
  withConnection(source.command('list').description("list the tenant's sources"), 'key').action(async (options: ConnectionOptions) => {
    print((await clientFor(options, 'key').request('GET', '/v1/sources')).body);
  });
  withConnection(source.command('show <name>').description('print one source, and whether this process runs it'), 'key').action(
    async (name: string, options: ConnectionOptions) => {
      print((await clientFor(options, 'key').request('GET', `/v1/sources/${encodeURIComponent(name)}`)).body);
    },
  );
  withConnection(
    source
      .command('set <name>')
      .description('create or replace a source, from flags or a YAML or JSON file')
      .option('-f, --file <file>', 'the definition: {topic, type | typeFrom, format, group} (- for stdin)')
      .option('--topic <topic>', 'the Kafka topic to read')
      .option('--type <type>', 'the event type of every record')
      .option('--type-from-header <name>', 'the event type is this header of each record')
      .option('--type-from-key', 'the event type is the key of each record')
      .option('--type-from-field <pointer>', 'the event type is this field of each record, a JSON pointer such as /kind')
      .option('--format <format>', 'json or confluent (the Confluent wire format)')
      .option('--group <group>', 'the Kafka consumer group whose offsets mark progress'),
    'key',
  ).action(async (name: string, options: SourceFlags) => {
    print((await clientFor(options, 'key').request('PUT', `/v1/sources/${encodeURIComponent(name)}`, definitionOf(options))).body);
  });
  withConnection(source.command('delete <name>').description('stop reading and delete the source (its committed offsets stay in Kafka)'), 'key').action(
    async (name: string, options: ConnectionOptions) => {
      await clientFor(options, 'key').request('DELETE', `/v1/sources/${encodeURIComponent(name)}`);
      print({ deleted: name });
    },
  );
}

/** The file's definition with the flags laid over it; the server checks the result. */
function definitionOf(options: SourceFlags): Record<string, unknown> {
  const base = options.file === undefined ? {} : readDocument(options.file);
  const definition: Record<string, unknown> = typeof base === 'object' && base !== null && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
  if (options.topic !== undefined) definition.topic = options.topic;
  if (options.type !== undefined) definition.type = options.type;
  if (options.typeFromHeader !== undefined) definition.typeFrom = { header: options.typeFromHeader };
  if (options.typeFromKey === true) definition.typeFrom = { key: true };
  if (options.typeFromField !== undefined) definition.typeFrom = { field: options.typeFromField };
  if (options.format !== undefined) definition.format = options.format;
  if (options.group !== undefined) definition.group = options.group;
  return definition;
}
