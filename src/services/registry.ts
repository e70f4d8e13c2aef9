import { createHash, randomBytes } from 'node:crypto';
import type { EventTypeDoc, SchemaDoc, SchemaFormat, SchemaReferenceDoc, TypeVersionDoc } from '../domain/catalog-docs.ts';
import { SluiceError } from '../domain/errors.ts';
import { optionalKeySegment } from '../domain/key-field.ts';
import { compilePointer, isJsonPointer } from '../domain/json-pointer.ts';
import { assertTypeName, streamName } from '../domain/names.ts';
import type { CompiledType, RouteTarget, SchemaVersion, Validator } from '../domain/pipeline.ts';
import { compilePipeline, type PipelineConfig } from '../domain/pipeline-config.ts';
import { checkCompatibility, defaultCompatibilityLevel, type CompatibilityLevel } from '../domain/compatibility/index.ts';
import type { TransformDeps } from '../domain/transforms/index.ts';
import type { Catalog } from '../ports/catalog.ts';
import { CatalogConflict } from '../ports/catalog.ts';
import type { EventLog } from '../ports/event-log.ts';
import { canonicalJson } from '../domain/canonical-json.ts';
import { SchemaCompiler } from './schemas/schema-compiler.ts';
import { collectDependencies, parseReferences, publicReferences, type Dependency } from './schemas/references.ts';
import { bindSubject, catalogSubjectScope } from './confluent/subjects.ts';
import { KeyedMutex } from './keyed-mutex.ts';

export interface TypeDefinition {
  schema: unknown;
  /** The schema language: `JSON` (JSON Schema, the default), `AVRO` or `PROTOBUF`. */
  schemaType?: SchemaFormat;
  partitions?: number;
  partitionKey?: string;
  /** Replaces the type's pipeline when given; see docs/pipelines.md. */
  pipeline?: PipelineConfig | null;
  /** The rule later versions must obey (BACKWARD when never set). */
  compatibility?: CompatibilityLevel;
  /** How much of the stream to keep; `null` keeps everything again. Unchanged when left out. */
  retention?: { ms?: number; bytes?: number } | null;
  /** Confluent schema references `[{name, subject, version}]`: other schemas of the tenant this one uses (references.ts). */
  references?: unknown;
  /** Confluent's `metadata` and `ruleSet`, part of the schema's identity (checked by the Confluent API). */
  extras?: SchemaExtras;
}

/** What Confluent keeps with a schema besides its text and references. */
export interface SchemaExtras {
  metadata?: Record<string, unknown>;
  ruleSet?: Record<string, unknown>;
}

export interface RegisteredType {
  type: string;
  version: number;
  schemaId: number;
  stream: string;
  partitions: number;
  partitionKey?: string;
  /** False when the schema was already the latest version: nothing changed. */
  changed: boolean;
}

export interface TypeView {
  type: string;
  stream: string;
  partitions: number;
  partitionKey?: string;
  pipeline?: PipelineConfig;
  compatibility: CompatibilityLevel;
  /** How much of the stream is kept; everything when absent. */
  retention?: { ms?: number; bytes?: number };
  latestVersion: number;
  versions: { version: number; schemaId: number; createdAt: string }[];
  createdAt: string;
  updatedAt: string;
}

export interface VersionView {
  type: string;
  version: number;
  schemaId: number;
  schemaType: SchemaFormat;
  schema: unknown;
  createdAt: string;
}

export const defaultPartitions = 4;
const maxPartitions = 256;

/**
 * Event types and their schema versions. Compiled validators are cached by schema id and
 * compiled types by tenant and type, so an event never causes a compilation.
 */
/** What the registry writes to the log: a type's stream and its retention. */
export type RegistryLog = Pick<EventLog, 'createStream' | 'applyRetention'>;

export class TypeRegistry {
  readonly #catalog: Catalog;
  readonly #log: RegistryLog;
  readonly #compiler = new SchemaCompiler();
  readonly #validators = new Map<number, Validator>();
  readonly #compiled = new Map<string, CompiledType>();
  readonly #writes = new KeyedMutex();

  constructor(catalog: Catalog, log: RegistryLog) {
    this.#catalog = catalog;
    this.#log = log;
    catalog.onChange((change) => {
      if (change.kind !== 'event-type') return;
      this.#compiled.delete(change.key);
      // A compiled type keeps its route targets' schemas: a change to a target recompiles it.
      const [tenant, type] = splitTypeKey(change.key);
      for (const [key, compiled] of this.#compiled) {
        if (compiled.tenant === tenant && compiled.pipeline?.targets.includes(type) === true) this.#compiled.delete(key);
      }
    });
  }

  /**
   * Creates the type or adds a schema version when the schema changed; a no-op otherwise.
   *
   * @example await registry.putType('acme', 'fruits', { schema: { type: 'object' }, partitionKey: '/name' })
   */
  putType(tenant: string, type: string, definition: TypeDefinition): Promise<RegisteredType> {
    assertTypeName(type);
    return this.#writes.run(typeKey(tenant, type), () => this.#putType(tenant, type, definition));
  }

  async #putType(tenant: string, type: string, definition: TypeDefinition): Promise<RegisteredType> {
    const key = typeKey(tenant, type);
    const existing = this.#catalog.get('event-type', key)?.value;
    const partitions = checkPartitions(definition.partitions, existing);
    const partitionKey = definition.partitionKey ?? existing?.partitionKey;
    if (partitionKey !== undefined && !isJsonPointer(partitionKey)) {
      throw new SluiceError('invalid_request', `partitionKey "${partitionKey}" is not a JSON pointer`, {
        details: [{ path: '/partitionKey', reason: 'write it as a JSON pointer such as /user_id' }],
      });
    }
    const format = definition.schemaType ?? 'JSON';
    const references = this.resolveReferences(tenant, format, definition.references);
    const { text, former } = this.#compiler.stored(format, definition.schema, this.dependenciesOf(references));
    // Soft-deleted versions (Confluent API) neither constrain nor answer for new schemas.
    const live = liveVersions(existing);
    const latestFormat = live.at(-1) === undefined ? undefined : this.#schemaDoc(live.at(-1)!.schemaId).format;
    if (latestFormat !== undefined && latestFormat !== format) {
      throw new SluiceError('invalid_schema', `event type "${type}" has ${latestFormat} schemas; a new version must be ${latestFormat} too`, {
        details: [{ path: '/schemaType', reason: `register a new event type for ${format} schemas` }],
      });
    }
    const compatibility = definition.compatibility ?? existing?.compatibility;
    const extras = definition.extras ?? {};
    const matching = live.findLast((v) => sameSchema(this.#schemaDoc(v.schemaId), text, references, former, extras));
    const isNewSchema = existing !== undefined && matching === undefined;
    // Checked when the key or the schema changes, so types stored before this check still load.
    if (partitionKey !== undefined && format === 'JSON' && (matching === undefined || partitionKey !== existing?.partitionKey)) {
      const missing = optionalKeySegment(JSON.parse(text) as unknown, partitionKey);
      if (missing !== undefined) {
        throw new SluiceError(
          'invalid_request',
          `partitionKey ${partitionKey} points at "${missing}", which the schema does not require: every event without it would be dead-lettered`,
          {
            details: [{ path: '/partitionKey', reason: `add "${missing}" to the schema's "required", or leave partitionKey out and send each event's key` }],
          },
        );
      }
    }
    if (isNewSchema) this.#checkCompatibility(type, format, text, references, live, compatibility ?? this.defaultCompatibility(tenant));
    // A version stored by an earlier release in another form keeps its id.
    const schemaId = matching?.schemaId ?? (await this.#schemaId(tenant, format, text, references, extras));
    const latest = live.at(-1);
    const now = new Date().toISOString();
    const stream = streamName(tenant, type);
    const pipeline = definition.pipeline === undefined ? existing?.pipeline : (definition.pipeline ?? undefined);
    if (pipeline !== undefined) await this.#checkPipeline(tenant, type, pipeline);
    const retention = definition.retention === undefined ? existing?.retention : checkRetention(definition.retention);
    if (
      existing !== undefined &&
      latest?.schemaId === schemaId &&
      existing.partitionKey === partitionKey &&
      existing.compatibility === compatibility &&
      canonicalJson(existing.retention ?? null) === canonicalJson(retention ?? null) &&
      canonicalJson(existing.pipeline ?? null) === canonicalJson(pipeline ?? null)
    ) {
      return registered(existing, latest.version, schemaId, false);
    }
    const versions = existing?.versions ?? [];
    const version = latest?.schemaId === schemaId ? latest.version : (versions.at(-1)?.version ?? 0) + 1;
    const doc: EventTypeDoc = {
      tenant,
      name: type,
      stream,
      partitions,
      versions: latest?.schemaId === schemaId ? versions : [...versions, { version, schemaId, createdAt: now }],
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    if (partitionKey !== undefined) doc.partitionKey = partitionKey;
    if (pipeline !== undefined) doc.pipeline = pipeline;
    if (compatibility !== undefined) doc.compatibility = compatibility;
    if (retention !== undefined) doc.retention = retention;
    if (existing?.subject !== undefined) doc.subject = existing.subject;
    if (existing?.mode !== undefined) doc.mode = existing.mode;
    await this.#log.createStream(stream, partitions);
    await this.#catalog.put('event-type', key, doc);
    // A new retention takes effect now (on Kafka: the topic's settings); the retention worker keeps it.
    if (canonicalJson(existing?.retention ?? null) !== canonicalJson(retention ?? null)) await this.#log.applyRetention(stream, retention ?? {});
    return registered(doc, version, schemaId, true);
  }

  /** Refuses a schema that breaks the level against the type's earlier versions (409 with every reason). */
  #checkCompatibility(
    type: string,
    format: SchemaFormat,
    text: string,
    references: readonly SchemaReferenceDoc[],
    versions: readonly TypeVersionDoc[],
    level: CompatibilityLevel,
  ): void {
    const previous = versions.map((v) => this.#schemaDoc(v.schemaId));
    const result = checkCompatibility(
      format,
      level,
      this.#compiler.structure(format, text, this.dependenciesOf(references)),
      previous.map((doc) => this.structureOf(doc)),
      { previousLabels: versions.map((v) => `version ${v.version}`) },
    );
    if (result.compatible) return;
    throw new SluiceError('incompatible_schema', `the schema is not ${level} compatible with earlier versions of "${type}": ${result.messages[0]!.message}`, {
      details: result.messages.map((message) => ({ path: message.path, reason: `${message.kind}: ${message.message}` })),
    });
  }

  getPipeline(tenant: string, type: string): PipelineConfig {
    return this.#typeDoc(tenant, type).pipeline ?? {};
  }

  /**
   * Replaces a type's pipeline (an empty one removes it); checked before it is stored.
   * Answers false, and writes nothing, when the pipeline is already the one stored.
   */
  setPipeline(tenant: string, type: string, pipeline: PipelineConfig): Promise<boolean> {
    return this.#writes.run(typeKey(tenant, type), async () => {
      const doc = this.#typeDoc(tenant, type);
      const empty = Object.keys(pipeline).length === 0;
      if (canonicalJson(doc.pipeline ?? {}) === canonicalJson(pipeline)) return false;
      if (!empty) await this.#checkPipeline(tenant, type, pipeline);
      const updated: EventTypeDoc = { ...doc, updatedAt: new Date().toISOString() };
      if (empty) delete updated.pipeline;
      else updated.pipeline = pipeline;
      await this.#catalog.put('event-type', typeKey(tenant, type), updated);
      return true;
    });
  }

  /**
   * Compiles a pipeline as the type would run it (for the test route); throws
   * `invalid_pipeline` for a bad one.
   */
  async compileWith(tenant: string, type: string, pipeline: PipelineConfig): Promise<CompiledType> {
    await this.#checkPipeline(tenant, type, pipeline);
    const doc = this.#typeDoc(tenant, type);
    return this.#compile(tenant, type, { ...doc, pipeline });
  }

  async #checkPipeline(tenant: string, type: string, pipeline: PipelineConfig): Promise<void> {
    await this.#ensureSalt(tenant);
    const compiled = compilePipeline(pipeline, this.#transformDeps(tenant));
    const missing = compiled.targets.filter((target) => target !== type && this.#catalog.get('event-type', typeKey(tenant, target)) === undefined);
    if (missing.length > 0) {
      throw new SluiceError('invalid_pipeline', `the route names event types that do not exist: ${missing.join(', ')}`, {
        details: missing.map((name) => ({ path: '/route', reason: `register event type "${name}" first` })),
      });
    }
  }

  async #ensureSalt(tenant: string): Promise<void> {
    if (this.#catalog.get('tenant-secret', tenant) !== undefined) return;
    try {
      await this.#catalog.put('tenant-secret', tenant, { tenant, salt: randomBytes(32).toString('base64url') }, { ifAbsent: true });
    } catch (error) {
      if (!(error instanceof CatalogConflict)) throw error;
    }
  }

  #transformDeps(tenant: string): TransformDeps {
    const salt = this.#catalog.get('tenant-secret', tenant)?.value.salt;
    if (salt === undefined) throw new Error(`tenant ${tenant} has no salt`);
    return { now: () => new Date(), salt, compileSchema: (schema) => this.#compiler.compileJsonSchema(schema) };
  }

  listTypes(tenant: string): TypeView[] {
    const level = this.defaultCompatibility(tenant);
    return this.#catalog.list('event-type', `${tenant}/`).map((entry) => typeView(entry.value, level));
  }

  getType(tenant: string, type: string): TypeView {
    return typeView(this.#typeDoc(tenant, type), this.defaultCompatibility(tenant));
  }

  /** The level of types that set none: the tenant's registry default (Confluent's `/config`), else BACKWARD. */
  defaultCompatibility(tenant: string): CompatibilityLevel {
    return this.#catalog.get('tenant', tenant)?.value.registry?.compatibility ?? defaultCompatibilityLevel;
  }

  /**
   * Changes a type's document under the type's write lock (for the Confluent API's deletes,
   * config and mode). `change` gets the current document or `undefined`, and answers the new
   * document, `null` to delete it, or `undefined` to leave it as it is.
   */
  updateType<T>(tenant: string, type: string, change: (doc: EventTypeDoc | undefined) => { doc: EventTypeDoc | null | undefined; result: T }): Promise<T> {
    return this.#writes.run(typeKey(tenant, type), async () => {
      const key = typeKey(tenant, type);
      const { doc, result } = change(this.#catalog.get('event-type', key)?.value);
      if (doc === null) await this.#catalog.delete('event-type', key);
      else if (doc !== undefined) await this.#catalog.put('event-type', key, doc);
      return result;
    });
  }

  getVersion(tenant: string, type: string, version: number | 'latest'): VersionView {
    const doc = this.#typeDoc(tenant, type);
    const entry = version === 'latest' ? liveVersions(doc).at(-1) : doc.versions.find((v) => v.version === version);
    if (entry === undefined) throw new SluiceError('not_found', `event type "${type}" has no schema version ${version}`);
    const schema = this.#schemaDoc(entry.schemaId);
    return {
      type,
      version: entry.version,
      schemaId: entry.schemaId,
      schemaType: schema.format,
      schema: this.#compiler.present(schema.format, schema.schema),
      createdAt: entry.createdAt,
    };
  }

  /** The type ready for the pipeline, or `undefined` when the tenant has no such type. */
  compiled(tenant: string, type: string): CompiledType | undefined {
    const key = typeKey(tenant, type);
    const cached = this.#compiled.get(key);
    if (cached !== undefined) return cached;
    const doc = this.#catalog.get('event-type', key)?.value;
    if (doc === undefined || liveVersions(doc).length === 0) return undefined;
    const compiled = this.#compile(tenant, type, doc);
    this.#compiled.set(key, compiled);
    return compiled;
  }

  #compile(tenant: string, type: string, doc: EventTypeDoc): CompiledType {
    const versions = liveVersions(doc).map((v): SchemaVersion => ({ version: v.version, schemaId: v.schemaId, validate: this.#validator(v.schemaId) }));
    // Looked up on the first record routed to each target, then kept with the compiled type
    // (which a change to the target drops, see the constructor).
    const targets = new Map<string, RouteTarget | undefined>();
    return {
      tenant,
      type,
      stream: doc.stream,
      partitions: doc.partitions,
      partitionKey: doc.partitionKey === undefined ? undefined : compilePointer(doc.partitionKey),
      partitionKeyPointer: doc.partitionKey,
      latest: versions.at(-1)!,
      version: (n) => versions.find((v) => v.version === n),
      pipeline: doc.pipeline === undefined ? undefined : compilePipeline(doc.pipeline, this.#transformDeps(tenant)),
      routeTarget: (target) => {
        if (!targets.has(target)) targets.set(target, this.#routeTarget(tenant, target));
        return targets.get(target);
      },
    };
  }

  /** The stream, partitions and latest schema a routed record must match; not the target's own pipeline. */
  #routeTarget(tenant: string, type: string): RouteTarget | undefined {
    const doc = this.#catalog.get('event-type', typeKey(tenant, type))?.value;
    const latest = liveVersions(doc).at(-1);
    if (doc === undefined || latest === undefined) return undefined;
    return {
      stream: doc.stream,
      partitions: doc.partitions,
      latest: { version: latest.version, schemaId: latest.schemaId, validate: this.#validator(latest.schemaId) },
    };
  }

  #validator(schemaId: number): Validator {
    let validate = this.#validators.get(schemaId);
    if (validate === undefined) {
      const doc = this.#schemaDoc(schemaId);
      validate = this.#compiler.compile(doc.format, doc.schema, this.dependenciesOf(doc.references));
      this.#validators.set(schemaId, validate);
    }
    return validate;
  }

  #typeDoc(tenant: string, type: string): EventTypeDoc {
    const doc = this.#catalog.get('event-type', typeKey(tenant, type))?.value;
    if (doc === undefined) throw new SluiceError('not_found', `tenant "${tenant}" has no event type "${type}"`);
    return doc;
  }

  #schemaDoc(id: number): SchemaDoc {
    const doc = this.#catalog.get('schema', String(id))?.value;
    if (doc === undefined) throw new Error(`schema ${id} is missing from the catalog`);
    return doc;
  }

  /**
   * Resolves a request's references to stored versions of the tenant's subjects.
   *
   * @throws SluiceError `invalid_schema` naming the reference that does not resolve
   */
  resolveReferences(tenant: string, format: SchemaFormat, raw: unknown): SchemaReferenceDoc[] {
    return parseReferences(raw).map((ref) => {
      const doc = bindSubject(tenant, ref.subject, catalogSubjectScope(this.#catalog, tenant))?.doc;
      if (doc === undefined) {
        throw new SluiceError('invalid_schema', `reference "${ref.name}": subject '${ref.subject}' not found`, {
          details: [{ path: '/references', reason: `register ${ref.subject} first` }],
        });
      }
      const live = liveVersions(doc);
      const entry = ref.version === 'latest' ? live.at(-1) : live.find((v) => v.version === ref.version);
      if (entry === undefined)
        throw new SluiceError('invalid_schema', `reference "${ref.name}": subject '${ref.subject}' has no version ${ref.version}`, {
          details: [{ path: '/references', reason: 'name a registered, not deleted version' }],
        });
      const schema = this.#schemaDoc(entry.schemaId);
      if (schema.format !== format)
        throw new SluiceError(
          'invalid_schema',
          `reference "${ref.name}": ${ref.subject} version ${entry.version} is ${schema.format}; a ${format} schema can reference only ${format} schemas`,
        );
      return { name: ref.name, subject: ref.subject, version: entry.version, schemaId: entry.schemaId };
    });
  }

  /** The schemas references pull in, dependencies first; `invalid_schema` on a cycle or past the bounds. */
  dependenciesOf(references: readonly SchemaReferenceDoc[] | undefined): Dependency[] {
    if (references === undefined || references.length === 0) return [];
    return collectDependencies(references, (id) => this.#schemaDoc(id));
  }

  /** The schemas a stored schema's references pull in (for serializers), dependencies first. */
  schemaDependencies(schemaId: number): Dependency[] {
    return this.dependenciesOf(this.#schemaDoc(schemaId).references);
  }

  /** The form compatibility rules read, with the schema's references resolved. */
  structureOf(doc: SchemaDoc): unknown {
    return this.#compiler.structure(doc.format, doc.schema, this.dependenciesOf(doc.references));
  }

  /** The same schema text (and references) within a tenant always gets the same id. */
  async #schemaId(
    tenant: string,
    format: SchemaFormat,
    text: string,
    references: readonly SchemaReferenceDoc[] = [],
    extras: SchemaExtras = {},
  ): Promise<number> {
    // JSON Schema fingerprints predate the other formats and stay as they were; so do those without references, metadata or rules.
    const hash = format === 'JSON' ? createHash('sha256') : createHash('sha256').update(format).update('\u0000');
    if (references.length > 0)
      hash
        .update('references\u0000')
        .update(canonicalJson(publicReferences(references)))
        .update('\u0000');
    if (extras.metadata !== undefined) hash.update('metadata\u0000').update(canonicalJson(extras.metadata)).update('\u0000');
    if (extras.ruleSet !== undefined) hash.update('ruleSet\u0000').update(canonicalJson(extras.ruleSet)).update('\u0000');
    const fingerprint = hash.update(text).digest('hex');
    const fingerprintKey = `${tenant}/${fingerprint}`;
    const known = this.#catalog.get('schema-fingerprint', fingerprintKey);
    if (known !== undefined) return known.value.id;
    const id = await this.#catalog.nextSequence('schema-id');
    const doc: SchemaDoc = { id, tenant, format, schema: text, fingerprint };
    if (references.length > 0) doc.references = [...references];
    if (extras.metadata !== undefined) doc.metadata = extras.metadata;
    if (extras.ruleSet !== undefined) doc.ruleSet = extras.ruleSet;
    await this.#catalog.put('schema', String(id), doc);
    try {
      await this.#catalog.put('schema-fingerprint', fingerprintKey, { id }, { ifAbsent: true });
      return id;
    } catch (error) {
      if (!(error instanceof CatalogConflict)) throw error;
      return this.#catalog.get('schema-fingerprint', fingerprintKey)!.value.id;
    }
  }
}

/**
 * True when `doc` is the schema `text` with `references` (and Confluent's metadata and rules);
 * `former` is the text an earlier release stored for it (SchemaCompiler.formerText).
 */
export function sameSchema(doc: SchemaDoc, text: string, references: readonly SchemaReferenceDoc[], former?: string, extras: SchemaExtras = {}): boolean {
  return (
    (doc.schema === text || (former !== undefined && doc.schema === former)) &&
    canonicalJson(publicReferences(doc.references)) === canonicalJson(publicReferences(references)) &&
    canonicalJson(doc.metadata ?? null) === canonicalJson(extras.metadata ?? null) &&
    canonicalJson(doc.ruleSet ?? null) === canonicalJson(extras.ruleSet ?? null)
  );
}

function typeKey(tenant: string, type: string): string {
  return `${tenant}/${type}`;
}

function splitTypeKey(key: string): [tenant: string, type: string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

function checkPartitions(requested: number | undefined, existing: EventTypeDoc | undefined): number {
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1 || requested > maxPartitions)) {
    throw new SluiceError('invalid_request', `partitions must be an integer from 1 to ${maxPartitions}`, {
      details: [{ path: '/partitions', reason: `got ${requested}` }],
    });
  }
  if (existing === undefined) return requested ?? defaultPartitions;
  if (requested !== undefined && requested !== existing.partitions) {
    throw new SluiceError('partitions_immutable', `stream ${existing.stream} has ${existing.partitions} partitions; it cannot change to ${requested}`);
  }
  return existing.partitions;
}

/** A retention as stored: whole positive numbers, at least a second and a kibibyte; null or {} keeps everything. */
function checkRetention(retention: { ms?: number; bytes?: number } | null): { ms?: number; bytes?: number } | undefined {
  if (retention === null) return undefined;
  const checked: { ms?: number; bytes?: number } = {};
  const problems: { path: string; reason: string }[] = [];
  if (retention.ms !== undefined) {
    if (Number.isSafeInteger(retention.ms) && retention.ms >= 1000) checked.ms = retention.ms;
    else problems.push({ path: '/retention/ms', reason: 'milliseconds to keep records, at least 1000' });
  }
  if (retention.bytes !== undefined) {
    if (Number.isSafeInteger(retention.bytes) && retention.bytes >= 1024) checked.bytes = retention.bytes;
    else problems.push({ path: '/retention/bytes', reason: 'bytes to keep per partition, at least 1024' });
  }
  if (problems.length > 0) throw new SluiceError('invalid_request', 'the retention is not valid', { details: problems });
  return checked.ms === undefined && checked.bytes === undefined ? undefined : checked;
}

function registered(doc: EventTypeDoc, version: number, schemaId: number, changed: boolean): RegisteredType {
  const result: RegisteredType = { type: doc.name, version, schemaId, stream: doc.stream, partitions: doc.partitions, changed };
  if (doc.partitionKey !== undefined) result.partitionKey = doc.partitionKey;
  return result;
}

/** The versions new events and new schemas are checked against: all but the soft-deleted ones. */
export function liveVersions(doc: EventTypeDoc | undefined): TypeVersionDoc[] {
  return doc?.versions.filter((v) => v.deleted !== true) ?? [];
}

function typeView(doc: EventTypeDoc, defaultLevel: CompatibilityLevel): TypeView {
  const view: TypeView = {
    type: doc.name,
    stream: doc.stream,
    partitions: doc.partitions,
    compatibility: doc.compatibility ?? defaultLevel,
    latestVersion: doc.versions.at(-1)?.version ?? 0,
    versions: doc.versions,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
  if (doc.partitionKey !== undefined) view.partitionKey = doc.partitionKey;
  if (doc.pipeline !== undefined) view.pipeline = doc.pipeline;
  if (doc.retention !== undefined) view.retention = doc.retention;
  return view;
}
