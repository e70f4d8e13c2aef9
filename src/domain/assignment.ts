export interface TopicPartition {
  stream: string;
  partition: number;
}

/**
 * Divides partitions among the live members of a group. Each partition, in sorted order,
 * goes to the member with the fewest partitions so far among those that asked for it, so
 * every process computes the same answer and shares stay even.
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
  for (const { tp, members: eligible } of ordered) {
    // The eligible member with the fewest partitions so far; ties go to the first name.
    let owner = eligible[0]!;
    for (const member of eligible) if (assignment.get(member)!.length < assignment.get(owner)!.length) owner = member;
    assignment.get(owner)!.push({ stream: tp.stream, partition: tp.partition });
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
