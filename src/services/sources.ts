/**
 * Kafka sources: topics Sluice does not own, consumed into a tenant's streams through the same
 * pipeline as HTTP ingest (docs/internals/kafka.md, "Sources"). The service keeps one consumer running
 * per source in the catalog, in every process, and Kafka's group protocol shares the topic's
 * partitions among them. Kafka itself stays behind the SourceReader port.
 */
import { setImmediate } from 'node:timers/promises';
import type { SourceDoc, SourceTypeFrom } from '../domain/catalog-docs.ts';
import type { ErrorDetail } from '../domain/errors.ts';
import { SluiceError } from '../domain/errors.ts';
import { parseExactJson } from '../domain/exact-json.ts';
import { guardJson } from '../domain/json-guard.ts';
import { compilePointer, isJsonPointer } from '../domain/json-pointer.ts';
import { isTypeName, parseStreamName } from '../domain/names.ts';
import type { EventInput } from '../domain/event.ts';
import { toEventInput } from '../domain/event-input.ts';
import { isoTextWriter } from '../domain/iso-timestamp.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { SourceReader, SourceRecord, SourceSubscription } from '../ports/source-reader.ts';
import type { IngestItem, IngestService, PreparedIngest } from './ingest.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import type { TypeRegistry } from './registry.ts';
import type { WireDecoder } from './schemas/wire-decoder.ts';

/** What a caller sends to create or replace a source (`PUT /v1/sources/{name}`, sluice.yaml). */
export interface SourceDefinition {
  topic?: unknown;
  type?: unknown;
  typeFrom?: unknown;
  format?: unknown;
  group?: unknown;
}

/** A source as the API shows it. */
export interface SourceView extends Omit<SourceDoc, 'tenant'> {
  /** True while this process holds a consumer for it. */
  running: boolean;
}

export interface SourceSettings {
  /** Deepest nesting a decoded record may have, as `limits.maxDepth` for HTTP bodies. */
  maxDepth: number;
  /** Most records one append carries. */
  maxBatch: number;
}

/** Where problems of running sources are reported (the process's logger). */
export interface SourceLog {
  warn(details: object, message: string): void;
}

const definitionKeys = new Set(['topic', 'type', 'typeFrom', 'format', 'group']);
const sourceNamePattern = /^[a-z0-9][a-z0-9._-]{0,127}$/;
// Kafka's own rule for topic and group names.
const kafkaNamePattern = /^[A-Za-z0-9._-]{1,249}$/;
const restartPauseMs = 5_000;
/** Records validated in one go when a batch is prepared (see SourceService.#prepare). */
const prepareSlice = 250;

/**
 * @example
 * await sources.put('acme', 'logins', { topic: 'user-logins', type: 'user-login', format: 'json' });
 */
export class SourceService {
  readonly #catalog: Catalog;
  readonly #ingest: IngestService;
  readonly #registry: TypeRegistry;
  readonly #reader: SourceReader | undefined;
  readonly #settings: SourceSettings;
  readonly #writes = new KeyedMutex();
  readonly #runners = new Map<string, Runner>();
  readonly #wire: WireDecoder;
  /** One decoder for every record: without `stream`, decode keeps no state between calls. */
  readonly #utf8 = new TextDecoder('utf-8', { fatal: true });
  #log: SourceLog | undefined;
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  constructor(catalog: Catalog, ingest: IngestService, registry: TypeRegistry, wire: WireDecoder, reader: SourceReader | undefined, settings: SourceSettings) {
    this.#catalog = catalog;
    this.#wire = wire;
    this.#ingest = ingest;
    this.#registry = registry;
    this.#reader = reader;
    this.#settings = settings;
  }

  /** True when sources can run here (Sluice is on Kafka). */
  get available(): boolean {
    return this.#reader !== undefined;
  }

  list(tenant: string): SourceView[] {
    return this.#catalog.list('source', `${tenant}/`).map((entry) => this.#view(entry.value));
  }

  get(tenant: string, name: string): SourceView {
    const doc = this.#catalog.get('source', sourceKey(tenant, name))?.value;
    if (doc === undefined) throw new SluiceError('not_found', `tenant "${tenant}" has no source "${name}"`);
    return this.#view(doc);
  }

  /** Creates or replaces a source; `changed` is false when the definition was already stored. */
  async put(tenant: string, name: string, definition: unknown): Promise<{ source: SourceView; created: boolean; changed: boolean }> {
    if (this.#reader === undefined) {
      throw new SluiceError(
        'sources_need_kafka',
        `source "${name}" cannot run: this Sluice stores events in its embedded store, and sources read Kafka topics`,
      );
    }
    if (this.#catalog.get('tenant', tenant) === undefined) throw new SluiceError('not_found', `tenant "${tenant}" does not exist`);
    const parsed = this.#parse(tenant, name, definition);
    return this.#writes.run(sourceKey(tenant, name), async () => {
      const existing = this.#catalog.get('source', sourceKey(tenant, name))?.value;
      const now = new Date().toISOString();
      const doc: SourceDoc = { ...parsed, createdAt: existing?.createdAt ?? now, updatedAt: now };
      if (existing !== undefined && sameDefinition(existing, doc)) return { source: this.#view(existing), created: false, changed: false };
      await this.#catalog.put('source', sourceKey(tenant, name), doc);
      return { source: this.#view(doc), created: existing === undefined, changed: true };
    });
  }

  async delete(tenant: string, name: string): Promise<void> {
    await this.#writes.run(sourceKey(tenant, name), async () => {
      if (this.#catalog.get('source', sourceKey(tenant, name)) === undefined) throw new SluiceError('not_found', `tenant "${tenant}" has no source "${name}"`);
      await this.#catalog.delete('source', sourceKey(tenant, name));
    });
  }

  /** Starts a consumer for every source in the catalog and follows the catalog's changes. */
  start(log: SourceLog): void {
    if (this.#reader === undefined || this.#unsubscribe !== undefined || this.#closed) return;
    this.#log = log;
    this.#unsubscribe = this.#catalog.onChange((change) => {
      if (change.kind === 'source') void this.#reconcile(change.key);
    });
    for (const entry of this.#catalog.list('source')) void this.#reconcile(entry.key);
  }

  /** Stops every consumer; the batches in hand are stored and committed first. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe?.();
    const runners = [...this.#runners.values()];
    this.#runners.clear();
    await Promise.all(runners.map((runner) => runner.stop()));
  }

  #view(doc: SourceDoc): SourceView {
    const { tenant, ...rest } = doc;
    return { ...rest, running: this.#runners.get(sourceKey(tenant, doc.name))?.running === true };
  }

  /** Makes the running consumer of one source match its catalog entry. */
  #reconcile(key: string): Promise<void> {
    const done = this.#writes.run(`runner:${key}`, async () => {
      const entry = this.#closed ? undefined : this.#catalog.get('source', key);
      const current = this.#runners.get(key);
      if (current !== undefined && entry !== undefined && current.revision === entry.revision) return;
      if (current !== undefined) {
        this.#runners.delete(key);
        await current.stop();
      }
      if (entry === undefined || this.#reader === undefined) return;
      const runner = new Runner(entry.revision, entry.value, this.#reader, this.#settings.maxBatch, this.#log, (records) =>
        this.#prepare(entry.value, records),
      );
      this.#runners.set(key, runner);
      runner.start();
    });
    // Called without awaiting (from catalog changes): a failure is logged, never unhandled.
    return done.catch((error: unknown) => this.#log?.warn({ source: key, err: error }, 'the source could not be started or stopped'));
  }

  /**
   * Decodes and validates the batch now; the function it resolves to appends it. The work is
   * cut into slices with a turn of the event loop between them: it runs while the batch before
   * is appended, and that append's replies must not wait for a whole batch's validation.
   */
  async #prepare(doc: SourceDoc, records: readonly SourceRecord[]): Promise<() => Promise<void>> {
    const parts: PreparedIngest[] = [];
    for (let at = 0; at < records.length; at += prepareSlice) {
      if (at > 0) await setImmediate();
      const slice = records.slice(at, at + prepareSlice);
      parts.push(
        this.#ingest.prepare(
          doc.tenant,
          slice.map((record) => this.#toItem(doc, record)),
        ),
      );
    }
    return async () => {
      await this.#ingest.store(parts);
    };
  }

  /** One record as an event for the pipeline, or a dead letter of stage `source`. */
  #toItem(doc: SourceDoc, record: SourceRecord): IngestItem {
    let type: string | null = doc.type ?? null;
    try {
      const event = doc.format === 'json' ? this.#fromJson(doc, record) : this.#fromConfluent(doc, record, (resolved) => (type = resolved));
      return { ok: true, event, origin: recordId(record) };
    } catch (error) {
      const sluiceError =
        error instanceof SluiceError ? error : new SluiceError('invalid_event', `the record could not be read: ${(error as Error).message}`, { cause: error });
      return { ok: false, stage: 'source', type, original: rawOriginal(doc, record), error: sluiceError, origin: recordId(record) };
    }
  }

  #fromJson(doc: SourceDoc, record: SourceRecord): EventInput {
    if (record.value === null || record.value.length === 0) throw new SluiceError('invalid_event', 'the record has no value');
    let value: unknown;
    try {
      value = parseExactJson(this.#utf8.decode(record.value));
    } catch (error) {
      throw new SluiceError('malformed_json', `the record's value is not JSON text: ${(error as Error).message}`, { cause: error });
    }
    guardJson(value, this.#settings.maxDepth);
    if (isEnvelope(value)) {
      // A full Sluice or CloudEvents envelope names its own type and id; the record's
      // coordinates are the id only when the producer gave none.
      const envelope: Record<string, unknown> = { ...value };
      envelope.id ??= recordId(record);
      if (!('specversion' in envelope) && envelope.key === undefined && record.key !== null) envelope.key = record.key.toString('utf8');
      // Only a dead letter needs the text, and nothing changes the envelope meanwhile.
      return toEventInput(envelope, () => JSON.stringify(envelope), this.#settings.maxDepth);
    }
    return nativeEvent({ type: resolveType(doc, record, value), data: value }, record);
  }

  #fromConfluent(doc: SourceDoc, record: SourceRecord, typeFound: (type: string) => void): EventInput {
    if (record.value === null) throw new SluiceError('invalid_wire_format', 'the record has no value');
    const { schemaId, data } = this.#wire.decode(doc.tenant, record.value, this.#settings.maxDepth);
    const type = resolveType(doc, record, data);
    typeFound(type);
    const fields: Record<string, unknown> = { type, data };
    const versions = this.#versionsOf(doc.tenant, type);
    // An unknown type is the pipeline's to report (unknown_type), as for HTTP ingest.
    if (versions !== undefined) {
      const version = versions.find((entry) => entry.schemaId === schemaId);
      if (version === undefined) {
        throw new SluiceError('unknown_version', `schema id ${schemaId} is not a version of event type "${type}"`, {
          details: [{ path: '', reason: `the type's schema ids are ${versions.map((entry) => entry.schemaId).join(', ') || 'none'}` }],
        });
      }
      fields.schemaVersion = version.version;
    }
    return nativeEvent(fields, record);
  }

  #versionsOf(tenant: string, type: string): { version: number; schemaId: number }[] | undefined {
    try {
      return this.#registry.getType(tenant, type).versions;
    } catch (error) {
      if (error instanceof SluiceError && error.code === 'not_found') return undefined;
      throw error;
    }
  }

  /** Checks a definition; throws `invalid_source` naming every bad field. */
  #parse(tenant: string, name: string, definition: unknown): Omit<SourceDoc, 'createdAt' | 'updatedAt'> {
    if (!sourceNamePattern.test(name))
      throw new SluiceError('invalid_name', `"${name}" is not a valid source name: lower-case letters, digits, dot, dash and underscore, at most 128`);
    if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
      throw new SluiceError('invalid_source', 'a source is an object with topic, format and type or typeFrom', {
        details: [{ path: '', reason: 'not an object' }],
      });
    }
    const body = definition as SourceDefinition & Record<string, unknown>;
    const problems: ErrorDetail[] = [];
    for (const key of Object.keys(body))
      if (!definitionKeys.has(key)) problems.push({ path: `/${key}`, reason: 'unknown field (expected topic, type, typeFrom, format, group)' });
    const topic = typeof body.topic === 'string' ? body.topic : '';
    if (!kafkaNamePattern.test(topic))
      problems.push({ path: '/topic', reason: 'required: a Kafka topic name (letters, digits, dot, dash, underscore; at most 249)' });
    else {
      const refused = this.#ownTopic(tenant, topic);
      if (refused !== undefined) problems.push({ path: '/topic', reason: refused });
    }
    const format = body.format ?? 'json';
    if (format !== 'json' && format !== 'confluent') problems.push({ path: '/format', reason: 'must be "json" or "confluent"' });
    const group = body.group ?? `sluice-source-${tenant}-${name}`;
    if (typeof group !== 'string' || !kafkaNamePattern.test(group))
      problems.push({ path: '/group', reason: 'must be a Kafka group id (letters, digits, dot, dash, underscore; at most 249)' });
    const doc: Omit<SourceDoc, 'createdAt' | 'updatedAt'> = {
      tenant,
      name,
      topic,
      format: format === 'confluent' ? 'confluent' : 'json',
      group: typeof group === 'string' ? group : '',
    };
    if ((body.type === undefined) === (body.typeFrom === undefined))
      problems.push({ path: '/type', reason: 'give exactly one of type (a fixed event type) or typeFrom' });
    if (body.type !== undefined) {
      if (typeof body.type === 'string' && isTypeName(body.type)) doc.type = body.type;
      else problems.push({ path: '/type', reason: 'must be an event type name' });
    }
    if (body.typeFrom !== undefined) {
      const typeFrom = parseTypeFrom(body.typeFrom);
      if (typeof typeFrom === 'string') problems.push({ path: '/typeFrom', reason: typeFrom });
      else doc.typeFrom = typeFrom;
    }
    if (problems.length > 0) {
      throw new SluiceError('invalid_source', `source "${name}" is not valid: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}`, {
        details: problems,
      });
    }
    return doc;
  }

  /** Why a topic is one of Sluice's own, which no source may read; undefined when it is not. */
  #ownTopic(tenant: string, topic: string): string | undefined {
    if (topic.startsWith('__')) return 'is an internal Kafka topic';
    const own = this.#reader?.sluiceName(topic);
    if (own === undefined) return undefined;
    if (own.startsWith('_')) return "is one of Sluice's internal topics";
    const stream = parseStreamName(own);
    if (stream !== undefined && this.#catalog.get('tenant', stream.tenant) !== undefined) {
      return stream.tenant === tenant
        ? "is one of this tenant's own streams; a source reads topics Sluice does not own"
        : 'is a Sluice stream; a source reads topics Sluice does not own';
    }
    return undefined;
  }
}

/** Keeps one subscription open for one revision of a source, reopening it after failures. */
class Runner {
  readonly revision: number;
  running = false;
  readonly #doc: SourceDoc;
  readonly #reader: SourceReader;
  readonly #maxBatch: number;
  readonly #log: SourceLog | undefined;
  readonly #prepare: (records: readonly SourceRecord[]) => Promise<() => Promise<void>>;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #subscription: SourceSubscription | undefined;

  constructor(
    revision: number,
    doc: SourceDoc,
    reader: SourceReader,
    maxBatch: number,
    log: SourceLog | undefined,
    prepare: (records: readonly SourceRecord[]) => Promise<() => Promise<void>>,
  ) {
    this.revision = revision;
    this.#doc = doc;
    this.#reader = reader;
    this.#maxBatch = maxBatch;
    this.#log = log;
    this.#prepare = prepare;
  }

  start(): void {
    this.#loop = this.#open();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    this.running = false;
    await this.#subscription?.close();
  }

  async #open(): Promise<void> {
    const where = { tenant: this.#doc.tenant, source: this.#doc.name, topic: this.#doc.topic };
    while (!this.#stop.signal.aborted) {
      try {
        const subscription = await this.#reader.subscribe(
          { topic: this.#doc.topic, group: this.#doc.group, maxBatch: this.#maxBatch },
          { prepare: this.#prepare, problem: (error, context) => this.#log?.warn({ ...where, err: error }, context) },
        );
        if (this.#stop.signal.aborted) {
          await subscription.close();
          return;
        }
        this.#subscription = subscription;
        this.running = true;
        await Promise.race([subscription.ended, aborted(this.#stop.signal)]);
        if (this.#stop.signal.aborted) return;
        // The consumer failed on its own: leave the group and join again after a pause.
        this.running = false;
        this.#subscription = undefined;
        await subscription.close();
        this.#log?.warn({ ...where, retryInMs: restartPauseMs }, 'the source stopped reading; it joins its group again');
      } catch (error) {
        this.#log?.warn({ ...where, err: error, retryInMs: restartPauseMs }, 'the source could not join its consumer group; retrying');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, restartPauseMs);
        this.#stop.signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    }
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function sourceKey(tenant: string, name: string): string {
  return `${tenant}/${name}`;
}

function sameDefinition(a: SourceDoc, b: SourceDoc): boolean {
  const fields = (doc: SourceDoc): string => JSON.stringify([doc.topic, doc.type ?? null, doc.typeFrom ?? null, doc.format, doc.group]);
  return fields(a) === fields(b);
}

function parseTypeFrom(value: unknown): SourceTypeFrom | string {
  const shape = 'must be one of {header: "<name>"}, {key: true} or {field: "/json/pointer"}';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return shape;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length !== 1) return shape;
  const [kind, setting] = entries[0]!;
  if (kind === 'header' && typeof setting === 'string' && setting !== '') return { header: setting };
  if (kind === 'key' && setting === true) return { key: true };
  if (kind === 'field' && typeof setting === 'string' && setting !== '' && isJsonPointer(setting)) return { field: setting };
  return shape;
}

/** A JSON value that is a whole event rather than its data. */
function isEnvelope(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return 'specversion' in value || (typeof (value as Record<string, unknown>).type === 'string' && 'data' in value);
}

function resolveType(doc: SourceDoc, record: SourceRecord, data: unknown): string {
  if (doc.type !== undefined) return doc.type;
  const from = doc.typeFrom;
  let type: unknown;
  let where = '';
  if (from !== undefined && 'header' in from) {
    type = record.headers.get(from.header);
    where = `header "${from.header}"`;
  } else if (from !== undefined && 'key' in from) {
    type = record.key?.toString('utf8');
    where = 'key';
  } else if (from !== undefined) {
    type = compilePointer(from.field)(data);
    where = `field ${from.field}`;
  }
  if (typeof type !== 'string' || type === '') {
    throw new SluiceError('invalid_event', `the record's event type comes from its ${where}, which is missing or not a string`, {
      details: [{ path: '/type', reason: `no event type in the record's ${where}` }],
    });
  }
  return type;
}

/** The record's coordinates: the same on every redelivery, so a repeat is deduplicated. */
function recordId(record: SourceRecord): string {
  return `${record.topic}-${record.partition}-${record.offset}`;
}

// The records of one fetch mostly share their time: a writer of its own keeps it.
const recordTimeText = isoTextWriter();

/** An event in Sluice's own shape; its original is that shape too, so a redrive can replay it. */
function nativeEvent(fields: Record<string, unknown>, record: SourceRecord): EventInput {
  const native: Record<string, unknown> = { ...fields, id: recordId(record), source: `kafka:${record.topic}` };
  if (record.key !== null) native.key = record.key.toString('utf8');
  if (Number.isFinite(record.timestamp) && record.timestamp > 0) native.time = recordTimeText(record.timestamp);
  // Only a dead letter needs the text; transforms work on a copy, so `native` stays as it is.
  return toEventInput(native, () => JSON.stringify(native));
}

/** What a dead letter keeps of a record that could not be read. */
function rawOriginal(doc: SourceDoc, record: SourceRecord): string {
  const value = record.value === null ? null : doc.format === 'json' ? record.value.toString('utf8') : record.value.toString('base64');
  return JSON.stringify({
    source: doc.name,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key === null ? null : record.key.toString('utf8'),
    headers: Object.fromEntries(record.headers),
    value,
    encoding: doc.format === 'json' ? 'utf8' : 'base64',
  });
}
