import { SluiceError } from '../errors.ts';

/**
 * Avro schemas as the resolution rules see them: named references are resolved to the one
 * node that defines the name, so a recursive type is a cycle of the same objects.
 */
export type AvroPrimitive = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

export type AvroNode =
  | { type: AvroPrimitive }
  | { type: 'array'; items: AvroNode }
  | { type: 'map'; values: AvroNode }
  | { type: 'union'; branches: AvroNode[] }
  | AvroFixed
  | AvroEnum
  | AvroRecord;

interface Named {
  /** The unqualified name; Avro's Java checker compares these. */
  name: string;
  fullName: string;
  /** Full names. */
  aliases: string[];
}

export interface AvroFixed extends Named {
  type: 'fixed';
  size: number;
}

export interface AvroEnum extends Named {
  type: 'enum';
  symbols: string[];
  default: string | undefined;
}

export interface AvroRecord extends Named {
  type: 'record';
  fields: AvroField[];
}

export interface AvroField {
  name: string;
  aliases: string[];
  type: AvroNode;
  hasDefault: boolean;
}

const primitives = new Set<string>(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const nameRule = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses an Avro schema as Avro accepts it in JSON: primitive names, `{"type": ...}` objects,
 * records (also `"error"`), enums, fixed, arrays, maps, unions, named references, namespaces
 * and aliases. Logical types are read as their underlying type, as the resolution rules do.
 *
 * @example parseAvro({ type: 'record', name: 'User', fields: [{ name: 'id', type: 'long' }] })
 */
export function parseAvro(raw: unknown): AvroNode {
  const names = new Map<string, AvroNode>();
  return parseNode(raw, '', '', names);
}

function invalid(path: string, reason: string): never {
  throw new SluiceError('invalid_schema', `Not a valid Avro schema: ${reason} at ${path || '/'}`, {
    details: [{ path: path || '/', reason }],
  });
}

function parseNode(raw: unknown, namespace: string, path: string, names: Map<string, AvroNode>): AvroNode {
  if (typeof raw === 'string') return reference(raw, namespace, path, names);
  if (Array.isArray(raw)) {
    const branches = raw.map((branch, i) => parseNode(branch, namespace, `${path}/${i}`, names));
    if (branches.some((branch) => branch.type === 'union')) invalid(path, 'a union may not contain a union');
    return { type: 'union', branches };
  }
  if (typeof raw !== 'object' || raw === null) invalid(path, 'expected a type name, an object or a union array');
  const schema = raw as Record<string, unknown>;
  const type = schema.type;
  // `{"type": {...}}` or `{"type": [...]}`: the object only wraps the real schema.
  if (typeof type !== 'string') return parseNode(type, namespace, `${path}/type`, names);
  switch (type) {
    case 'array':
      return { type: 'array', items: parseNode(schema.items, namespace, `${path}/items`, names) };
    case 'map':
      return { type: 'map', values: parseNode(schema.values, namespace, `${path}/values`, names) };
    case 'record':
    case 'error':
      return parseRecord(schema, namespace, path, names);
    case 'enum':
      return parseEnum(schema, namespace, path, names);
    case 'fixed':
      return parseFixed(schema, namespace, path, names);
    default:
      if (primitives.has(type)) return { type: type as AvroPrimitive };
      return reference(type, namespace, path, names);
  }
}

function reference(name: string, namespace: string, path: string, names: Map<string, AvroNode>): AvroNode {
  if (primitives.has(name)) return { type: name as AvroPrimitive };
  const found = names.get(name.includes('.') ? name : qualify(name, namespace)) ?? names.get(name);
  if (found === undefined) invalid(path, `unknown type "${name}" (define a named type before using it)`);
  return found;
}

function qualify(name: string, namespace: string): string {
  return name.includes('.') || namespace === '' ? name : `${namespace}.${name}`;
}

interface NameInfo {
  named: Named;
  /** The namespace the type's own members resolve names in. */
  namespace: string;
}

function nameOf(schema: Record<string, unknown>, namespace: string, path: string): NameInfo {
  const name = schema.name;
  if (typeof name !== 'string' || name === '') invalid(`${path}/name`, 'a named type needs a "name"');
  let space = namespace;
  if (typeof schema.namespace === 'string') space = schema.namespace;
  const fullName = name.includes('.') ? name : qualify(name, space);
  const dot = fullName.lastIndexOf('.');
  const short = dot < 0 ? fullName : fullName.slice(dot + 1);
  const ownSpace = dot < 0 ? '' : fullName.slice(0, dot);
  if (!nameRule.test(short)) invalid(`${path}/name`, `"${name}" is not a valid Avro name`);
  const aliases = stringList(schema.aliases, `${path}/aliases`).map((alias) => qualify(alias, ownSpace));
  return { named: { name: short, fullName, aliases }, namespace: ownSpace };
}

function define(names: Map<string, AvroNode>, node: AvroNode & Named, path: string): void {
  if (primitives.has(node.fullName)) invalid(`${path}/name`, `"${node.fullName}" is a primitive type name`);
  if (names.has(node.fullName)) invalid(`${path}/name`, `"${node.fullName}" is defined twice`);
  names.set(node.fullName, node);
}

function parseRecord(schema: Record<string, unknown>, namespace: string, path: string, names: Map<string, AvroNode>): AvroRecord {
  const { named, namespace: space } = nameOf(schema, namespace, path);
  const record: AvroRecord = { type: 'record', ...named, fields: [] };
  // Defined before its fields are read, so a field may refer to the record itself.
  define(names, record, path);
  if (!Array.isArray(schema.fields)) invalid(`${path}/fields`, 'a record needs a "fields" array');
  const seen = new Set<string>();
  schema.fields.forEach((rawField: unknown, i) => {
    const fieldPath = `${path}/fields/${i}`;
    if (typeof rawField !== 'object' || rawField === null || Array.isArray(rawField)) invalid(fieldPath, 'a field must be an object');
    const field = rawField as Record<string, unknown>;
    const name = field.name;
    if (typeof name !== 'string' || !nameRule.test(name)) invalid(`${fieldPath}/name`, 'a field needs a valid "name"');
    if (seen.has(name)) invalid(`${fieldPath}/name`, `field "${name}" is declared twice`);
    seen.add(name);
    if (!('type' in field)) invalid(fieldPath, `field "${name}" needs a "type"`);
    record.fields.push({
      name,
      aliases: stringList(field.aliases, `${fieldPath}/aliases`),
      type: parseNode(field.type, space, `${fieldPath}/type`, names),
      hasDefault: Object.hasOwn(field, 'default'),
    });
  });
  return record;
}

function parseEnum(schema: Record<string, unknown>, namespace: string, path: string, names: Map<string, AvroNode>): AvroEnum {
  const { named } = nameOf(schema, namespace, path);
  const symbols = stringList(schema.symbols, `${path}/symbols`);
  if (!Array.isArray(schema.symbols)) invalid(`${path}/symbols`, 'an enum needs a "symbols" array');
  const fallback = schema.default;
  if (fallback !== undefined && (typeof fallback !== 'string' || !symbols.includes(fallback))) {
    invalid(`${path}/default`, 'an enum default must be one of its symbols');
  }
  const node: AvroEnum = { type: 'enum', ...named, symbols, default: fallback };
  define(names, node, path);
  return node;
}

function parseFixed(schema: Record<string, unknown>, namespace: string, path: string, names: Map<string, AvroNode>): AvroFixed {
  const { named } = nameOf(schema, namespace, path);
  const size = schema.size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) invalid(`${path}/size`, 'a fixed type needs a non-negative integer "size"');
  const node: AvroFixed = { type: 'fixed', ...named, size };
  define(names, node, path);
  return node;
}

function stringList(value: unknown, path: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) invalid(path, 'expected an array of strings');
  return value;
}

/** A short name for a type in messages: `int`, `array`, or a named type's full name. */
export function describeAvro(node: AvroNode): string {
  if (node.type === 'record' || node.type === 'enum' || node.type === 'fixed') return `${node.type} ${node.fullName}`;
  if (node.type === 'union') return `union [${node.branches.map(describeAvro).join(', ')}]`;
  if (node.type === 'array') return `array of ${describeAvro(node.items)}`;
  if (node.type === 'map') return `map of ${describeAvro(node.values)}`;
  return node.type;
}
