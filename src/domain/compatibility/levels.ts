import { compatibilityLevels } from './types.ts';
import type { CompatibilityLevel, Direction } from './types.ts';

export const defaultCompatibilityLevel: CompatibilityLevel = 'BACKWARD';

export function isCompatibilityLevel(value: unknown): value is CompatibilityLevel {
  return typeof value === 'string' && (compatibilityLevels as readonly string[]).includes(value);
}

/** One reader/writer check a level asks for. */
export interface PlannedCheck {
  /** Index into the previous versions, oldest first. */
  previous: number;
  direction: Direction;
}

/**
 * The checks a level asks for against `count` previous versions: the latest only, or every
 * one (newest first) for the transitive levels; BACKWARD, FORWARD or both (FULL) for each.
 *
 * @example planChecks('FULL', 3) // [{ previous: 2, direction: 'BACKWARD' }, { previous: 2, direction: 'FORWARD' }]
 */
export function planChecks(level: CompatibilityLevel, count: number): PlannedCheck[] {
  if (level === 'NONE' || count === 0) return [];
  const transitive = level.endsWith('_TRANSITIVE');
  const base = transitive ? level.slice(0, -'_TRANSITIVE'.length) : level;
  const directions: Direction[] = base === 'FULL' ? ['BACKWARD', 'FORWARD'] : [base as Direction];
  const indexes = transitive ? Array.from({ length: count }, (_, i) => count - 1 - i) : [count - 1];
  return indexes.flatMap((previous) => directions.map((direction) => ({ previous, direction })));
}
