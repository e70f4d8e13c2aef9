import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConsoleSessionDoc } from '../domain/catalog-docs.ts';
import { SluiceError } from '../domain/errors.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { Principal, TenantService } from './tenants.ts';

export interface OpenedSession {
  /** The cookie value: shown to the browser once, kept here only as a hash. */
  id: string;
  csrf: string;
  expiresAt: string;
  principal: Principal;
}

export interface ResolvedSession {
  principal: Principal;
  csrf: string;
  expiresAt: string;
  /** The session's catalog key (the hash of its cookie). */
  key: string;
}

/**
 * Console sign-ins: a key (or the admin token) exchanged for a session the browser holds in
 * an HttpOnly cookie. A session is only as good as its key: revoking the key, or a scope
 * change, applies to the session at once; it also ends when it expires or is signed out. Kept
 * in the catalog, so every process of a Sluice on Kafka knows it.
 */
export class SessionService {
  readonly #catalog: Catalog;
  readonly #tenants: TenantService;
  readonly #ttlMs: number;
  /** Open tails and long-polls made with each session, ended when it is signed out. */
  readonly #watchers = new Map<string, Set<AbortController>>();

  constructor(catalog: Catalog, tenants: TenantService, ttlMs: number) {
    this.#catalog = catalog;
    this.#tenants = tenants;
    this.#ttlMs = ttlMs;
    catalog.onChange((change) => {
      if (change.kind !== 'console-session' || !change.deleted) return;
      for (const controller of this.#watchers.get(change.key) ?? []) controller.abort();
      this.#watchers.delete(change.key);
    });
  }

  /** Aborts when the session is signed out or expires (in any process), until `until` aborts. */
  endedSignal(session: ResolvedSession, until: AbortSignal): AbortSignal {
    const controller = new AbortController();
    let open = this.#watchers.get(session.key);
    if (open === undefined) this.#watchers.set(session.key, (open = new Set()));
    open.add(controller);
    const expiry = setTimeout(() => controller.abort(), Math.max(0, Date.parse(session.expiresAt) - Date.now()));
    expiry.unref();
    until.addEventListener(
      'abort',
      () => {
        clearTimeout(expiry);
        open.delete(controller);
        if (open.size === 0 && this.#watchers.get(session.key) === open) this.#watchers.delete(session.key);
      },
      { once: true },
    );
    return controller.signal;
  }

  async open(token: string, now = Date.now()): Promise<OpenedSession> {
    const principal = this.#tenants.authenticate(token);
    if (principal === undefined) throw new SluiceError('unauthorized', 'the key or token is not valid: it is mistyped, revoked, or from another Sluice');
    await this.#sweep(now);
    const id = randomBytes(32).toString('base64url');
    const doc: ConsoleSessionDoc = {
      principal: principal.kind === 'admin' ? { kind: 'admin' } : { kind: 'key', tenant: principal.tenant, keyId: principal.keyId },
      csrf: randomBytes(24).toString('base64url'),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.#ttlMs).toISOString(),
    };
    await this.#catalog.put('console-session', hashOf(id), doc);
    return { id, csrf: doc.csrf, expiresAt: doc.expiresAt, principal };
  }

  /** The session a cookie names, with its key's current scopes; undefined when it is unknown, expired, or its key is gone. */
  resolve(id: string, now = Date.now()): ResolvedSession | undefined {
    const key = hashOf(id);
    const doc = this.#catalog.get('console-session', key)?.value;
    if (doc === undefined) return undefined;
    if (Date.parse(doc.expiresAt) <= now) {
      void this.#catalog.delete('console-session', hashOf(id)).catch(() => undefined);
      return undefined;
    }
    if (doc.principal.kind === 'admin') return { principal: { kind: 'admin' }, csrf: doc.csrf, expiresAt: doc.expiresAt, key };
    const apiKey = this.#catalog.get('api-key', doc.principal.keyId)?.value;
    if (apiKey === undefined || apiKey.tenant !== doc.principal.tenant) return undefined;
    return { principal: { kind: 'key', tenant: apiKey.tenant, keyId: apiKey.id, scopes: apiKey.scopes }, csrf: doc.csrf, expiresAt: doc.expiresAt, key };
  }

  /** Whether a request's `x-csrf-token` is this session's. */
  csrfMatches(session: ResolvedSession, sent: string | undefined): boolean {
    if (sent === undefined) return false;
    const a = Buffer.from(sent);
    const b = Buffer.from(session.csrf);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  async close(id: string): Promise<void> {
    if (this.#catalog.get('console-session', hashOf(id)) !== undefined) await this.#catalog.delete('console-session', hashOf(id));
  }

  /** Forgets sessions that expired or whose key is gone; run as sessions are opened, so they cannot pile up. */
  async #sweep(now: number): Promise<void> {
    for (const entry of this.#catalog.list('console-session')) {
      const { principal, expiresAt } = entry.value;
      const orphaned = principal.kind === 'key' && this.#catalog.get('api-key', principal.keyId) === undefined;
      if (orphaned || Date.parse(expiresAt) <= now) await this.#catalog.delete('console-session', entry.key);
    }
  }

  /** Ends every session opened with a key (the key was revoked) or of a tenant (deleted). */
  async closeAllOf(match: (principal: ConsoleSessionDoc['principal']) => boolean): Promise<void> {
    for (const entry of this.#catalog.list('console-session')) if (match(entry.value.principal)) await this.#catalog.delete('console-session', entry.key);
  }
}

function hashOf(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}
