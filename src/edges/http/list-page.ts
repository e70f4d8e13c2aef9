import { SluiceError } from '../../domain/errors.ts';

/** `?limit=&cursor=` of the API's lists. */
export interface ListQuery {
  limit?: number;
  cursor?: string;
}

export const listQuerystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'most items per page' },
    cursor: { type: 'string', description: 'the `next` of the page before' },
  },
} as const;

/**
 * One page of a list, in the order of `nameOf` (names are unique): the items after the
 * cursor, and `next`, the cursor of the following page, or null at the end. The cursor is
 * the last name answered, so a page stays right when items are added or removed meanwhile.
 *
 * @example pageOf(types, (t) => t.type, { limit: 2 }) // { items: [a, b], next: 'b' }
 */
export function pageOf<T>(items: readonly T[], nameOf: (item: T) => string, query: ListQuery): { items: T[]; next: string | null } {
  const limit = query.limit ?? 100;
  if (query.cursor !== undefined && query.cursor.length > 1024) throw new SluiceError('invalid_request', 'the cursor is not one this list answered');
  const sorted = [...items].sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
  const after = query.cursor === undefined ? sorted : sorted.filter((item) => nameOf(item) > query.cursor!);
  const page = after.slice(0, limit);
  return { items: page, next: after.length > limit ? nameOf(page.at(-1)!) : null };
}
