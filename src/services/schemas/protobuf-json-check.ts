import protobuf from 'protobufjs';

/** `null` when the message's JSON is valid, else the first problem in protobufjs `verify()`'s words (`"field.inner: string expected"`). */
export type ProtobufJsonCheck = (data: object) => string | null;

/**
 * Canonical forms are read down to this depth, no deeper (a recursive message type could
 * otherwise be walked without end); below it a value must be in protobufjs' own form.
 */
const canonicalDepth = 64;

/**
 * A checker for a message in proto3's canonical JSON mapping that reads each event where it
 * lies, without copying it: enums by name or number, 64-bit integers as decimal strings or
 * numbers. Every other rule and every answer is protobufjs `verify()`'s (the first problem,
 * in the order fields are declared; unknown fields ignored), so it answers as `verify()`
 * would on the event with those canonical forms turned into numbers. One function is
 * generated per message type reachable from `message`, like protobufjs' own verifier, since
 * straight-line code per field is what makes checking cost about as much as the library's.
 *
 * @example compileProtobufJsonCheck(root.lookupType('shop.Order'))({ id: 'o-1', status: 'PAID' }) // null
 */
export function compileProtobufJsonCheck(message: protobuf.Type): ProtobufJsonCheck {
  const types = reachableTypes(message);
  const enums = new Map<protobuf.Enum, number>();
  const enumIndex = (type: protobuf.Enum): number => {
    const known = enums.get(type);
    if (known !== undefined) return known;
    enums.set(type, enums.size);
    return enums.size - 1;
  };
  const functions = [...types.keys()].map((type) => messageFunction(type, types, enumIndex));
  const source = [
    '"use strict";',
    ...[...enums.values()].map((i) => `const names${i} = enumNames[${i}], numbers${i} = enumNumbers[${i}];`),
    ...functions,
    'return t0;',
  ].join('\n');
  // Generated from the reflection only: names and messages enter the source as JSON string literals.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function('enumNames', 'enumNumbers', 'keyPatterns', 'isDecimalInteger', source) as (
    names: readonly ReadonlySet<string>[],
    numbers: readonly ReadonlySet<number>[],
    keys: KeyPatterns,
    decimal: (text: string) => boolean,
  ) => (data: object, depth: number, canonical: boolean) => string | null;
  const root = factory(
    [...enums.keys()].map((type) => new Set(Object.keys(type.values))),
    [...enums.keys()].map((type) => new Set(Object.values(type.values))),
    keyPatterns,
    isDecimalInteger,
  );
  return (data) => root(data, 0, true);
}

interface KeyPatterns {
  int32: RegExp;
  int64: RegExp;
  bool: RegExp;
}

const keyPatterns: KeyPatterns = { int32: protobuf.util.key32Re, int64: protobuf.util.key64Re, bool: protobuf.util.key2Re };

/** What a decimal string of a 64-bit field reads as: digits, optionally signed, that make a finite number. */
function isDecimalInteger(text: string): boolean {
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  if (i === text.length) return false;
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  // Up to 299 digits is always a finite number (Number.MAX_VALUE has 309); longer ones may round to Infinity.
  return text.length < 300 || Number.isFinite(Number(text));
}

/** `message` (numbered 0), then every message type its fields lead to, each numbered once. */
function reachableTypes(message: protobuf.Type): Map<protobuf.Type, number> {
  const types = new Map([[message, 0]]);
  for (const type of types.keys()) {
    for (const field of type.fieldsArray) {
      const resolved = field.resolve().resolvedType;
      if (resolved instanceof protobuf.Type && !types.has(resolved)) types.set(resolved, types.size);
    }
  }
  return types;
}

const int32Types = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const int64Types = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/**
 * `function t<index>(m, q, c)`: `m` the value, `q` its depth, `c` whether canonical forms
 * are read there (not below `canonicalDepth`, nor in an array standing for a message or a
 * map, whose contents protobufjs reads as they are).
 */
function messageFunction(type: protobuf.Type, types: ReadonlyMap<protobuf.Type, number>, enumIndex: (type: protobuf.Enum) => number): string {
  const lines = [
    `function t${types.get(type)!}(m, q, c) {`,
    'if (typeof m !== "object" || m === null) return "object expected";',
    `if (q > ${Number(protobuf.util.recursionLimit)}) return "max depth exceeded";`,
    `if (c && (q > ${canonicalDepth} || Array.isArray(m))) c = false;`,
    'let x;',
  ];
  const oneofs = type.oneofsArray;
  oneofs.forEach((_, i) => lines.push(`let o${i} = false;`));
  const seenOneofs = new Set<protobuf.OneOf>();
  for (const field of type.fieldsArray) {
    const name = JSON.stringify(field.name);
    lines.push(`x = m[${name}];`);
    // Object.prototype.hasOwnProperty.call, not Object.hasOwn: V8 optimises the former better here (~20% of the whole check, measured).
    if (field.optional) lines.push(`if (x != null && Object.prototype.hasOwnProperty.call(m, ${name})) {`);
    if (field.map) {
      lines.push(
        `if (!(x && typeof x === "object")) return ${problem(field, 'object')};`,
        '{',
        'const cv = c && !Array.isArray(x);',
        // for-in visits own keys in Object.keys' order, without an array of keys per map.
        'for (const k in x) {',
        'if (!Object.prototype.hasOwnProperty.call(x, k)) continue;',
        ...keyCheck(field, 'k'),
        ...valueCheck(field, 'x[k]', 'cv', types, enumIndex),
        '}',
        '}',
      );
    } else if (field.repeated) {
      lines.push(
        `if (!Array.isArray(x)) return ${problem(field, 'array')};`,
        'for (let i = 0; i < x.length; i++) {',
        ...valueCheck(field, 'x[i]', 'c', types, enumIndex),
        '}',
      );
    } else {
      const oneof = field.partOf;
      if (oneof !== null) {
        const slot = `o${oneofs.indexOf(oneof)}`;
        if (seenOneofs.has(oneof)) lines.push(`if (${slot}) return ${JSON.stringify(`${oneof.name}: multiple values`)};`);
        seenOneofs.add(oneof);
        lines.push(`${slot} = true;`);
      }
      lines.push(...valueCheck(field, 'x', 'c', types, enumIndex));
    }
    if (field.optional) lines.push('}');
  }
  lines.push('return null;', '}');
  return lines.join('\n');
}

/** The JavaScript that returns the problem when the value `ref` does not fit `field`. */
function valueCheck(
  field: protobuf.Field,
  ref: string,
  canonical: string,
  types: ReadonlyMap<protobuf.Type, number>,
  enumIndex: (type: protobuf.Enum) => number,
): string[] {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    const prefix = JSON.stringify(`${field.name}.`);
    return [`{ const e = t${types.get(resolved)!}(${ref}, q + 1, ${canonical}); if (e !== null) return ${prefix} + e; }`];
  }
  if (resolved instanceof protobuf.Enum) {
    const i = enumIndex(resolved);
    // An enum's name is read only where canonical forms are; a number must be a declared one
    // for a closed enum (proto2), any int32 for an open one (proto3).
    const number = isClosed(resolved) ? `!numbers${i}.has(v)` : '(typeof v !== "number" || (v | 0) !== v)';
    return [`{ const v = ${ref}; if (typeof v === "string" ? !(${canonical} && names${i}.has(v)) : ${number}) return ${problem(field, 'enum value')}; }`];
  }
  const type = field.type;
  if (int32Types.has(type)) return [`if (!Number.isInteger(${ref})) return ${problem(field, 'integer')};`];
  if (int64Types.has(type)) {
    return [
      `{ const v = ${ref}; if (typeof v === "string" ? !(${canonical} && isDecimalInteger(v)) : !Number.isInteger(v) && !(v && Number.isInteger(v.low) && Number.isInteger(v.high))) return ${problem(field, 'integer|Long')}; }`,
    ];
  }
  if (type === 'float' || type === 'double') return [`if (typeof ${ref} !== "number") return ${problem(field, 'number')};`];
  if (type === 'bool') return [`if (typeof ${ref} !== "boolean") return ${problem(field, 'boolean')};`];
  if (type === 'string') return [`{ const v = ${ref}; if (typeof v !== "string" && !(v instanceof String)) return ${problem(field, 'string')}; }`];
  if (type === 'bytes') {
    return [
      `{ const v = ${ref}; if (!(v && typeof v.length === "number" || typeof v === "string" || v instanceof String)) return ${problem(field, 'buffer')}; }`,
    ];
  }
  return [];
}

/** Map keys arrive as JSON property names: integer and bool keys must read as such. */
function keyCheck(field: protobuf.Field, ref: string): string[] {
  const keyType = field instanceof protobuf.MapField ? field.keyType : undefined;
  if (keyType === undefined) return [];
  if (int32Types.has(keyType)) return [`if (!keyPatterns.int32.test(${ref})) return ${problem(field, 'integer key')};`];
  if (int64Types.has(keyType)) return [`if (!keyPatterns.int64.test(${ref})) return ${problem(field, 'integer|Long key')};`];
  if (keyType === 'bool') return [`if (!keyPatterns.bool.test(${ref})) return ${problem(field, 'boolean key')};`];
  return [];
}

/** protobufjs' wording, as a JavaScript string literal: `"tags: string[] expected"`. */
function problem(field: protobuf.Field, expected: string): string {
  const keyType = field instanceof protobuf.MapField ? field.keyType : '';
  const suffix = field.repeated && expected !== 'array' ? '[]' : field.map && expected !== 'object' ? `{k:${keyType}}` : '';
  return JSON.stringify(`${field.name}: ${expected}${suffix} expected`);
}

/** protobufjs reads an enum's openness from its resolved features (proto2 enums are closed). */
function isClosed(type: protobuf.Enum): boolean {
  return (type as unknown as { _features?: { enum_type?: unknown } })._features?.enum_type === 'CLOSED';
}
