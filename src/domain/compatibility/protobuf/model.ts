import { SluiceError } from '../../errors.ts';

/**
 * A .proto file as its protobufjs JSON descriptor (`protobuf.parse(text).root.toJSON()`):
 * the package is the chain of namespaces at the top, types are keyed by their name within
 * the package (`Order`, `Order.Item`), and field types are resolved the way protoc scopes them.
 */
export interface ProtoFile {
  packageName: string;
  types: TypeSet;
  /** Every message and enum by full name (`shop.Order.Item`). */
  byFullName: Map<string, ProtoMessage | ProtoEnum>;
}

export interface TypeSet {
  messages: ProtoMessage[];
  enums: ProtoEnum[];
}

export interface Reserved {
  ranges: [number, number][];
  names: string[];
}

export interface ProtoMessage {
  kind: 'message';
  name: string;
  fullName: string;
  /** Fields outside any oneof. */
  fields: ProtoField[];
  oneofs: { name: string; fields: ProtoField[] }[];
  nested: TypeSet;
  reserved: Reserved;
}

export interface ProtoEnum {
  kind: 'enum';
  name: string;
  fullName: string;
  values: { name: string; number: number }[];
  reserved: Reserved;
}

export interface ProtoField {
  name: string;
  number: number;
  /** As written: `int32`, `Item`, `.shop.Order.Item`; for a map, the value type. */
  type: string;
  /** Set for map fields. */
  keyType: string | undefined;
  repeated: boolean;
  required: boolean;
  /** Full name of the message the field is declared in, where its type name is resolved. */
  scope: string;
}

type Json = Record<string, unknown>;

/**
 * @example parseProtoFile(protobuf.parse('syntax = "proto3"; message A { int32 id = 1; }').root.toJSON())
 */
export function parseProtoFile(raw: unknown): ProtoFile {
  if (!isObject(raw)) invalid('', 'expected a protobufjs JSON descriptor ({"nested": {...}})');
  const packageParts: string[] = [];
  let level: Json = raw;
  // `package a.b;` becomes nested namespaces a -> b that hold the file's types.
  for (;;) {
    const nested = level.nested;
    if (!isObject(nested)) break;
    const keys = Object.keys(nested);
    const only = keys.length === 1 ? nested[keys[0] as string] : undefined;
    if (!isObject(only) || !isNamespace(only)) break;
    packageParts.push(keys[0] as string);
    level = only;
  }
  const packageName = packageParts.join('.');
  const byFullName = new Map<string, ProtoMessage | ProtoEnum>();
  const types = readTypes(level.nested, packageName, '', `/${packageParts.map((part) => `nested/${part}/`).join('')}nested`, byFullName);
  return { packageName, types, byFullName };
}

function readTypes(nested: unknown, scope: string, localPrefix: string, path: string, index: Map<string, ProtoMessage | ProtoEnum>): TypeSet {
  const set: TypeSet = { messages: [], enums: [] };
  if (nested === undefined) return set;
  if (!isObject(nested)) invalid(path, '"nested" must be an object');
  for (const [name, value] of Object.entries(nested)) {
    const at = `${path}/${name}`;
    if (!isObject(value)) invalid(at, 'expected a message, enum, service or namespace');
    const fullName = scope === '' ? name : `${scope}.${name}`;
    const localName = localPrefix === '' ? name : `${localPrefix}.${name}`;
    if (isObject(value.fields)) {
      const message = readMessage(value, localName, fullName, at, index);
      set.messages.push(message);
    } else if (isObject(value.values)) {
      const values = Object.entries(value.values).map(([symbol, number]) => {
        if (typeof number !== 'number' || !Number.isInteger(number)) invalid(`${at}/values/${symbol}`, 'an enum value is an integer');
        return { name: symbol, number };
      });
      const enumType: ProtoEnum = { kind: 'enum', name: localName, fullName, values, reserved: readReserved(value.reserved, `${at}/reserved`) };
      index.set(fullName, enumType);
      set.enums.push(enumType);
    } else if (isNamespace(value)) {
      // A namespace below the package: its types count as types of the file, named through it.
      const inner = readTypes(value.nested, fullName, localName, `${at}/nested`, index);
      set.messages.push(...inner.messages);
      set.enums.push(...inner.enums);
    }
    // Services (`methods`) and extension fields (`extend`) carry no data shape here.
  }
  return set;
}

function readMessage(value: Json, localName: string, fullName: string, path: string, index: Map<string, ProtoMessage | ProtoEnum>): ProtoMessage {
  const all = new Map<string, ProtoField>();
  for (const [name, rawField] of Object.entries(value.fields as Json)) {
    const at = `${path}/fields/${name}`;
    if (!isObject(rawField) || typeof rawField.id !== 'number' || !Number.isInteger(rawField.id) || typeof rawField.type !== 'string') {
      invalid(at, 'a field needs an integer "id" and a "type"');
    }
    all.set(name, {
      name,
      number: rawField.id,
      type: rawField.type,
      keyType: typeof rawField.keyType === 'string' ? rawField.keyType : undefined,
      repeated: rawField.rule === 'repeated',
      required: rawField.rule === 'required',
      scope: fullName,
    });
  }
  const oneofs: ProtoMessage['oneofs'] = [];
  const inOneof = new Set<string>();
  for (const [name, rawOneof] of Object.entries(isObject(value.oneofs) ? value.oneofs : {})) {
    const members = isObject(rawOneof) && Array.isArray(rawOneof.oneof) ? rawOneof.oneof.filter((item): item is string => typeof item === 'string') : [];
    const fields = members.flatMap((member) => all.get(member) ?? []);
    // proto3 `optional` is a synthetic oneof of one field; it is not a oneof for compatibility.
    const synthetic = members.every((member) => {
      const options = (value.fields as Json)[member];
      return isObject(options) && isObject(options.options) && options.options.proto3_optional === true;
    });
    if (synthetic) continue;
    for (const member of members) inOneof.add(member);
    oneofs.push({ name, fields });
  }
  const message: ProtoMessage = {
    kind: 'message',
    name: localName,
    fullName,
    fields: [...all.values()].filter((field) => !inOneof.has(field.name)),
    oneofs,
    nested: { messages: [], enums: [] },
    reserved: readReserved(value.reserved, `${path}/reserved`),
  };
  index.set(fullName, message);
  message.nested = readTypes(value.nested, fullName, localName, `${path}/nested`, index);
  return message;
}

function readReserved(value: unknown, path: string): Reserved {
  const reserved: Reserved = { ranges: [], names: [] };
  if (value === undefined) return reserved;
  if (!Array.isArray(value)) invalid(path, '"reserved" must be an array');
  for (const item of value) {
    if (typeof item === 'string') reserved.names.push(item);
    else if (Array.isArray(item) && typeof item[0] === 'number' && typeof item[1] === 'number') reserved.ranges.push([item[0], item[1]]);
    else invalid(path, 'reserved entries are names or [from, to] ranges');
  }
  return reserved;
}

/** The message or enum a field's type names, searched from the field's scope outwards. */
export function resolveType(file: ProtoFile, type: string, scope: string): ProtoMessage | ProtoEnum | undefined {
  if (type.startsWith('.')) return file.byFullName.get(type.slice(1));
  const parts = scope === '' ? [] : scope.split('.');
  for (let i = parts.length; i >= 0; i--) {
    const found = file.byFullName.get([...parts.slice(0, i), type].join('.'));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A type's name within its file's package. */
export function localName(file: ProtoFile, fullName: string): string {
  return file.packageName !== '' && fullName.startsWith(`${file.packageName}.`) ? fullName.slice(file.packageName.length + 1) : fullName;
}

export function isReserved(reserved: Reserved, number: number): boolean {
  return reserved.ranges.some(([from, to]) => number >= from && number <= to);
}

function isNamespace(value: Json): boolean {
  return !('fields' in value) && !('values' in value) && !('methods' in value) && !('extend' in value);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(path: string, reason: string): never {
  throw new SluiceError('invalid_schema', `Not a valid Protobuf descriptor: ${reason} at ${path || '/'}`, {
    details: [{ path: path || '/', reason }],
  });
}
