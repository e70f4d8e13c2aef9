import type { Command } from 'commander';
import { clientFor, print, withConnection, type ConnectionOptions } from '../connection.ts';

export function registerDeadLetters(program: Command): void {
  const deadLetters = program.command('dead-letters').description('events that were refused, with the reason');
  withConnection(
    deadLetters
      .command('list')
      .description('list dead letters')
      .option('--type <type>', 'only this event type')
      .option('--code <code>', 'only this error code')
      .option('--status <status>', 'pending, redriven or all', 'pending'),
    'key',
  ).action(async (options: ConnectionOptions & { type?: string; code?: string; status: string }) => {
    const query = new URLSearchParams({ status: options.status });
    if (options.type !== undefined) query.set('type', options.type);
    if (options.code !== undefined) query.set('code', options.code);
    print((await clientFor(options, 'key').request('GET', `/v1/dead-letters?${query.toString()}`)).body);
  });
  withConnection(
    deadLetters
      .command('redrive')
      .description('run pending dead letters through the current schema again')
      .option('--type <type>', 'only this event type')
      .option('--code <code>', 'only this error code')
      .option('--id <ids>', 'only these dead letters, by event id (comma-separated)')
      .option('--offset <offsets>', 'only these dead letters, by offset (comma-separated)'),
    'key',
  ).action(async (options: ConnectionOptions & { type?: string; code?: string; id?: string; offset?: string }) => {
    const body: { type?: string; code?: string; ids?: string[]; offsets?: number[] } = {};
    if (options.type !== undefined) body.type = options.type;
    if (options.code !== undefined) body.code = options.code;
    if (options.id !== undefined) body.ids = options.id.split(',').map((id) => id.trim());
    if (options.offset !== undefined) body.offsets = options.offset.split(',').map(Number);
    print((await clientFor(options, 'key').request('POST', '/v1/dead-letters/redrive', body)).body);
  });
}
