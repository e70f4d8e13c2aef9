import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyDoc, Scope, TenantDoc } from '../domain/catalog-docs.ts';
import { allScopes } from '../domain/catalog-docs.ts';
import { SluiceError } from '../domain/errors.ts';
import { assertTenantId, deadLetterStream } from '../domain/names.ts';
import type { Catalog } from '../ports/catalog.ts';
import { CatalogConflict } from '../ports/catalog.ts';
import type { EventLog } from '../ports/event-log.ts';

export type Principal = { kind: 'admin' } | { kind: 'key'; tenant: string; keyId: string; scopes: readonly Scope[] };

export interface CreatedKey {
  id: string;
  key: string;
  tenant: string;
  scopes: Scope[];
  createdAt: string;
}

export interface KeyView {
  id: string;
  tenant: string;
  scopes: Scope[];
  createdAt: string;
  description?: string;
}

const keyPrefix = 'sk';
const maxVerifiedTokens = 10_000;

/**
 * Tenants, their API keys and who a bearer token belongs to. Secrets are random 256-bit
 * values, so one SHA-256 is a safe stored form; the secret is shown once, at creation.
 */
export class TenantService {
  readonly #catalog: Catalog;
  readonly #log: EventLog;
  readonly #adminTokenHash: Buffer;
  /** Key ids and secrets already verified, so a busy producer does not pay a hash per request. */
  readonly #verified = new Map<string, Principal>();
  /** The same, by the whole bearer token as sent, so that a known token costs one lookup. */
  readonly #verifiedTokens = new Map<string, Principal>();
  /** Open streams and long-polls, by the key they were opened with. */
  readonly #watchers = new Map<string, Set<AbortController>>();

  constructor(catalog: Catalog, log: EventLog, adminToken: string) {
    this.#catalog = catalog;
    this.#log = log;
    this.#adminTokenHash = sha256(adminToken);
    // Any change to a key (revocation above all) must take effect on the next request.
    catalog.onChange((change) => {
      if (change.kind === 'api-key') {
        this.#verified.clear();
        this.#verifiedTokens.clear();
        this.#endWatchers((keyId) => keyId === change.key);
      } else if (change.kind === 'tenant' && change.deleted) {
        this.#endWatchers((keyId) => this.#catalog.get('api-key', keyId)?.value.tenant === change.key);
      }
    });
  }

  /**
   * A signal that aborts when the credentials a stream or long-poll was opened with stop
   * being what they were: the key revoked or changed (its scopes), or its tenant deleted. It
   * follows the catalog, so on Kafka a revocation in any process ends the streams of every
   * process. The admin token never changes while the process runs. Watching stops when `until`
   * aborts (the request ended).
   */
  credentialSignal(principal: Principal | undefined, until: AbortSignal): AbortSignal {
    const controller = new AbortController();
    if (principal?.kind !== 'key' || until.aborted) return controller.signal;
    // Revoked between authentication and now: end at once.
    if (this.#catalog.get('api-key', principal.keyId) === undefined) {
      controller.abort();
      return controller.signal;
    }
    let open = this.#watchers.get(principal.keyId);
    if (open === undefined) this.#watchers.set(principal.keyId, (open = new Set()));
    open.add(controller);
    until.addEventListener(
      'abort',
      () => {
        open.delete(controller);
        if (open.size === 0 && this.#watchers.get(principal.keyId) === open) this.#watchers.delete(principal.keyId);
      },
      { once: true },
    );
    return controller.signal;
  }

  #endWatchers(matches: (keyId: string) => boolean): void {
    for (const [keyId, open] of [...this.#watchers]) {
      if (!matches(keyId)) continue;
      this.#watchers.delete(keyId);
      for (const controller of open) controller.abort();
    }
  }

  async createTenant(id: string, name: string | undefined): Promise<TenantDoc> {
    assertTenantId(id);
    const tenant: TenantDoc = { id, name: name ?? id, createdAt: new Date().toISOString() };
    try {
      await this.#catalog.put('tenant', id, tenant, { ifAbsent: true });
    } catch (error) {
      if (error instanceof CatalogConflict) throw new SluiceError('tenant_exists', `tenant "${id}" already exists`);
      throw error;
    }
    // The salt of `hash` pipeline steps: made now, so that trying a pipeline later
    // (a `consume` route) never has to write.
    await this.#catalog.put('tenant-secret', id, { tenant: id, salt: randomBytes(32).toString('base64url') }, { ifAbsent: true }).catch((error: unknown) => {
      if (!(error instanceof CatalogConflict)) throw error;
    });
    await this.#log.createStream(deadLetterStream(id), 1);
    return tenant;
  }

  listTenants(): TenantDoc[] {
    return this.#catalog.list('tenant').map((entry) => entry.value);
  }

  getTenant(id: string): TenantDoc {
    const entry = this.#catalog.get('tenant', id);
    if (entry === undefined) throw new SluiceError('not_found', `no tenant "${id}"`);
    return entry.value;
  }

  async createKey(tenant: string, scopes: readonly string[], description?: string): Promise<CreatedKey> {
    this.getTenant(tenant);
    const checked = checkScopes(scopes);
    const id = `k${randomBytes(8).toString('hex')}`;
    const secret = randomBytes(32).toString('base64url');
    const doc: ApiKeyDoc = { id, tenant, scopes: checked, hash: sha256(secret).toString('hex'), createdAt: new Date().toISOString() };
    if (description !== undefined) doc.description = description;
    await this.#catalog.put('api-key', id, doc, { ifAbsent: true });
    return { id, key: `${keyPrefix}.${id}.${secret}`, tenant, scopes: checked, createdAt: doc.createdAt };
  }

  listKeys(tenant: string): KeyView[] {
    this.getTenant(tenant);
    return this.#catalog
      .list('api-key')
      .filter((entry) => entry.value.tenant === tenant)
      .map(({ value }) => {
        const view: KeyView = { id: value.id, tenant: value.tenant, scopes: value.scopes, createdAt: value.createdAt };
        if (value.description !== undefined) view.description = value.description;
        return view;
      });
  }

  async revokeKey(tenant: string, keyId: string): Promise<void> {
    const entry = this.#catalog.get('api-key', keyId);
    if (entry === undefined || entry.value.tenant !== tenant) throw new SluiceError('not_found', `tenant "${tenant}" has no key "${keyId}"`);
    await this.#catalog.delete('api-key', keyId);
  }

  /**
   * Who is calling: the admin, a tenant's key, or nobody (`undefined`).
   *
   * @example authenticate('sk.k0123456789abcdef.s3cr3t...') // { kind: 'key', tenant: 'acme', ... }
   */
  authenticate(token: string): Principal | undefined {
    if (token.startsWith(`${keyPrefix}.`)) {
      const known = this.#verifiedTokens.get(token);
      if (known !== undefined) return known;
      // Exactly `sk.<id>.<secret>`: a token with more segments is not a key, whatever it starts with.
      const parts = token.split('.');
      const principal = parts.length === 3 ? this.authenticateKey(parts[1]!, parts[2]!) : undefined;
      if (principal !== undefined) remember(this.#verifiedTokens, token, principal);
      return principal;
    }
    return timingSafeEqual(sha256(token), this.#adminTokenHash) ? { kind: 'admin' } : undefined;
  }

  /** For clients that send a key id and secret separately (HTTP Basic auth). */
  authenticateKey(keyId: string, secret: string): Principal | undefined {
    const cacheKey = `${keyId}.${secret}`;
    const known = this.#verified.get(cacheKey);
    if (known !== undefined) return known;
    const principal = this.#verifyKey(keyId, secret);
    if (principal !== undefined) remember(this.#verified, cacheKey, principal);
    return principal;
  }

  #verifyKey(keyId: string, secret: string): Principal | undefined {
    const entry = this.#catalog.get('api-key', keyId);
    if (entry === undefined) return undefined;
    const expected = Buffer.from(entry.value.hash, 'hex');
    if (!timingSafeEqual(sha256(secret), expected)) return undefined;
    return { kind: 'key', tenant: entry.value.tenant, keyId, scopes: entry.value.scopes };
  }
}

function remember(verified: Map<string, Principal>, key: string, principal: Principal): void {
  if (verified.size >= maxVerifiedTokens) verified.clear();
  verified.set(key, principal);
}

function checkScopes(scopes: readonly string[]): Scope[] {
  if (scopes.length === 0) throw new SluiceError('invalid_scope', 'a key needs at least one scope');
  const unknown = scopes.filter((scope) => !allScopes.includes(scope as Scope));
  if (unknown.length > 0) throw new SluiceError('invalid_scope', `unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}`);
  return [...new Set(scopes as Scope[])];
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
