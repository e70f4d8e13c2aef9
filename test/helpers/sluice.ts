import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { loadConfig, type ConfigInput } from '../../src/edges/config/config.ts';
import { createSluice, type Sluice } from '../../src/sluice.ts';

export const adminToken = 'test-admin-token-0123456789abcdef';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface TestSluice {
  sluice: Sluice;
  url: string;
  dataDir: string;
  /** Calls the API with a bearer token (the admin token when `token` is undefined). */
  call<T = any>(
    method: string,
    path: string,
    options?: { token?: string | null; body?: unknown; raw?: string | Buffer; contentType?: string; headers?: Record<string, string> },
  ): Promise<ApiResponse<T>>;
  /** Creates a tenant and a key with every scope; answers the key. */
  tenantWithKey(id: string, scopes?: string[]): Promise<string>;
}

/**
 * A temporary directory, removed after the test. `after` hooks run in the order they were
 * added, so a server started on it later may still be writing there: the removal retries
 * rather than fail the test on a file that appeared meanwhile.
 */
export function tempDir(t: TestContext, prefix = 'sluice-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => removeDir(dir));
  return dir;
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

/**
 * A real Sluice on an ephemeral loopback port with its own SQLite file; closed after the
 * test, and then its data directory removed when it made one.
 */
export async function startSluice(t: TestContext, overrides: ConfigInput = {}, givenDataDir?: string): Promise<TestSluice> {
  const dataDir = givenDataDir ?? mkdtempSync(join(tmpdir(), 'sluice-test-'));
  const config = loadConfig({ flags: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', adminToken, ...overrides }, env: {} });
  let sluice: Sluice;
  try {
    sluice = await createSluice(config);
  } catch (error) {
    if (givenDataDir === undefined) removeDir(dataDir);
    throw error;
  }
  const url = await sluice.listen();
  t.after(async () => {
    await sluice.close();
    if (givenDataDir === undefined) removeDir(dataDir);
  });
  const call: TestSluice['call'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const token = options.token === undefined ? adminToken : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | Buffer | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= options.contentType ?? 'application/json';
    const response = await fetch(`${url}${path}`, body === undefined ? { method, headers } : { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON (metrics, docs): keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as any };
  };
  return {
    sluice,
    url,
    dataDir,
    call,
    async tenantWithKey(id, scopes = ['produce', 'consume', 'manage']) {
      const created = await call('POST', '/v1/tenants', { body: { id, name: id } });
      if (created.status !== 201) throw new Error(`tenant ${id}: ${JSON.stringify(created.body)}`);
      const key = await call('POST', `/v1/tenants/${id}/keys`, { body: { scopes } });
      if (key.status !== 201) throw new Error(`key for ${id}: ${JSON.stringify(key.body)}`);
      return (key.body as { key: string }).key;
    },
  };
}
