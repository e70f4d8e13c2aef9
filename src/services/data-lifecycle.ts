import { SluiceError } from '../domain/errors.ts';
import { streamName } from '../domain/names.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { CorrelationService } from './correlations/service.ts';
import type { TypeRegistry } from './registry.ts';
import type { SessionService } from './sessions.ts';
import type { SourceService } from './sources.ts';
import type { SubscriptionService } from './subscriptions/service.ts';

/**
 * Taking data away: an event type with its stream, a key's events, a whole tenant. Each
 * refuses, naming what is in the way, rather than leave a subscription, a correlation or a
 * source pointing at nothing.
 */
export class DataLifecycle {
  readonly #catalog: Catalog;
  readonly #log: EventLog;
  readonly #registry: TypeRegistry;
  readonly #subscriptions: SubscriptionService;
  readonly #correlations: CorrelationService;
  readonly #sources: SourceService;
  readonly #sessions: SessionService;

  constructor(
    catalog: Catalog,
    log: EventLog,
    registry: TypeRegistry,
    subscriptions: SubscriptionService,
    correlations: CorrelationService,
    sources: SourceService,
    sessions: SessionService,
  ) {
    this.#catalog = catalog;
    this.#log = log;
    this.#registry = registry;
    this.#subscriptions = subscriptions;
    this.#correlations = correlations;
    this.#sources = sources;
    this.#sessions = sessions;
  }

  /** Deletes an event type: its schema versions (its registry subject) and its stream with every record. */
  async deleteType(tenant: string, type: string): Promise<{ type: string; stream: string }> {
    const users = this.#usersOf(tenant, type);
    if (users.length > 0) {
      throw new SluiceError('type_in_use', `event type "${type}" is used by ${users.join(', ')}`, {
        details: users.map((user) => ({ path: user, reason: `delete or change it first` })),
      });
    }
    const stream = await this.#registry.updateType(tenant, type, (doc) => {
      if (doc === undefined) throw new SluiceError('not_found', `tenant "${tenant}" has no event type "${type}"`);
      return { doc: null, result: doc.stream };
    });
    await this.#log.deleteStream(stream);
    return { type, stream };
  }

  /** Erases the data (and key) of every event stored with this key in a type's stream. */
  async eraseKey(tenant: string, type: string, key: string): Promise<{ stream: string; key: string; erased: number }> {
    if (this.#catalog.get('event-type', `${tenant}/${type}`) === undefined)
      throw new SluiceError('not_found', `tenant "${tenant}" has no event type "${type}"`);
    const stream = streamName(tenant, type);
    return { stream, key, erased: await this.#log.eraseKey(stream, key) };
  }

  /**
   * Deletes a tenant and everything it owns: keys first (open tails and long-polls end), then
   * subscriptions, correlations and sources (their workers stop), types with their streams,
   * the dead letters, and the tenant.
   */
  async deleteTenant(tenant: string): Promise<{ tenant: string; deleted: Record<string, number> }> {
    if (this.#catalog.get('tenant', tenant) === undefined) throw new SluiceError('not_found', `no tenant "${tenant}"`);
    const own = `${tenant}/`;
    const deleted = { keys: 0, subscriptions: 0, correlations: 0, sources: 0, types: 0, schemas: 0, streams: 0 };
    for (const entry of this.#catalog.list('api-key').filter((key) => key.value.tenant === tenant)) {
      await this.#catalog.delete('api-key', entry.key);
      deleted.keys++;
    }
    for (const entry of this.#catalog.list('subscription', own)) {
      await this.#subscriptions.delete(tenant, entry.value.name);
      deleted.subscriptions++;
    }
    for (const entry of this.#catalog.list('correlation', own)) {
      await this.#correlations.delete(tenant, entry.value.name);
      deleted.correlations++;
    }
    for (const entry of this.#catalog.list('source', own)) {
      await this.#sources.delete(tenant, entry.value.name);
      deleted.sources++;
    }
    for (const entry of this.#catalog.list('event-type', own)) {
      await this.#registry.updateType(tenant, entry.value.name, () => ({ doc: null, result: undefined }));
      deleted.types++;
    }
    // Its schemas too: a tenant made again with the same id must not read them by id.
    for (const entry of this.#catalog.list('schema').filter((schema) => schema.value.tenant === tenant)) {
      await this.#catalog.delete('schema', entry.key);
      deleted.schemas++;
    }
    for (const entry of this.#catalog.list('schema-fingerprint', own)) await this.#catalog.delete('schema-fingerprint', entry.key);
    // Every stream of the tenant: its types', the dead letters and what Sluice keeps beside them.
    for (const info of await this.#log.listStreams(`${tenant}.`)) {
      await this.#log.deleteStream(info.name);
      deleted.streams++;
    }
    for (const entry of this.#catalog.list('redrive', own)) await this.#catalog.delete('redrive', entry.key);
    await this.#sessions.closeAllOf((principal) => principal.kind === 'key' && principal.tenant === tenant);
    if (this.#catalog.get('tenant-secret', tenant) !== undefined) await this.#catalog.delete('tenant-secret', tenant);
    await this.#catalog.delete('tenant', tenant);
    return { tenant, deleted };
  }

  /** What would be left pointing at the type: subscriptions, correlations, sources, other types' routes. */
  #usersOf(tenant: string, type: string): string[] {
    const own = `${tenant}/`;
    const users: string[] = [];
    for (const { value } of this.#catalog.list('subscription', own)) if (value.types.includes(type)) users.push(`subscription "${value.name}"`);
    for (const { value } of this.#catalog.list('correlation', own)) {
      const types = (value.definition as { types?: unknown }).types;
      if (Array.isArray(types) && types.includes(type)) users.push(`correlation "${value.name}"`);
    }
    for (const { value } of this.#catalog.list('source', own)) if (value.type === type) users.push(`source "${value.name}"`);
    for (const { value } of this.#catalog.list('event-type', own)) {
      if (value.name !== type && this.#registry.compiled(tenant, value.name)?.pipeline?.targets.includes(type) === true)
        users.push(`the route of event type "${value.name}"`);
    }
    return users;
  }
}
