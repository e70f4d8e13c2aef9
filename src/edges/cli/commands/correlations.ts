import type { Command } from 'commander';
import { clientFor, print, withConnection, type ConnectionOptions } from '../connection.ts';
import { readDocument } from '../read-document.ts';

const path = (name: string, rest = ''): string => `/v1/correlations/${encodeURIComponent(name)}${rest}`;

/** `sluice correlation …`: events of several types joined by a key into one aggregate (docs/correlations.md). */
export function registerCorrelations(program: Command): void {
  const correlation = program
    .command('correlation')
    .description('correlations: join events of several types by a key into one aggregate, complete or expired after a timeout');
  withConnection(correlation.command('list').description("list the tenant's correlations"), 'key').action(async (options: ConnectionOptions) => {
    print((await clientFor(options, 'key').request('GET', '/v1/correlations')).body);
  });
  withConnection(correlation.command('show <name>').description('print a correlation with its open instances and outcomes so far'), 'key').action(
    async (name: string, options: ConnectionOptions) => {
      print((await clientFor(options, 'key').request('GET', path(name))).body);
    },
  );
  withConnection(
    correlation.command('instance <name> <key>').description("print one key's instance: its events so far and deadline, or how it ended"),
    'key',
  ).action(async (name: string, instanceKey: string, options: ConnectionOptions) => {
    print((await clientFor(options, 'key').request('GET', path(name, `/instances/${encodeURIComponent(instanceKey)}`))).body);
  });
  withConnection(
    correlation
      .command('set <name>')
      .description('create or replace a correlation from a YAML or JSON file (a changed definition starts with empty state)')
      .requiredOption(
        '-f, --file <file>',
        'the definition: {types, key, completion?, timeout, timeoutFrom?, emit: {complete, expired}, keep?, late?, limits?, start?} (- for stdin)',
      ),
    'key',
  ).action(async (name: string, options: ConnectionOptions & { file: string }) => {
    print((await clientFor(options, 'key').request('PUT', path(name), readDocument(options.file))).body);
  });
  withConnection(correlation.command('delete <name>').description('delete a correlation and its open instances (stored aggregates stay)'), 'key').action(
    async (name: string, options: ConnectionOptions) => {
      await clientFor(options, 'key').request('DELETE', path(name));
      print({ deleted: name });
    },
  );
}
