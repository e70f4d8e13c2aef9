import type { Command } from 'commander';
import { clientFor, print, withConnection, type ConnectionOptions } from '../connection.ts';

/** `sluice group list|show|poll|commit|leave`: consumer groups over HTTP, one member per call. */
export function registerGroups(program: Command): void {
  const group = program.command('group').description('consumer groups: members share the partitions of the streams they read');
  withConnection(group.command('list').description("the tenant's groups with members or committed offsets"), 'key').action(
    async (options: ConnectionOptions) => {
      print((await clientFor(options, 'key').request('GET', '/v1/groups')).body);
    },
  );
  withConnection(group.command('show <group>').description('live members, committed offsets and lag per partition'), 'key').action(
    async (name: string, options: ConnectionOptions) => {
      print((await clientFor(options, 'key').request('GET', `/v1/groups/${encodeURIComponent(name)}`)).body);
    },
  );
  withConnection(
    group
      .command('poll <group> <streams...>')
      .description("join (or stay in) the group as a member and print the records of the member's partitions")
      .requiredOption('-m, --member <member>', 'the member name; use the same one on every poll')
      .option('--max <n>', 'most records to answer', '100')
      .option('--wait <ms>', 'wait up to this long for a record', '0')
      .option('--from <where>', 'where a partition without a commit starts: earliest or latest', 'earliest')
      .option('--commit', 'commit what this poll received'),
    'key',
  ).action(
    async (name: string, streams: string[], options: ConnectionOptions & { member: string; max: string; wait: string; from: string; commit?: boolean }) => {
      const client = clientFor(options, 'key');
      const path = `/v1/groups/${encodeURIComponent(name)}`;
      const answer = (
        await client.request('POST', `${path}/poll`, {
          streams,
          member: options.member,
          max: Number(options.max),
          waitMs: Number(options.wait),
          from: options.from,
        })
      ).body;
      print(answer);
      if (options.commit === true) print((await client.request('POST', `${path}/commit`, { member: options.member })).body);
    },
  );
  withConnection(
    group.command('commit <group>').description('commit everything the member has received').requiredOption('-m, --member <member>', 'the member name'),
    'key',
  ).action(async (name: string, options: ConnectionOptions & { member: string }) => {
    print((await clientFor(options, 'key').request('POST', `/v1/groups/${encodeURIComponent(name)}/commit`, { member: options.member })).body);
  });
  withConnection(
    group.command('leave <group>').description('leave now, so the other members take over at once').requiredOption('-m, --member <member>', 'the member name'),
    'key',
  ).action(async (name: string, options: ConnectionOptions & { member: string }) => {
    await clientFor(options, 'key').request('POST', `/v1/groups/${encodeURIComponent(name)}/leave`, { member: options.member });
    print({ left: name, member: options.member });
  });
}
