/**
 * Whether a JSON Schema makes every event carry the field a partition key points at: each
 * segment of the pointer must be listed in `required` beside its `properties`. A schema whose
 * shape at some level is not written out plainly (composed with allOf, a $ref) is given the
 * benefit of the doubt. Answers the first segment that may be missing, or undefined.
 *
 * @example optionalKeySegment({ type: 'object', properties: { name: {} } }, '/name') // 'name'
 */
export function optionalKeySegment(schema: unknown, pointer: string): string | undefined {
  if (pointer === '' || !pointer.startsWith('/')) return undefined;
  const segments = pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  let current: unknown = schema;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    const level = current as { properties?: unknown; required?: unknown };
    if (typeof level.properties !== 'object' || level.properties === null) return undefined;
    const required = Array.isArray(level.required) ? (level.required as unknown[]) : [];
    if (!required.includes(segment)) return segment;
    current = (level.properties as Record<string, unknown>)[segment];
  }
  return undefined;
}
