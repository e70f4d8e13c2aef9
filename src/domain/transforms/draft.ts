import { child, describeType, type FieldPath, missing, prefixPointer } from './paths.ts';

/** Why a step could not apply to one event: the field (a JSON pointer into `data`) and why. */
export interface StepFailure {
  path: string;
  reason: string;
}

type Container = Record<string, unknown> | unknown[];

const ownedListLimit = 16;

/**
 * One event on its way through the steps, copied on write: an object or array is
 * shallow-copied the first time a step writes inside it, and the copy is marked as
 * owned so later steps write into it directly. The caller's input is never mutated, and
 * the output shares every untouched subtree with it (measured in docs/pipelines.md: for
 * ~300-byte events this costs about a third of one `structuredClone` per event).
 */
export class Draft {
  root: unknown;
  // Most events own a handful of containers: a short list is cheaper than a Set until it grows.
  private owned: object[] | Set<object> | undefined;
  private nowText: string | undefined;
  private readonly clock: () => string;

  constructor(root: unknown, clock: () => string) {
    this.root = root;
    this.clock = clock;
  }

  /** The clock read once per event, so every `{now: true}` in one event agrees. */
  now(): string {
    this.nowText ??= this.clock();
    return this.nowText;
  }

  /** Marks a container this event built itself, so it is written in place. */
  adopt<T extends object>(value: T): T {
    const owned = (this.owned ??= []);
    if (Array.isArray(owned)) {
      owned.push(value);
      if (owned.length > ownedListLimit) this.owned = new Set(owned);
    } else owned.add(value);
    return value;
  }

  private writable(container: Container): Container {
    const owned = this.owned;
    if (owned !== undefined && (Array.isArray(owned) ? owned.includes(container) : owned.has(container))) return container;
    return this.adopt(Array.isArray(container) ? container.slice() : { ...container });
  }

  /**
   * Writes `value` at `path`, creating missing parent objects.
   * Fails when a parent is not an object (or is an array the index does not fit).
   */
  set(path: FieldPath, value: unknown): StepFailure | undefined {
    if (!isContainer(this.root)) return notAnObject(path, this.root);
    let container = this.writable(this.root);
    this.root = container;
    const last = path.segments.length - 1;
    for (let i = 0; i < last; i++) {
      const next = child(container, path, i);
      let owned: Container;
      if (next === missing) {
        if (Array.isArray(container)) return arrayMiss(path, i);
        owned = this.adopt({});
      } else if (isContainer(next)) {
        owned = this.writable(next);
      } else {
        return { path: path.pointer, reason: `cannot write inside ${prefixPointer(path, i + 1)}: it is ${describeType(next)}` };
      }
      if (owned !== next) put(container, path, i, owned);
      container = owned;
    }
    if (Array.isArray(container)) {
      const index = path.indexes[last];
      // An index may replace a member or append right after the last one; no holes.
      if (index === undefined || index > container.length) return arrayMiss(path, last);
    }
    put(container, path, last, value);
    return undefined;
  }

  /** Replaces the value of a field that `readPath` has just found. */
  replace(path: FieldPath, value: unknown): void {
    put(this.parentForWrite(path), path, path.segments.length - 1, value);
  }

  /** Removes a field that `readPath` has just found (an array member is spliced out). */
  delete(path: FieldPath): void {
    const last = path.segments.length - 1;
    if (last === 0) {
      this.root = this.without(this.root as Container, path, 0);
      return;
    }
    const grandparent = this.parentForWrite(path, last - 1);
    put(grandparent, path, last - 1, this.without(child(grandparent, path, last - 1) as Container, path, last));
  }

  /**
   * A writable container without segment `i` of `path`. An object is copied without the
   * field rather than `delete`d: V8 turns an object that loses a property other than its
   * newest into a slow dictionary, and every later step and the final JSON pay for that.
   */
  private without(container: Container, path: FieldPath, i: number): Container {
    if (Array.isArray(container)) {
      const owned = this.writable(container) as unknown[];
      owned.splice(path.indexes[i]!, 1);
      return owned;
    }
    const removed = path.segments[i]!;
    const copy: Record<string, unknown> = {};
    for (const name in container) {
      if (name === removed || !Object.hasOwn(container, name)) continue;
      // JSON may hold an own "__proto__" field; assigning it would set the prototype instead.
      if (name === '__proto__') Object.defineProperty(copy, name, { value: container[name], writable: true, enumerable: true, configurable: true });
      else copy[name] = container[name];
    }
    return this.adopt(copy);
  }

  /** Copies the chain of containers down to depth `depth` (the field's parent by default); the field must exist. */
  private parentForWrite(path: FieldPath, depth = path.segments.length - 1): Container {
    let container = this.writable(this.root as Container);
    this.root = container;
    for (let i = 0; i < depth; i++) {
      const next = child(container, path, i) as Container;
      const owned = this.writable(next);
      if (owned !== next) put(container, path, i, owned);
      container = owned;
    }
    return container;
  }
}

function put(container: Container, path: FieldPath, i: number, value: unknown): void {
  if (Array.isArray(container)) container[path.indexes[i]!] = value;
  // Segments were checked at compile time: none can reach a prototype.
  else container[path.segments[i]!] = value;
}

export function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

export function notAnObject(path: FieldPath, root: unknown): StepFailure {
  return { path: path.pointer, reason: `cannot reach ${path.pointer}: the event data is ${describeType(root)}, not an object` };
}

function arrayMiss(path: FieldPath, i: number): StepFailure {
  const index = path.indexes[i];
  return {
    path: path.pointer,
    reason:
      index === undefined
        ? `cannot write inside ${prefixPointer(path, i)}: it is an array and "${path.segments[i]}" is not an index`
        : `cannot write inside ${prefixPointer(path, i)}: index ${index} is past the end of the array`,
  };
}
