const arrayIndex = /^(0|[1-9]\d*)$/;

/**
 * Compiles a JSON Pointer (RFC 6901) once into a getter.
 *
 * @example compilePointer('/user/id')({ user: { id: 7 } }) // 7
 */
export function compilePointer(pointer: string): (value: unknown) => unknown {
  if (pointer === '') return (value) => value;
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer "${pointer}" must start with "/"`);
  const segments = pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  return (value) => {
    let current: unknown = value;
    for (const segment of segments) {
      if (typeof current !== 'object' || current === null) return undefined;
      // In an array only an index names a member (RFC 6901), not `length`.
      if (Array.isArray(current) && !arrayIndex.test(segment)) return undefined;
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
    return current;
  };
}

export function isJsonPointer(value: string): boolean {
  return value === '' || value.startsWith('/');
}
