/**
 * The content-pattern language as users write it (JSON), and the checked form the
 * validator hands to the compiler. docs/patterns.md describes the language.
 */

/** A value a pattern can compare with exactly. */
export type Scalar = string | number | boolean | null;

/** One entry in a leaf's list of matchers; the leaf matches when any entry matches. */
export type Matcher =
  | Scalar
  | { prefix: string | { 'equals-ignore-case': string } }
  | { suffix: string | { 'equals-ignore-case': string } }
  | { 'equals-ignore-case': string }
  | { wildcard: string }
  | {
      'anything-but':
        Scalar | readonly Scalar[] | { prefix: string } | { suffix: string } | { wildcard: string } | { 'equals-ignore-case': string | readonly string[] };
    }
  | { numeric: readonly (string | number)[] }
  | { exists: boolean }
  | { cidr: string };

/**
 * A pattern mirrors the shape of what it matches: a field maps to a list of matchers (a
 * leaf) or to a nested pattern; `$or` maps to a list of alternative patterns.
 *
 * @example { type: ['order.placed'], data: { total: [{ numeric: ['>', 100] }] } }
 */
export interface Pattern {
  readonly [field: string]: Pattern | readonly Matcher[] | readonly Pattern[];
}

/** A pattern that has been validated once and compiled into a matcher. */
export type CompiledPattern = (value: unknown) => boolean;

// The checked form: what `parsePattern` returns and `compilePattern` compiles.

export interface ObjectNode {
  kind: 'object';
  fields: FieldNode[];
  /** The `$or` alternatives; at least one must match when present. */
  or: ObjectNode[] | undefined;
}

export interface FieldNode {
  key: string;
  node: ObjectNode | LeafNode;
}

export interface LeafNode {
  kind: 'leaf';
  matchers: LeafMatcher[];
}

export interface Bound {
  value: number;
  inclusive: boolean;
}

/** A CIDR block as the inclusive range of addresses it covers. */
export type CidrRange = { family: 4; first: number; last: number } | { family: 6; first: bigint; last: bigint };

export type LeafMatcher =
  | { kind: 'exact'; value: Scalar }
  | { kind: 'prefix'; value: string; ignoreCase: boolean }
  | { kind: 'suffix'; value: string; ignoreCase: boolean }
  | { kind: 'equals-ignore-case'; value: string }
  | { kind: 'wildcard'; segments: string[] }
  | { kind: 'anything-but'; not: AnythingBut }
  | { kind: 'numeric'; lower: Bound | undefined; upper: Bound | undefined }
  | { kind: 'exists'; value: boolean }
  | { kind: 'cidr'; range: CidrRange };

export type AnythingBut =
  | { kind: 'values'; values: Scalar[] }
  | { kind: 'prefix'; value: string }
  | { kind: 'suffix'; value: string }
  | { kind: 'wildcard'; segments: string[] }
  | { kind: 'equals-ignore-case'; values: string[] };
