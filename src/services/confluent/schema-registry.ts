import {
  registryModes,
  type EventTypeDoc,
  type RegistryMode,
  type SchemaDoc,
  type SchemaFormat,
  type SchemaReferenceDoc,
  type TypeVersionDoc,
} from '../../domain/catalog-docs.ts';
import { checkCompatibility, isCompatibilityLevel, type CompatibilityLevel } from '../../domain/compatibility/index.ts';
import { streamName } from '../../domain/names.ts';
import type { Catalog } from '../../ports/catalog.ts';
import type { EventLog } from '../../ports/event-log.ts';
import { KeyedMutex } from '../keyed-mutex.ts';
import { liveVersions, sameSchema, type SchemaExtras, type TypeRegistry } from '../registry.ts';
import { publicReferences, type SchemaReference } from '../schemas/references.ts';
import { SchemaCompiler, schemaFormats } from '../schemas/schema-compiler.ts';
import { ConfluentError, invalidSchema, invalidVersion, schemaNotFound, subjectNotFound, versionNotFound } from './errors.ts';
import { bindSubject, catalogSubjectScope, defaultSubject, subjectOfType, type SubjectBinding } from './subjects.ts';

/** Types created through the Confluent API get this many partitions (Kafka's common default for a new topic here). */
export const confluentPartitions = 4;

/** A registration or lookup body as Confluent clients send it. */
export interface SchemaRequest {
  schema?: unknown;
  schemaType?: unknown;
  references?: unknown;
  metadata?: unknown;
  ruleSet?: unknown;
  id?: unknown;
  version?: unknown;
}

export interface SubjectVersionBody {
  subject: string;
  version: number;
  id: number;
  schemaType?: SchemaFormat;
  schema: string;
  references?: SchemaReference[];
  metadata?: Record<string, unknown>;
  ruleSet?: Record<string, unknown>;
}

/** Confluent's answer to a schema by id: the schema without subject, version or id. */
export type SchemaByIdBody = Omit<SubjectVersionBody, 'subject' | 'version' | 'id'>;

interface Candidate {
  format: SchemaFormat;
  text: string;
  references: SchemaReferenceDoc[];
  /** The text an earlier release stored for it (SchemaCompiler.formerText). */
  former?: string;
  extras: SchemaExtras;
}

type Target = SubjectBinding;

/**
 * Confluent Schema Registry's use cases over the one type registry: a subject is an event
 * type's schema (see `subjects.ts` for the naming), subjects and schema ids are the
 * caller's tenant's only. Errors are `ConfluentError`s with Confluent's codes.
 */
export class ConfluentRegistry {
  readonly #catalog: Catalog;
  readonly #log: EventLog;
  readonly #registry: TypeRegistry;
  readonly #compiler = new SchemaCompiler();
  readonly #tenantWrites = new KeyedMutex();
  /**
   * Answers by schema id, made once per stored schema. A schema id's document is never
   * rewritten (the same text gets the same id), and a document the catalog replaced or
   * dropped is a different object or none, so an answer is never served for a document
   * that is no longer there.
   */
  readonly #answersById = new WeakMap<SchemaDoc, Readonly<SchemaByIdBody>>();

  constructor(catalog: Catalog, log: EventLog, registry: TypeRegistry) {
    this.#catalog = catalog;
    this.#log = log;
    this.#registry = registry;
  }

  // --- subjects and versions ---

  /** `deleted`: soft-deleted subjects too; `deletedOnly`: only those. */
  listSubjects(tenant: string, options: { deleted?: boolean; deletedOnly?: boolean; prefix?: string } = {}): string[] {
    return this.#catalog
      .list('event-type', `${tenant}/`)
      .map((entry) => entry.value)
      .filter((doc) => {
        const live = liveVersions(doc).length > 0;
        if (options.deletedOnly === true) return !live && doc.versions.length > 0;
        return options.deleted === true ? doc.versions.length > 0 : live;
      })
      .map((doc) => subjectOfType(doc))
      .filter((subject) => options.prefix === undefined || subject.startsWith(options.prefix))
      .sort();
  }

  /** `deleted`: soft-deleted versions too; `deletedOnly`: only those. */
  listVersions(tenant: string, subject: string, deleted = false, deletedOnly = false): number[] {
    const versions = this.#versionsOf(this.#existing(tenant, subject, deleted || deletedOnly), deleted || deletedOnly);
    return (deletedOnly ? versions.filter((v) => v.deleted === true) : versions).map((v) => v.version);
  }

  getVersion(tenant: string, subject: string, rawVersion: string, deleted = false): SubjectVersionBody {
    const version = parseVersion(rawVersion);
    const doc = this.#existing(tenant, subject, deleted);
    return this.#versionBody(subject, this.#findVersion(doc, subject, version, deleted));
  }

  /** Confluent's `POST /subjects/{s}/versions`: the id of the schema, registering it as a new version when needed. */
  async register(tenant: string, subject: string, body: unknown): Promise<{ id: number }> {
    const request = asRequest(body);
    if (request.id !== undefined && request.id !== null)
      throw invalidSchema('registering a schema with an explicit id is not supported (IMPORT of ids is not implemented)');
    if (request.version !== undefined && request.version !== null) throw invalidSchema('registering a schema with an explicit version is not supported');
    const target = this.#writable(tenant, subject);
    const candidate = this.#candidate(tenant, request);
    const known = liveVersions(target.doc).findLast((v) => this.#matches(v, candidate));
    if (known !== undefined) return { id: known.schemaId };
    const definition: Parameters<TypeRegistry['putType']>[2] = { schema: this.#schemaValue(candidate), schemaType: candidate.format, extras: candidate.extras };
    if (candidate.references.length > 0) definition.references = publicReferences(candidate.references);
    if (target.doc === undefined) definition.partitions = (await this.#log.describeStream(streamName(tenant, target.type)))?.partitions ?? confluentPartitions;
    const registered = await this.#registry.putType(tenant, target.type, definition);
    if (target.alias !== true && subject !== defaultSubject(tenant, target.type)) {
      await this.#registry.updateType(tenant, target.type, (doc) => ({
        doc: doc === undefined || doc.subject === subject ? undefined : { ...doc, subject },
        result: undefined,
      }));
    }
    return { id: registered.schemaId };
  }

  /** Confluent's `POST /subjects/{s}`: is this schema one of the subject's versions? */
  lookup(tenant: string, subject: string, body: unknown, deleted = false): SubjectVersionBody {
    const doc = this.#existing(tenant, subject, deleted);
    const candidate = this.#candidate(tenant, asRequest(body));
    const match = this.#versionsOf(doc, deleted).findLast((v) => this.#matches(v, candidate));
    if (match === undefined) throw schemaNotFound('Schema not found');
    return this.#versionBody(subject, match);
  }

  /** Soft delete (all versions stay, marked deleted) or, after one, permanent delete. Answers the versions deleted. */
  deleteSubject(tenant: string, subject: string, permanent: boolean): Promise<number[]> {
    const target = this.#writable(tenant, subject);
    return this.#registry.updateType(tenant, target.type, (doc) => {
      if (doc === undefined || subjectOfType(doc) !== subject || doc.versions.length === 0) throw subjectNotFound(subject);
      const live = liveVersions(doc);
      if (permanent) {
        if (live.length > 0) throw new ConfluentError(404, 40405, `Subject '${subject}' was not deleted first before being permanently deleted`);
        for (const v of doc.versions) this.#refuseReferenced(tenant, subject, v.version, true);
        return { doc: null, result: doc.versions.map((v) => v.version) };
      }
      if (live.length === 0) throw new ConfluentError(404, 40404, `Subject '${subject}' was soft deleted. Set permanent=true to delete permanently`);
      for (const v of live) this.#refuseReferenced(tenant, subject, v.version, false);
      const versions = doc.versions.map((v): TypeVersionDoc => (v.deleted === true ? v : { ...v, deleted: true }));
      return { doc: { ...doc, versions, updatedAt: new Date().toISOString() }, result: live.map((v) => v.version) };
    });
  }

  deleteVersion(tenant: string, subject: string, rawVersion: string, permanent: boolean): Promise<number> {
    const version = parseVersion(rawVersion);
    const target = this.#writable(tenant, subject);
    return this.#registry.updateType(tenant, target.type, (doc) => {
      if (doc === undefined || subjectOfType(doc) !== subject || doc.versions.length === 0) throw subjectNotFound(subject);
      // A number may name a soft-deleted version (to report 40406 or delete it for good); a soft `latest` is the latest live one.
      const entry = this.#findVersion(doc, subject, version, permanent || version !== 'latest');
      const now = new Date().toISOString();
      if (permanent) {
        if (entry.deleted !== true)
          throw new ConfluentError(404, 40407, `Subject '${subject}' Version ${entry.version} was not deleted first before being permanently deleted`);
        this.#refuseReferenced(tenant, subject, entry.version, true);
        const versions = doc.versions.filter((v) => v.version !== entry.version);
        return { doc: versions.length === 0 ? null : { ...doc, versions, updatedAt: now }, result: entry.version };
      }
      if (entry.deleted === true)
        throw new ConfluentError(404, 40406, `Subject '${subject}' Version ${entry.version} was soft deleted. Set permanent=true to delete permanently`);
      this.#refuseReferenced(tenant, subject, entry.version, false);
      const versions = doc.versions.map((v): TypeVersionDoc => (v.version === entry.version ? { ...v, deleted: true } : v));
      return { doc: { ...doc, versions, updatedAt: now }, result: entry.version };
    });
  }

  /** The ids of the schemas, registered as live versions of the tenant's subjects, whose references name this version. */
  referencedBy(tenant: string, subject: string, rawVersion: string): number[] {
    const version = parseVersion(rawVersion);
    const entry = this.#findVersion(this.#existing(tenant, subject, false), subject, version, false);
    return this.#referrers(tenant, subject, entry.version, false);
  }

  /** Schema ids whose references name `subject` `version`: of live versions, or of any version kept (`deleted`). */
  #referrers(tenant: string, subject: string, version: number, deleted: boolean): number[] {
    const ids = new Set<number>();
    for (const { value: doc } of this.#catalog.list('event-type', `${tenant}/`)) {
      for (const v of this.#versionsOf(doc, deleted)) {
        if (ids.has(v.schemaId)) continue;
        const references = this.#schemaDoc(v.schemaId).references ?? [];
        if (references.some((ref) => ref.subject === subject && ref.version === version)) ids.add(v.schemaId);
      }
    }
    return [...ids].sort((a, b) => a - b);
  }

  /**
   * 42206 when schemas still reference the version: a soft delete is refused while a live
   * version references it, a permanent one while any stored version does (so every kept
   * schema id can still be resolved and decoded).
   */
  #refuseReferenced(tenant: string, subject: string, version: number, permanent: boolean): void {
    const ids = this.#referrers(tenant, subject, version, permanent);
    if (ids.length === 0) return;
    throw new ConfluentError(
      422,
      42206,
      `One or more references exist to the schema {subject=${subject}, version=${version}}: schema ids ${ids.join(', ')}; delete the referencing versions first`,
    );
  }

  // --- schemas by id ---

  /**
   * A schema of the tenant by its id. The answer is the same frozen object for as long as the
   * stored schema is, so that callers may keep what they derive from it (its JSON bytes).
   */
  schemaById(tenant: string, rawId: string): Readonly<SchemaByIdBody> {
    const schema = this.#schemaOfTenant(tenant, rawId);
    let answer = this.#answersById.get(schema);
    if (answer === undefined) {
      answer = Object.freeze(schemaByIdBody(schema));
      this.#answersById.set(schema, answer);
    }
    return answer;
  }

  /**
   * Confluent's `GET /schemas`: every version of the tenant's subjects (only the latest of each
   * with `latestOnly`), by subject and version, a page from `offset` of at most `limit` (-1: all).
   */
  listSchemas(tenant: string, options: { prefix?: string; deleted?: boolean; latestOnly?: boolean; offset?: number; limit?: number }): SubjectVersionBody[] {
    const all: SubjectVersionBody[] = [];
    for (const { value: doc } of this.#catalog.list('event-type', `${tenant}/`)) {
      const subject = subjectOfType(doc);
      if (options.prefix !== undefined && !subject.startsWith(options.prefix)) continue;
      const versions = this.#versionsOf(doc, options.deleted === true);
      for (const entry of options.latestOnly === true ? versions.slice(-1) : versions) all.push(this.#versionBody(subject, entry));
    }
    all.sort((a, b) => (a.subject === b.subject ? a.version - b.version : a.subject < b.subject ? -1 : 1));
    const offset = options.offset ?? 0;
    const limit = options.limit === undefined || options.limit < 0 ? all.length : options.limit;
    return all.slice(offset, offset + limit);
  }

  subjectVersionsOfSchema(tenant: string, rawId: string, deleted = false): { subject: string; version: number }[] {
    const schema = this.#schemaOfTenant(tenant, rawId);
    const found: { subject: string; version: number }[] = [];
    for (const { value: doc } of this.#catalog.list('event-type', `${tenant}/`)) {
      for (const v of this.#versionsOf(doc, deleted)) if (v.schemaId === schema.id) found.push({ subject: subjectOfType(doc), version: v.version });
    }
    return found.sort((a, b) => (a.subject === b.subject ? a.version - b.version : a.subject < b.subject ? -1 : 1));
  }

  // --- compatibility ---

  testCompatibility(tenant: string, subject: string, rawVersion: string, body: unknown, verbose: boolean): { is_compatible: boolean; messages?: string[] } {
    const version = parseVersion(rawVersion);
    const candidate = this.#candidate(tenant, asRequest(body));
    // Before the first registration anything is compatible: CI and build plugins ask then.
    const target = this.#target(tenant, subject);
    if (version === 'latest' && target !== undefined && liveVersions(target.doc).length === 0)
      return verbose ? { is_compatible: true, messages: [] } : { is_compatible: true };
    const doc = this.#existing(tenant, subject, false);
    const previous = version === 'latest' ? liveVersions(doc) : [this.#findVersion(doc, subject, version, false)];
    const level = doc.compatibility ?? this.#registry.defaultCompatibility(tenant);
    const schemas = previous.map((v) => this.#schemaDoc(v.schemaId));
    const otherFormat = schemas.find((s) => s.format !== candidate.format);
    let messages: string[];
    if (otherFormat !== undefined) {
      messages = [`Incompatible schema type: the subject has ${otherFormat.format} schemas, the candidate is ${candidate.format}`];
    } else {
      const result = checkCompatibility(
        candidate.format,
        level,
        this.#compiler.structure(candidate.format, candidate.text, this.#registry.dependenciesOf(candidate.references)),
        schemas.map((s) => this.#registry.structureOf(s)),
        { previousLabels: previous.map((v) => `version ${v.version}`) },
      );
      messages = result.messages.map((m) => `${m.kind} at ${m.path}: ${m.message}`);
    }
    const answer: { is_compatible: boolean; messages?: string[] } = { is_compatible: messages.length === 0 };
    if (verbose) answer.messages = messages;
    return answer;
  }

  // --- config ---

  globalConfig(tenant: string): { compatibilityLevel: CompatibilityLevel } {
    return { compatibilityLevel: this.#registry.defaultCompatibility(tenant) };
  }

  async setGlobalConfig(tenant: string, body: unknown): Promise<{ compatibility: CompatibilityLevel }> {
    const level = parseLevel(body);
    await this.#updateTenantSettings(tenant, (settings) => ({ ...settings, compatibility: level }));
    return { compatibility: level };
  }

  async deleteGlobalConfig(tenant: string): Promise<{ compatibilityLevel: CompatibilityLevel }> {
    const previous = this.#registry.defaultCompatibility(tenant);
    await this.#updateTenantSettings(tenant, ({ compatibility: _dropped, ...rest }) => rest);
    return { compatibilityLevel: previous };
  }

  subjectConfig(tenant: string, subject: string, defaultToGlobal: boolean): { compatibilityLevel: CompatibilityLevel } {
    const target = this.#target(tenant, subject);
    const level = target?.doc?.compatibility;
    if (level !== undefined) return { compatibilityLevel: level };
    if (target === undefined) throw subjectNotFound(subject);
    if (defaultToGlobal) return this.globalConfig(tenant);
    throw new ConfluentError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`);
  }

  async setSubjectConfig(tenant: string, subject: string, body: unknown): Promise<{ compatibility: CompatibilityLevel }> {
    const level = parseLevel(body);
    await this.#updateSubjectSettings(tenant, subject, (doc) => ({ ...doc, compatibility: level }));
    return { compatibility: level };
  }

  async deleteSubjectConfig(tenant: string, subject: string): Promise<{ compatibilityLevel: CompatibilityLevel }> {
    const target = this.#target(tenant, subject);
    if (target?.doc === undefined) throw subjectNotFound(subject);
    const previous = target.doc.compatibility ?? this.#registry.defaultCompatibility(tenant);
    await this.#updateSubjectSettings(tenant, subject, ({ compatibility: _dropped, ...rest }) => rest);
    return { compatibilityLevel: previous };
  }

  // --- mode ---

  globalMode(tenant: string): { mode: RegistryMode } {
    return { mode: this.#catalog.get('tenant', tenant)?.value.registry?.mode ?? 'READWRITE' };
  }

  async setGlobalMode(tenant: string, body: unknown): Promise<{ mode: RegistryMode }> {
    const mode = parseMode(body);
    await this.#updateTenantSettings(tenant, (settings) => ({ ...settings, mode }));
    return { mode };
  }

  subjectMode(tenant: string, subject: string, defaultToGlobal: boolean): { mode: RegistryMode } {
    const target = this.#target(tenant, subject);
    const mode = target?.doc?.mode;
    if (mode !== undefined) return { mode };
    if (target === undefined) throw subjectNotFound(subject);
    if (defaultToGlobal) return this.globalMode(tenant);
    throw new ConfluentError(404, 40409, `Subject '${subject}' does not have subject-level mode configured`);
  }

  async setSubjectMode(tenant: string, subject: string, body: unknown): Promise<{ mode: RegistryMode }> {
    const mode = parseMode(body);
    await this.#updateSubjectSettings(tenant, subject, (doc) => ({ ...doc, mode }));
    return { mode };
  }

  async deleteSubjectMode(tenant: string, subject: string): Promise<{ mode: RegistryMode }> {
    const target = this.#target(tenant, subject);
    if (target?.doc === undefined) throw subjectNotFound(subject);
    const previous = target.doc.mode ?? this.globalMode(tenant).mode;
    await this.#updateSubjectSettings(tenant, subject, ({ mode: _dropped, ...rest }) => rest);
    return { mode: previous };
  }

  // --- helpers ---

  /** The subject's type and document (bindSubject); `undefined` for a name Confluent would not accept. */
  #target(tenant: string, subject: string): Target | undefined {
    return bindSubject(tenant, subject, catalogSubjectScope(this.#catalog, tenant));
  }

  /** The subject's document when it has versions (live ones unless `deleted`); 40401 otherwise. */
  #existing(tenant: string, subject: string, deleted: boolean): EventTypeDoc {
    const doc = this.#target(tenant, subject)?.doc;
    if (doc === undefined || this.#versionsOf(doc, deleted).length === 0) throw subjectNotFound(subject);
    return doc;
  }

  /** A target schema writes may change: the tenant's, a valid type name, and not read-only. */
  #writable(tenant: string, subject: string): Target {
    const target = this.#target(tenant, subject);
    if (target === undefined) throw invalidSchema(`subject '${subject}' is not a valid subject name: 1 to 255 characters, no control characters`);
    const mode = target.doc?.mode ?? this.globalMode(tenant).mode;
    if (mode === 'READONLY') throw new ConfluentError(422, 42205, `Subject '${subject}' is in read-only mode`);
    return target;
  }

  #versionsOf(doc: EventTypeDoc, deleted: boolean): TypeVersionDoc[] {
    return deleted ? doc.versions : liveVersions(doc);
  }

  #findVersion(doc: EventTypeDoc, subject: string, version: number | 'latest', deleted: boolean): TypeVersionDoc {
    const versions = this.#versionsOf(doc, deleted);
    const entry = version === 'latest' ? versions.at(-1) : versions.find((v) => v.version === version);
    if (entry === undefined) throw versionNotFound(subject, version);
    return entry;
  }

  #versionBody(subject: string, entry: TypeVersionDoc): SubjectVersionBody {
    const schema = this.#schemaDoc(entry.schemaId);
    const body: SubjectVersionBody =
      schema.format === 'AVRO'
        ? { subject, version: entry.version, id: entry.schemaId, schema: schema.schema }
        : { subject, version: entry.version, id: entry.schemaId, schemaType: schema.format, schema: schema.schema };
    if (schema.references !== undefined && schema.references.length > 0) body.references = publicReferences(schema.references);
    if (schema.metadata !== undefined) body.metadata = schema.metadata;
    if (schema.ruleSet !== undefined) body.ruleSet = schema.ruleSet;
    return body;
  }

  /** Reads and normalises the schema of a request; 42201 when it is not valid. */
  #candidate(tenant: string, request: SchemaRequest): Candidate {
    const format = request.schemaType ?? 'AVRO';
    if (typeof format !== 'string' || !(schemaFormats as readonly string[]).includes(format)) {
      throw invalidSchema(`Invalid schema type ${JSON.stringify(format)}; use AVRO, JSON or PROTOBUF`);
    }
    if (typeof request.schema !== 'string' || request.schema.trim() === '') throw invalidSchema('Empty schema: send the schema as a string in "schema"');
    let value: unknown = request.schema;
    if (format === 'JSON') {
      try {
        value = JSON.parse(request.schema) as unknown;
      } catch (error) {
        throw invalidSchema(`Invalid schema: the JSON Schema is not valid JSON: ${(error as Error).message}`);
      }
    }
    const schemaFormat = format as SchemaFormat;
    const references = this.#registry.resolveReferences(tenant, schemaFormat, request.references);
    const dependencies = this.#registry.dependenciesOf(references);
    const { text, former } = this.#compiler.stored(schemaFormat, value, dependencies);
    const candidate: Candidate = { format: schemaFormat, text, references, extras: schemaExtras(request) };
    if (former !== undefined) candidate.former = former;
    return candidate;
  }

  #schemaValue(candidate: Candidate): unknown {
    return candidate.format === 'PROTOBUF' ? candidate.text : (JSON.parse(candidate.text) as unknown);
  }

  #matches(version: TypeVersionDoc, candidate: Candidate): boolean {
    const schema = this.#schemaDoc(version.schemaId);
    return schema.format === candidate.format && sameSchema(schema, candidate.text, candidate.references, candidate.former, candidate.extras);
  }

  #schemaDoc(id: number): SchemaDoc {
    const doc = this.#catalog.get('schema', String(id))?.value;
    if (doc === undefined) throw new Error(`schema ${id} is missing from the catalog`);
    return doc;
  }

  /** A schema id answers only to its own tenant; any other caller learns nothing (40403). */
  #schemaOfTenant(tenant: string, rawId: string): SchemaDoc {
    const id = /^\d{1,10}$/.test(rawId) ? Number(rawId) : Number.NaN;
    const doc = Number.isSafeInteger(id) ? this.#catalog.get('schema', String(id))?.value : undefined;
    if (doc?.tenant !== tenant) throw schemaNotFound(`Schema ${rawId} not found`);
    return doc;
  }

  async #updateTenantSettings(tenant: string, change: (settings: NonNullable<TenantDocSettings>) => NonNullable<TenantDocSettings>): Promise<void> {
    await this.#tenantWrites.run(tenant, async () => {
      const doc = this.#catalog.get('tenant', tenant)?.value;
      if (doc === undefined) throw new ConfluentError(404, 40401, `Tenant '${tenant}' not found`);
      await this.#catalog.put('tenant', tenant, { ...doc, registry: change(doc.registry ?? {}) });
    });
  }

  /** Changes a subject's config or mode, creating an event type without versions when the subject is new (as Confluent allows). */
  async #updateSubjectSettings(tenant: string, subject: string, change: (doc: EventTypeDoc) => EventTypeDoc): Promise<void> {
    const target = this.#target(tenant, subject);
    if (target === undefined) throw invalidSchema(`subject '${subject}' is not a valid subject name: 1 to 255 characters, no control characters`);
    await this.#registry.updateType(tenant, target.type, (current) => {
      if (current !== undefined && subjectOfType(current) !== subject) throw subjectNotFound(subject);
      const now = new Date().toISOString();
      const base: EventTypeDoc = current ?? {
        tenant,
        name: target.type,
        stream: streamName(tenant, target.type),
        partitions: confluentPartitions,
        versions: [],
        createdAt: now,
        updatedAt: now,
      };
      if (current === undefined && subject !== defaultSubject(tenant, target.type)) base.subject = subject;
      return { doc: { ...change(base), updatedAt: now }, result: undefined };
    });
  }
}

type TenantDocSettings = { compatibility?: CompatibilityLevel; mode?: RegistryMode };

/** Largest `metadata` or `ruleSet`, as JSON text. */
const maxExtrasBytes = 64 * 1024;

/** Confluent's `metadata` and `ruleSet` of a request: objects (or null for none), kept as sent. */
function schemaExtras(request: SchemaRequest): SchemaExtras {
  const extras: SchemaExtras = {};
  for (const field of ['metadata', 'ruleSet'] as const) {
    const value = request[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw invalidSchema(`"${field}" must be an object, as Confluent defines it`);
    if (Buffer.byteLength(JSON.stringify(value)) > maxExtrasBytes) throw invalidSchema(`"${field}" is larger than ${maxExtrasBytes / 1024} KiB`);
    // Confluent answers an empty metadata or rule set as none.
    if (Object.keys(value).length > 0) extras[field] = value as Record<string, unknown>;
  }
  return extras;
}

function schemaByIdBody(schema: SchemaDoc): SchemaByIdBody {
  const answer: SchemaByIdBody = schema.format === 'AVRO' ? { schema: schema.schema } : { schemaType: schema.format, schema: schema.schema };
  if (schema.references !== undefined && schema.references.length > 0) answer.references = publicReferences(schema.references);
  if (schema.metadata !== undefined) answer.metadata = schema.metadata;
  if (schema.ruleSet !== undefined) answer.ruleSet = schema.ruleSet;
  return answer;
}

function asRequest(body: unknown): SchemaRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidSchema('the body must be a JSON object such as {"schema": "..."}');
  return body;
}

/** `latest`, `-1` (Confluent's alias of latest) or 1 to 2^31-1; 42202 otherwise. */
export function parseVersion(raw: string): number | 'latest' {
  if (raw === 'latest' || raw === '-1') return 'latest';
  if (/^\d{1,10}$/.test(raw)) {
    const version = Number(raw);
    if (version >= 1 && version <= 2 ** 31 - 1) return version;
  }
  throw invalidVersion(raw);
}

function parseLevel(body: unknown): CompatibilityLevel {
  const level = typeof body === 'object' && body !== null ? (body as { compatibility?: unknown }).compatibility : undefined;
  const upper = typeof level === 'string' ? level.toUpperCase() : level;
  if (!isCompatibilityLevel(upper))
    throw new ConfluentError(
      422,
      42203,
      `Invalid compatibility level ${JSON.stringify(level)}; use BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE or NONE`,
    );
  return upper;
}

function parseMode(body: unknown): RegistryMode {
  const mode = typeof body === 'object' && body !== null ? (body as { mode?: unknown }).mode : undefined;
  if (typeof mode !== 'string' || !(registryModes as readonly string[]).includes(mode))
    throw new ConfluentError(422, 42204, `Invalid mode ${JSON.stringify(mode)}; use READWRITE, READONLY or IMPORT`);
  return mode as RegistryMode;
}
