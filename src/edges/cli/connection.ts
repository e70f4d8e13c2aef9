import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Client } from './client.ts';

export interface ConnectionOptions {
  url?: string;
  key?: string;
  adminToken?: string;
  dataDir?: string;
}

/** Adds --url and --key (or --admin-token) to a client command. */
export function withConnection(command: Command, credential: 'key' | 'admin'): Command {
  command.option('--url <url>', 'Sluice base URL (SLUICE_URL, default http://127.0.0.1:8080)');
  if (credential === 'key') command.option('--key <key>', 'API key (SLUICE_KEY)');
  else {
    command.option('--admin-token <token>', 'admin token (SLUICE_ADMIN_TOKEN; else read from <data-dir>/admin-token)');
    // No commander default here: it would always win over SLUICE_DATA_DIR (see adminToken).
    command.option('-d, --data-dir <dir>', 'data directory of a local server, to find its admin token (SLUICE_DATA_DIR, default ./.sluice)');
  }
  return command;
}

/** A client with the command's credential; says which one is missing, and where it comes from, before any request. */
export function clientFor(options: ConnectionOptions, credential: 'key' | 'admin'): Client {
  const url = options.url ?? process.env.SLUICE_URL ?? 'http://127.0.0.1:8080';
  const token = credential === 'key' ? (options.key ?? process.env.SLUICE_KEY) : adminToken(options);
  if (token === undefined || token.trim() === '') {
    if (credential === 'key')
      throw new Error(
        'no API key: set SLUICE_KEY or pass --key (an admin creates one with `sluice key create --tenant <tenant> --scopes produce,consume,manage`)',
      );
    const file = join(options.dataDir ?? process.env.SLUICE_DATA_DIR ?? './.sluice', 'admin-token');
    throw new Error(
      `no admin token: set SLUICE_ADMIN_TOKEN, pass --admin-token, or run where the server's data directory is (${file} was not found; --data-dir names another)`,
    );
  }
  return new Client({ url, token });
}

function adminToken(options: ConnectionOptions): string | undefined {
  const explicit = options.adminToken ?? process.env.SLUICE_ADMIN_TOKEN;
  if (explicit !== undefined) return explicit;
  const file = join(options.dataDir ?? process.env.SLUICE_DATA_DIR ?? './.sluice', 'admin-token');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

export { print } from './output.ts';
