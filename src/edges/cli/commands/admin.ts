import type { Command } from 'commander';
import { clientFor, print, withConnection, type ConnectionOptions } from '../connection.ts';

/** `sluice tenant ...` and `sluice key ...`: platform administration. */
export function registerAdmin(program: Command): void {
  const tenant = program.command('tenant').description('manage tenants (admin token)');
  withConnection(tenant.command('create <id>').description('create a tenant').option('--name <name>', 'display name'), 'admin').action(
    async (id: string, options: ConnectionOptions & { name?: string }) => {
      const body: { id: string; name?: string } = { id };
      if (options.name !== undefined) body.name = options.name;
      print((await clientFor(options, 'admin').request('POST', '/v1/tenants', body)).body);
    },
  );
  withConnection(
    tenant
      .command('delete <id>')
      .description('delete a tenant and everything it owns: keys, types and streams, subscriptions, correlations, sources')
      .requiredOption('--confirm <id>', 'the tenant id again'),
    'admin',
  ).action(async (id: string, options: ConnectionOptions & { confirm: string }) => {
    const query = new URLSearchParams({ confirm: options.confirm });
    print((await clientFor(options, 'admin').request('DELETE', `/v1/tenants/${encodeURIComponent(id)}?${query.toString()}`)).body);
  });
  withConnection(tenant.command('list').description('list tenants'), 'admin').action(async (options: ConnectionOptions) => {
    print((await clientFor(options, 'admin').request('GET', '/v1/tenants')).body);
  });

  const key = program.command('key').description('manage API keys (admin token or a key with "manage")');
  withConnection(
    key
      .command('create')
      .description('create an API key; its secret is printed once')
      .requiredOption('-t, --tenant <id>', 'tenant id')
      .option('-s, --scopes <scopes>', 'comma-separated: produce, consume, manage', 'produce,consume,manage')
      .option('--description <text>', 'what the key is for'),
    'admin',
  ).action(async (options: ConnectionOptions & { tenant: string; scopes: string; description?: string }) => {
    const body: { scopes: string[]; description?: string } = {
      scopes: options.scopes
        .split(',')
        .map((scope) => scope.trim())
        .filter(Boolean),
    };
    if (options.description !== undefined) body.description = options.description;
    print((await clientFor(options, 'admin').request('POST', `/v1/tenants/${encodeURIComponent(options.tenant)}/keys`, body)).body);
  });
  withConnection(key.command('list').description('list keys (no secrets)').requiredOption('-t, --tenant <id>', 'tenant id'), 'admin').action(
    async (options: ConnectionOptions & { tenant: string }) => {
      print((await clientFor(options, 'admin').request('GET', `/v1/tenants/${encodeURIComponent(options.tenant)}/keys`)).body);
    },
  );
  withConnection(key.command('revoke <keyId>').description('revoke a key at once').requiredOption('-t, --tenant <id>', 'tenant id'), 'admin').action(
    async (keyId: string, options: ConnectionOptions & { tenant: string }) => {
      await clientFor(options, 'admin').request('DELETE', `/v1/tenants/${encodeURIComponent(options.tenant)}/keys/${encodeURIComponent(keyId)}`);
      print({ revoked: keyId });
    },
  );
}
