export interface TopicPartition {
  stream: string;
  partition: number;
}

/**
 * Divides partitions among the live members of a group. Each partition goes to one of
 * the members that asked for it; members and partitions are taken in sorted order with a
 * running counter, so every process computes the same answer and shares stay even.
 *
 * @example
 * assignPartitions(new Map([['a', [{stream: 's', partition: 0}, {stream: 's', partition: 1}]],
 *                           ['b', [{stream: 's', partition: 0}, {stream: 's', partition: 1}]]]))
 * // Map { 'a' => [{s,0}], 'b' => [{s,1}] }
 */
export function assignPartitions(requests: ReadonlyMap<string, readonly TopicPartition[]>): Map<string, TopicPartition[]> {
  const members = [...requests.keys()].sort();
  const assignment = new Map<string, TopicPartition[]>(members.map((member) => [member, []]));
  const wantedBy = new Map<string, { tp: TopicPartition; members: string[] }>();
  for (const member of members) {
    for (const tp of requests.get(member) ?? []) {
      const id = partitionId(tp);
      const entry = wantedBy.get(id) ?? { tp, members: [] };
      if (!entry.members.includes(member)) entry.members.push(member);
      wantedBy.set(id, entry);
    }
  }
  const ordered = [...wantedBy.values()].sort((a, b) => comparePartitions(a.tp, b.tp));
  let turn = 0;
  for (const { tp, members: eligible } of ordered) {
    const owner = eligible[turn % eligible.length]!;
    assignment.get(owner)!.push({ stream: tp.stream, partition: tp.partition });
    turn++;
  }
  return assignment;
}

export function partitionId(tp: TopicPartition): string {
  return `${tp.stream}#${tp.partition}`;
}

export function comparePartitions(a: TopicPartition, b: TopicPartition): number {
  if (a.stream !== b.stream) return a.stream < b.stream ? -1 : 1;
  return a.partition - b.partition;
}
