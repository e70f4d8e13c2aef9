import type { Command } from 'commander';
import { clientFor, print, withConnection, type ConnectionOptions } from '../connection.ts';

/** `sluice stream list|show|read`: the tenant's streams and their records by offset or time. */
export function registerStreams(program: Command): void {
  const stream = program.command('stream').description("the tenant's streams: partitions, offsets, and records by offset or time");
  withConnection(stream.command('list').description('every stream with its partitions and end offsets'), 'key').action(async (options: ConnectionOptions) => {
    print((await clientFor(options, 'key').request('GET', '/v1/streams')).body);
  });
  withConnection(stream.command('show <stream>').description("one stream's partitions with their start and end offsets"), 'key').action(
    async (name: string, options: ConnectionOptions) => {
      print((await clientFor(options, 'key').request('GET', `/v1/streams/${encodeURIComponent(name)}`)).body);
    },
  );
  withConnection(
    stream
      .command('read <stream>')
      .description('records of every partition (or of one) from a time, earliest, latest, a cursor, or an offset of one partition')
      .option('-p, --partition <n>', 'one partition (every partition when left out)')
      .option('--from <where>', 'earliest, latest, an RFC 3339 time, or an offset with --partition', 'earliest')
      .option('--cursor <next>', 'the next of an earlier read of every partition')
      .option('-n, --limit <n>', 'most records to answer (up to 1000)', '100')
      .option('--wait <ms>', 'wait up to this long for a record when there is none yet', '0'),
    'key',
  ).action(async (name: string, options: ConnectionOptions & { partition?: string; from: string; cursor?: string; limit: string; wait: string }) => {
    const query = new URLSearchParams({ limit: options.limit, waitMs: options.wait });
    if (options.partition !== undefined) query.set('partition', options.partition);
    if (options.cursor !== undefined) query.set('cursor', options.cursor);
    else query.set('from', options.from);
    print((await clientFor(options, 'key').request('GET', `/v1/streams/${encodeURIComponent(name)}/events?${query.toString()}`)).body);
  });
  withConnection(
    stream
      .command('event <stream> <id>')
      .description('one event by its id (the first stored with it); a CloudEvent by its source and id')
      .option('--source <source>', "the CloudEvent's source"),
    'key',
  ).action(async (name: string, id: string, options: ConnectionOptions & { source?: string }) => {
    const query = options.source === undefined ? '' : `?${new URLSearchParams({ source: options.source }).toString()}`;
    print((await clientFor(options, 'key').request('GET', `/v1/streams/${encodeURIComponent(name)}/events/${encodeURIComponent(id)}${query}`)).body);
  });
}
