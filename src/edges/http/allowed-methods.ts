/**
 * The methods each route path answers, to tell a request with a method the path does not
 * take (405, with `Allow`) from one for a path that does not exist (404).
 */
export class AllowedMethods {
  readonly #paths = new Map<string, { pattern: RegExp; methods: Set<string> }>();

  add(url: string, methods: string | readonly string[]): void {
    let entry = this.#paths.get(url);
    if (entry === undefined) {
      entry = { pattern: patternOf(url), methods: new Set() };
      this.#paths.set(url, entry);
    }
    for (const method of typeof methods === 'string' ? [methods] : methods) entry.methods.add(method.toUpperCase());
  }

  /** The methods some route takes at `path` (without its query), sorted; empty when none. */
  for(path: string): string[] {
    const methods = new Set<string>();
    for (const { pattern, methods: taken } of this.#paths.values()) {
      if (pattern.test(path)) for (const method of taken) methods.add(method);
    }
    return [...methods].sort();
  }
}

function patternOf(url: string): RegExp {
  const parts = url.split('/').map((segment) => {
    if (segment === '*') return '.*';
    if (segment.startsWith(':')) return '[^/]+';
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  // The router ignores a trailing slash.
  return new RegExp(`^${parts.join('/').replace(/\/$/, '')}/?$`);
}
