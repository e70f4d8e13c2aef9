import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { clientFor, print, withConnection, type ConnectionOptions } from '../connection.ts';
import { parseDuration } from '../../../domain/subscriptions/durations.ts';
import { readDocument } from '../read-document.ts';

export function registerTypes(program: Command): void {
  const type = program.command('type').description('event types and their schemas (a key with "manage" to register)');
  withConnection(
    type
      .command('register <type>')
      .description('create an event type or add a schema version; a no-op when the schema is unchanged')
      .requiredOption('-s, --schema <file>', 'schema file: JSON Schema, Avro (.avsc) or Protobuf (.proto); - for stdin')
      .option('-t, --schema-type <type>', 'JSON, AVRO or PROTOBUF (default: from the file name, else JSON)')
      .option('--partitions <n>', 'partitions of the stream (default 4, fixed once created)')
      .option('-k, --partition-key <pointer>', 'JSON pointer into data that keys events, e.g. /user_id')
      .option('--pipeline <file>', 'pipeline file (YAML or JSON): transform steps, filter, route')
      .option('--retention <age>', 'keep records this long, e.g. 7d or 12h ("none" keeps everything)')
      .option('--retention-bytes <n>', 'keep at most this many bytes per partition'),
    'key',
  ).action(
    async (
      name: string,
      options: ConnectionOptions & {
        schema: string;
        schemaType?: string;
        partitions?: string;
        partitionKey?: string;
        pipeline?: string;
        retention?: string;
        retentionBytes?: string;
      },
    ) => {
      const text = readFileSync(options.schema === '-' ? 0 : options.schema, 'utf8');
      const schemaType = (
        options.schemaType ?? (options.schema.endsWith('.proto') ? 'PROTOBUF' : options.schema.endsWith('.avsc') ? 'AVRO' : 'JSON')
      ).toUpperCase();
      let schema: unknown = text;
      if (schemaType !== 'PROTOBUF') {
        try {
          schema = JSON.parse(text);
        } catch (error) {
          throw new Error(`${options.schema} is not JSON: ${(error as Error).message}`);
        }
      }
      const body: { schema: unknown; schemaType: string; partitions?: number; partitionKey?: string; pipeline?: unknown; retention?: unknown } = {
        schema,
        schemaType,
      };
      const retention = retentionOf(options.retention, options.retentionBytes);
      if (retention !== undefined) body.retention = retention;
      if (options.pipeline !== undefined) body.pipeline = readDocument(options.pipeline);
      if (options.partitions !== undefined) body.partitions = Number(options.partitions);
      if (options.partitionKey !== undefined) body.partitionKey = options.partitionKey;
      print((await clientFor(options, 'key').request('PUT', `/v1/types/${encodeURIComponent(name)}`, body)).body);
    },
  );
  withConnection(type.command('delete <type>').description('delete an event type, its schema versions and its stream with every record'), 'key').action(
    async (name: string, options: ConnectionOptions) => {
      print((await clientFor(options, 'key').request('DELETE', `/v1/types/${encodeURIComponent(name)}`)).body);
    },
  );
  withConnection(
    type.command('erase <type> <key>').description("erase every event stored with a key: its data becomes null (the embedded store's alone)"),
    'key',
  ).action(async (name: string, eventKey: string, options: ConnectionOptions) => {
    print((await clientFor(options, 'key').request('POST', `/v1/types/${encodeURIComponent(name)}/erase`, { key: eventKey })).body);
  });
  withConnection(type.command('list').description('list event types'), 'key').action(async (options: ConnectionOptions) => {
    print((await clientFor(options, 'key').request('GET', '/v1/types')).body);
  });
  withConnection(type.command('show <type>').description('show an event type and its versions'), 'key').action(
    async (name: string, options: ConnectionOptions) => {
      print((await clientFor(options, 'key').request('GET', `/v1/types/${encodeURIComponent(name)}`)).body);
    },
  );
}

/** `--retention 7d` and `--retention-bytes 1048576` as the API's `retention`; `--retention none` clears it. */
function retentionOf(age: string | undefined, bytes: string | undefined): { ms?: number; bytes?: number } | null | undefined {
  if (age === 'none') return null;
  if (age === undefined && bytes === undefined) return undefined;
  const retention: { ms?: number; bytes?: number } = {};
  if (age !== undefined) {
    const ms = parseDuration(age);
    if (ms === undefined) throw new Error(`--retention ${age} is not a duration: write it as 30d, 12h, 90m or 3600s, or "none"`);
    retention.ms = ms;
  }
  if (bytes !== undefined) {
    if (!/^\d{1,15}$/.test(bytes)) throw new Error(`--retention-bytes ${bytes} is not a whole number of bytes`);
    retention.bytes = Number(bytes);
  }
  return retention;
}
