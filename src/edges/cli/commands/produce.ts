import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { SchemaFormat } from '../../../domain/catalog-docs.ts';
import { isSluiceError } from '../../../domain/errors.ts';
import { encodeFrame } from '../../../domain/wire-format.ts';
import { createSerializer } from '../../../services/schemas/serializers.ts';
import { ApiError, type Client } from '../client.ts';
import { clientFor, print, withConnection, type ConnectionOptions } from '../connection.ts';
import { readValues } from '../read-document.ts';

const wireFormats = { avro: 'AVRO', protobuf: 'PROTOBUF' } as const satisfies Record<string, SchemaFormat>;

interface ProduceOptions extends ConnectionOptions {
  batch: string;
  envelope?: boolean;
  key?: string;
  format: string;
  dryRun?: boolean;
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
      .option('--batch <n>', 'events per request', '500')
      .option('--format <format>', 'json sends JSON; avro or protobuf encode each value with the type\'s latest schema in Confluent\'s wire format and send one record per request', 'json')
      .option('--dry-run', 'with --format avro|protobuf: print the framed records as base64 instead of sending them'),
    'key',
  ).action(async (type: string, file: string | undefined, options: ProduceOptions) => {
    const values = readValues(readFileSync(file === undefined || file === '-' ? 0 : file, 'utf8'));
    if (options.format !== 'json') {
      await produceWire(type, values, options);
      return;
    }
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

/**
 * `--format avro|protobuf`: fetches the type's latest schema, encodes each value locally
 * (a value that does not fit the schema is refused here, before anything is sent), frames
 * it in Confluent's wire format and posts it as `application/vnd.confluent.wire`; the
 * server decodes it with the schema id, so the round trip is proven on every record.
 */
async function produceWire(type: string, values: readonly unknown[], options: ProduceOptions): Promise<void> {
  const format = (wireFormats as Record<string, SchemaFormat | undefined>)[options.format];
  if (format === undefined) throw new Error(`--format ${options.format}: expected json, avro or protobuf`);
  if (options.envelope === true) throw new Error('--envelope is for --format json: a wire-format record carries only the data');
  const client = clientFor(options, 'key');
  const { body } = await client.request('GET', `/v1/types/${encodeURIComponent(type)}/versions/latest`);
  const latest = body as { schemaId: number; version: number; schemaType: SchemaFormat; schema: unknown };
  if (latest.schemaType !== format) throw new Error(`event type "${type}" has ${latest.schemaType} schemas, not ${format}: use --format ${latest.schemaType === 'JSON' ? 'json' : latest.schemaType.toLowerCase()}`);
  const serializer = createSerializer({ format, schema: typeof latest.schema === 'string' ? latest.schema : JSON.stringify(latest.schema) });
  const total: Outcome = { accepted: 0, rejected: 0, results: [] };
  const frames: { index: number; frame: string }[] = [];
  for (const [index, value] of values.entries()) {
    let frame: Buffer;
    try {
      frame = encodeFrame(latest.schemaId, serializer.messageIndexes, serializer.encode(value));
    } catch (error) {
      if (!isSluiceError(error)) throw error;
      total.rejected++;
      total.results.push({ index, error: error.toBody() });
      continue;
    }
    if (options.dryRun === true) {
      frames.push({ index, frame: frame.toString('base64') });
      continue;
    }
    const outcome = await sendFrame(client, type, frame);
    total.accepted += outcome.accepted;
    total.rejected += outcome.rejected;
    for (const result of outcome.results) total.results.push('index' in result ? { ...result, index } : result);
  }
  if (options.dryRun === true) print({ schemaId: latest.schemaId, version: latest.version, frames, rejected: total.rejected, results: total.results });
  else print(total);
  if (total.rejected > 0) process.exitCode = 1;
}

async function sendFrame(client: Client, type: string, frame: Buffer): Promise<Outcome> {
  let response: Response;
  try {
    response = await fetch(client.url(`/v1/events?type=${encodeURIComponent(type)}`), {
      method: 'POST',
      headers: client.headers({ 'content-type': 'application/vnd.confluent.wire' }),
      body: frame,
    });
  } catch (error) {
    throw new Error(`cannot reach Sluice at ${client.url('')}: ${(error as Error).message}. Is it running? Set --url or SLUICE_URL.`);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    // not JSON: ApiError shows the status
  }
  const outcome = parsed as Partial<Outcome> | undefined;
  if (outcome?.results === undefined) throw new ApiError(response.status, parsed);
  return outcome as Outcome;
}
