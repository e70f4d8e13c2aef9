import { readFileSync } from 'node:fs';
import { chosenOutputFormat } from '../output.ts';
import type { Command } from 'commander';
import type { SchemaFormat } from '../../../domain/catalog-docs.ts';
import { isSluiceError } from '../../../domain/errors.ts';
import { encodeFrame } from '../../../domain/wire-format.ts';
import { ApiError, type Client } from '../client.ts';
import { clientFor, print, withConnection, type ConnectionOptions } from '../connection.ts';
import { readValues } from '../read-document.ts';

const wireFormats = { avro: 'AVRO', protobuf: 'PROTOBUF' } as const satisfies Record<string, SchemaFormat>;

interface ProduceOptions extends ConnectionOptions {
  batch: string;
  maxBytes: string;
  /** Its own --output, else the global one, else `summary`. */
  output?: string;
  envelope?: boolean;
  key?: string;
  format: string;
  dryRun?: boolean;
}

interface Outcome {
  accepted: number;
  /** Absent from servers before duplicates were counted apart. */
  duplicates?: number;
  rejected: number;
  results: ({ index: number; error: unknown } | { id: string })[];
}

// `table` (the global format) reads as the summary here.
const outputs = ['summary', 'table', 'json', 'quiet'] as const;
/** Rejections the summary lists one per line; `--output json` has them all. */
const listedRejections = 20;

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
      .option('--batch <n>', 'most events per request', '500')
      .option('--max-bytes <n>', "most bytes per request (below the server's limits.maxBodyBytes, 5 MiB by default)", String(4 * 1024 * 1024))
      .option(
        '--output <mode>',
        'summary (the default): one line, then a line per rejected event; json: the whole outcome as one JSON line; quiet: nothing (the exit code says it)',
      )
      .option(
        '--format <format>',
        "json sends JSON; avro or protobuf encode each value with the type's latest schema in Confluent's wire format and send one record per request",
        'json',
      )
      .option('--dry-run', 'with --format avro|protobuf: print the framed records as base64 instead of sending them'),
    'key',
  ).action(async (type: string, file: string | undefined, options: ProduceOptions) => {
    options.output ??= chosenOutputFormat() ?? 'summary';
    if (!(outputs as readonly string[]).includes(options.output)) throw new Error(`--output ${options.output}: expected ${outputs.join(', ')}`);
    const values = readValues(readFileSync(file === undefined || file === '-' ? 0 : file, 'utf8'));
    if (options.format !== 'json') {
      await produceWire(type, values, options);
      return;
    }
    const events = values.map((value) => (options.envelope === true ? value : { type, data: value }));
    const client = clientFor(options, 'key');
    const batchSize = Math.max(1, Number(options.batch));
    const maxBytes = Math.max(1024, Number(options.maxBytes));
    const total: Outcome = { accepted: 0, duplicates: 0, rejected: 0, results: [] };
    for (const { start, lines } of batches(
      events.map((event) => JSON.stringify(event)),
      batchSize,
      maxBytes,
    )) {
      const { body } = await client.request('POST', '/v1/events', lines.join('\n'), { contentType: 'application/x-ndjson', acceptStatuses: [400] });
      const outcome = body as Outcome;
      if (outcome.results === undefined) throw new Error(JSON.stringify(body));
      total.accepted += outcome.accepted;
      total.duplicates = (total.duplicates ?? 0) + (outcome.duplicates ?? 0);
      total.rejected += outcome.rejected;
      for (const result of outcome.results) total.results.push('index' in result ? { ...result, index: result.index + start } : result);
    }
    report(type, total, options.output);
  });
}

/**
 * Requests of at most `count` events and `maxBytes` bytes each, in order; an event larger than
 * `maxBytes` goes alone (the server then says why it is refused).
 */
export function* batches(lines: readonly string[], count: number, maxBytes: number): Generator<{ start: number; lines: string[] }> {
  let start = 0;
  let current: string[] = [];
  let bytes = 0;
  for (const [index, line] of lines.entries()) {
    const size = Buffer.byteLength(line) + 1;
    if (current.length > 0 && (current.length >= count || bytes + size > maxBytes)) {
      yield { start, lines: current };
      start = index;
      current = [];
      bytes = 0;
    }
    current.push(line);
    bytes += size;
  }
  if (current.length > 0) yield { start, lines: current };
}

/** What `sluice produce` prints: a summary line and the rejected events, the whole outcome, or nothing. */
function report(type: string, total: Outcome, output: string): void {
  if (total.rejected > 0) process.exitCode = 1;
  if (output === 'quiet') return;
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify(total)}\n`);
    return;
  }
  const duplicates = total.duplicates ?? 0;
  const sent = total.accepted + duplicates + total.rejected;
  const lines = [
    `${sent} ${sent === 1 ? 'event' : 'events'} of ${type}: ${total.accepted} accepted, ${duplicates > 0 ? `${duplicates} already stored (same id), ` : ''}${total.rejected} rejected`,
  ];
  const rejected = total.results.filter(
    (result): result is { index: number; error: { code?: string; message?: string; details?: { path: string; reason: string }[] } } => 'index' in result,
  );
  for (const result of rejected.slice(0, listedRejections)) {
    const detail = result.error.details?.[0];
    lines.push(
      `  #${result.index}: ${result.error.code ?? 'rejected'}: ${detail === undefined ? (result.error.message ?? '') : `${detail.path} ${detail.reason}`}`,
    );
  }
  if (rejected.length > listedRejections) lines.push(`  … and ${rejected.length - listedRejections} more (--output json lists them all)`);
  process.stdout.write(`${lines.join('\n')}\n`);
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
  if (latest.schemaType !== format)
    throw new Error(
      `event type "${type}" has ${latest.schemaType} schemas, not ${format}: use --format ${latest.schemaType === 'JSON' ? 'json' : latest.schemaType.toLowerCase()}`,
    );
  // Loaded only here: avsc and protobufjs would slow every other command's start.
  const { createSerializer } = await import('../../../services/schemas/serializers.ts');
  const serializer = createSerializer({ format, schema: typeof latest.schema === 'string' ? latest.schema : JSON.stringify(latest.schema) });
  const total: Outcome = { accepted: 0, duplicates: 0, rejected: 0, results: [] };
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
    total.duplicates = (total.duplicates ?? 0) + (outcome.duplicates ?? 0);
    total.rejected += outcome.rejected;
    for (const result of outcome.results) total.results.push('index' in result ? { ...result, index } : result);
  }
  if (options.dryRun === true) {
    print({ schemaId: latest.schemaId, version: latest.version, frames, rejected: total.rejected, results: total.results });
    if (total.rejected > 0) process.exitCode = 1;
  } else report(type, total, options.output!);
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
