import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface Hotspot {
  name: string;
  where: string;
  percent: number;
}

const root = new URL('..', import.meta.url).pathname;

/** Where a frame's code lives: a source file of ours, a package, Node itself or V8. */
function area(url: string): string {
  if (url === '') return '(native / V8)';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '');
  const nodeModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (nodeModules !== null) return nodeModules[1]!;
  return relative(root, path);
}

/** Self time per function and per area (file or package), as shares of all samples. */
export function summarizeProfile(file: string, top = 20): { functions: Hotspot[]; areas: Hotspot[]; seconds: number } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const hits = new Map<number, number>();
  if (profile.samples !== undefined) for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  else for (const node of profile.nodes) hits.set(node.id, node.hitCount ?? 0);
  let total = 0;
  for (const count of hits.values()) total += count;
  const byFunction = new Map<string, Hotspot>();
  const byArea = new Map<string, Hotspot>();
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    if (count === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName === '' ? '(anonymous)' : functionName;
    const where = url === '' ? '' : `${area(url)}:${lineNumber + 1}`;
    const key = `${name}@${where}`;
    const share = (count / total) * 100;
    const entry = byFunction.get(key) ?? { name, where, percent: 0 };
    entry.percent += share;
    byFunction.set(key, entry);
    const areaName = name.startsWith('(') && url === '' ? name : area(url);
    const areaEntry = byArea.get(areaName) ?? { name: areaName, where: '', percent: 0 };
    areaEntry.percent += share;
    byArea.set(areaName, areaEntry);
  }
  const sort = (entries: Iterable<Hotspot>): Hotspot[] => [...entries].sort((a, b) => b.percent - a.percent).slice(0, top);
  return { functions: sort(byFunction.values()), areas: sort(byArea.values()), seconds: (profile.endTime - profile.startTime) / 1e6 };
}

/**
 * Inclusive time: for each group, the share of samples whose stack holds a frame from a
 * file or package the group's test accepts (the code and everything it calls, such as the
 * HMAC behind `hash` or ajv's generated validators), each sample counted once per group.
 */
export function inclusiveShares(file: string, groups: { name: string; holds: (area: string) => boolean }[]): Hotspot[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  // Which groups each node's stack (the node and its ancestors) touches, as a bit mask.
  const masks = new Map<number, number>();
  const maskOf = (id: number): number => {
    const known = masks.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    let mask = 0;
    if (node !== undefined) {
      const where = node.callFrame.url === '' ? '' : area(node.callFrame.url);
      groups.forEach((group, index) => {
        if (where !== '' && group.holds(where)) mask |= 1 << index;
      });
    }
    const up = parent.get(id);
    if (up !== undefined) mask |= maskOf(up);
    masks.set(id, mask);
    return mask;
  };
  const counts = groups.map(() => 0);
  let total = 0;
  const add = (id: number, hits: number): void => {
    total += hits;
    const mask = maskOf(id);
    groups.forEach((_, index) => {
      if ((mask & (1 << index)) !== 0) counts[index]! += hits;
    });
  };
  if (profile.samples !== undefined) for (const id of profile.samples) add(id, 1);
  else for (const node of profile.nodes) add(node.id, node.hitCount ?? 0);
  return groups.map((group, index) => ({ name: group.name, where: '', percent: total === 0 ? 0 : (counts[index]! / total) * 100 }));
}

/**
 * The profiles in `dir`, one per thread: Node names them CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile
 * and thread 0 is the main thread (HTTP); others are worker threads (the store thread).
 */
export function profilesIn(dir: string): { file: string; thread: string }[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort()
    .map((name) => {
      const thread = name.split('.').at(-3) ?? '?';
      return { file: join(dir, name), thread: thread === '0' ? 'main thread' : `worker thread ${thread}` };
    });
}

export function profileText(summary: ReturnType<typeof summarizeProfile>, label = 'Sluice'): string {
  const lines = [`CPU profile of ${label} (${summary.seconds.toFixed(1)} s), self time:`, '', 'by function:'];
  for (const hot of summary.functions) lines.push(`  ${hot.percent.toFixed(1).padStart(5)}%  ${hot.name}  ${hot.where}`);
  lines.push('', 'by file or package:');
  for (const hot of summary.areas) lines.push(`  ${hot.percent.toFixed(1).padStart(5)}%  ${hot.name}`);
  return lines.join('\n');
}
