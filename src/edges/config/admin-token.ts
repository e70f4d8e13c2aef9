import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The platform admin token: SLUICE_ADMIN_TOKEN when set, else the one kept in the data
 * directory, else a new one written there with mode 0600 (`generated` tells the caller
 * to print it once).
 */
export function resolveAdminToken(dataDir: string, configured: string | undefined): { token: string; generated: boolean; file?: string } {
  if (configured !== undefined) return { token: configured, generated: false };
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), generated: false, file };
  mkdirSync(dataDir, { recursive: true });
  const token = `sa.${randomBytes(32).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, generated: true, file };
}
