import type { Command } from 'commander';
import { clientFor, print, withConnection, type ConnectionOptions } from '../connection.ts';

/** `sluice stream list|show|read`: the tenant's streams and their records by offset or time. */
export function registerStreams(program: Command): void {
  const stream = program.command('stream').description("the tenant's streams: partitions, offsets, and records by offset or time");
  withConnection(stream.command('list').description('every stream with its partitions and end offsets'), 'key').action(async (options: ConnectionOptions) => {
    print((await clientFor(options, 'key').request('GET', '/v1/streams')).body);
  });
  withConnection(stream.command('show <stream>').description("one stream's partitions with their start and end offsets"), 'key').action(async (name: string, options: ConnectionOptions) => {
    print((await clientFor(options, 'key').request('GET', `/v1/streams/${encodeURIComponent(name)}`)).body);
  });
  withConnection(
    stream
      .command('read <stream>')
      .description('records of one partition from an offset or a time')
      .option('-p, --partition <n>', 'the partition', '0')
      .option('--from <where>', 'an offset, earliest, latest, or an RFC 3339 time', 'earliest')
      .option('-n, --limit <n>', 'most records to answer (up to 1000)', '100')
      .option('--wait <ms>', 'wait up to this long for a record when there is none yet', '0'),
    'key',
  ).action(async (name: string, options: ConnectionOptions & { partition: string; from: string; limit: string; wait: string }) => {
    const query = new URLSearchParams({ partition: options.partition, from: options.from, limit: options.limit, waitMs: options.wait });
    print((await clientFor(options, 'key').request('GET', `/v1/streams/${encodeURIComponent(name)}/events?${query.toString()}`)).body);
  });
}
