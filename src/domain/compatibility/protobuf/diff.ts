import { localName, resolveType } from './model.ts';
import type { ProtoField, ProtoFile, ProtoMessage, TypeSet } from './model.ts';

/**
 * Confluent's Protobuf diff between an original file (the writer) and an updated one (the
 * reader). Field numbers are the identity of fields; differences carry Confluent's names.
 */
export interface ProtoDiff {
  path: string[];
  kind: string;
  detail: ProtoDetail;
}

export interface ProtoDetail {
  field?: string;
  number?: number;
  was?: string;
  now?: string;
  name?: string;
}

export const compatibleProtoKinds: ReadonlySet<string> = new Set([
  'PACKAGE_CHANGED',
  'MESSAGE_ADDED',
  'MESSAGE_MOVED',
  'ENUM_ADDED',
  'ENUM_REMOVED',
  'ENUM_CONST_ADDED',
  'ENUM_CONST_CHANGED',
  'ENUM_CONST_REMOVED',
  'FIELD_ADDED',
  'FIELD_REMOVED',
  'FIELD_NAME_CHANGED',
  'FIELD_STRING_OR_BYTES_LABEL_CHANGED',
  'ONEOF_ADDED',
  'ONEOF_REMOVED',
  'ONEOF_FIELD_ADDED',
]);

const scalarGroups: Record<string, string> = {
  int32: 'varint',
  int64: 'varint',
  uint32: 'varint',
  uint64: 'varint',
  bool: 'varint',
  sint32: 'zigzag',
  sint64: 'zigzag',
  string: 'length-delimited',
  bytes: 'length-delimited',
  fixed32: 'fixed32',
  sfixed32: 'fixed32',
  fixed64: 'fixed64',
  sfixed64: 'fixed64',
  float: 'float',
  double: 'double',
};

/** One side of a field's type: the field itself, or a map's key or value. */
interface TypeRef {
  type: string;
  keyType: string | undefined;
  scope: string;
}

/**
 * @example new ProtobufDiff(oldFile, newFile).run() // [{ path: ['Order', '2'], kind: 'FIELD_KIND_CHANGED', ... }]
 */
export class ProtobufDiff {
  private readonly original: ProtoFile;
  private readonly update: ProtoFile;
  // Message pairs already compared (their differences have absolute paths), and those being
  // compared now: a recursive message type meets itself and is not compared twice.
  private readonly memo = new Map<ProtoMessage, Map<ProtoMessage, ProtoDiff[]>>();
  private readonly inProgress = new Map<ProtoMessage, Set<ProtoMessage>>();

  constructor(original: ProtoFile, update: ProtoFile) {
    this.original = original;
    this.update = update;
  }

  run(): ProtoDiff[] {
    const diffs: ProtoDiff[] = [];
    if (this.original.packageName !== this.update.packageName) {
      diffs.push(diff([], 'PACKAGE_CHANGED', { was: this.original.packageName, now: this.update.packageName }));
    }
    diffs.push(...this.compareTypes([], this.original.types, this.update.types));
    return diffs;
  }

  private compareTypes(path: string[], original: TypeSet, update: TypeSet): ProtoDiff[] {
    const diffs: ProtoDiff[] = [];
    const last = (name: string): string => name.slice(name.lastIndexOf('.') + 1);
    const names = unique([...original.messages, ...update.messages].map((message) => last(message.name)));
    for (const name of names) {
      const was = original.messages.find((message) => last(message.name) === name);
      const now = update.messages.find((message) => last(message.name) === name);
      const at = [...path, name];
      if (now === undefined) diffs.push(diff(at, 'MESSAGE_REMOVED', { name: was?.name ?? name }));
      else if (was === undefined) diffs.push(diff(at, 'MESSAGE_ADDED', { name: now.name }));
      else diffs.push(...this.compareMessage(at, was, now));
    }
    // Enum additions, removals and constant changes are all compatible in Confluent's rules:
    // an unknown enum number is kept as a number by proto3 readers.
    return diffs;
  }

  private compareMessage(path: string[], original: ProtoMessage, update: ProtoMessage): ProtoDiff[] {
    const cached = this.memo.get(original)?.get(update);
    if (cached !== undefined) return cached;
    const busy = this.inProgress.get(original) ?? new Set<ProtoMessage>();
    if (busy.has(update)) return [];
    busy.add(update);
    this.inProgress.set(original, busy);
    const diffs = [...this.compareFields(path, original, update), ...this.compareTypes(path, original.nested, update.nested)];
    busy.delete(update);
    const row = this.memo.get(original) ?? new Map<ProtoMessage, ProtoDiff[]>();
    row.set(update, diffs);
    this.memo.set(original, row);
    return diffs;
  }

  private compareFields(path: string[], original: ProtoMessage, update: ProtoMessage): ProtoDiff[] {
    const diffs: ProtoDiff[] = [];
    const originalTop = byNumber(original.fields);
    const updateTop = byNumber(update.fields);
    const originalAll = byNumber([...original.fields, ...original.oneofs.flatMap((oneof) => oneof.fields)]);
    const updateAll = byNumber([...update.fields, ...update.oneofs.flatMap((oneof) => oneof.fields)]);
    const originalOneofOf = oneofByNumber(original);
    const updateOneofOf = oneofByNumber(update);

    for (const oneof of update.oneofs) {
      let moved = 0;
      let existing = 0;
      for (const field of oneof.fields) {
        // A plain field moved into a oneof is no FIELD_REMOVED; it is checked below by number.
        if (originalTop.delete(field.number)) moved++;
        else if (originalOneofOf.has(field.number)) existing++;
      }
      const at = [...path, oneof.name];
      if (moved > 1) diffs.push(diff(at, 'MULTIPLE_FIELDS_MOVED_TO_ONEOF', { name: oneof.name }));
      else if (moved === 1 && existing > 0) diffs.push(diff(at, 'FIELD_MOVED_TO_EXISTING_ONEOF', { name: oneof.name }));
    }

    const oneofNames = unique([...original.oneofs, ...update.oneofs].map((oneof) => oneof.name));
    for (const name of oneofNames) {
      const was = original.oneofs.find((oneof) => oneof.name === name);
      const now = update.oneofs.find((oneof) => oneof.name === name);
      const at = [...path, name];
      if (now === undefined) diffs.push(diff(at, 'ONEOF_REMOVED', { name }));
      else if (was === undefined) diffs.push(diff(at, 'ONEOF_ADDED', { name }));
      else {
        const wasFields = byNumber(was.fields);
        const nowFields = byNumber(now.fields);
        for (const number of sortedUnion(wasFields, nowFields)) {
          const before = wasFields.get(number);
          const after = nowFields.get(number);
          const fieldPath = [...at, String(number)];
          // A member that left the oneof but lives on elsewhere in the message was moved, not removed.
          if (after === undefined && !updateAll.has(number)) diffs.push(diff(fieldPath, 'ONEOF_FIELD_REMOVED', fieldDetail(before, name)));
          else if (before === undefined && after !== undefined) diffs.push(diff(fieldPath, 'ONEOF_FIELD_ADDED', fieldDetail(after, name)));
          else if (before !== undefined && after !== undefined) diffs.push(...this.compareField(fieldPath, before, after));
        }
      }
    }

    for (const number of sortedUnion(originalTop, updateTop)) {
      const before = originalTop.get(number);
      const after = updateTop.get(number);
      const at = [...path, String(number)];
      if (after === undefined && before !== undefined) diffs.push(diff(at, before.required ? 'REQUIRED_FIELD_REMOVED' : 'FIELD_REMOVED', fieldDetail(before)));
      else if (before === undefined && after !== undefined) diffs.push(diff(at, after.required ? 'REQUIRED_FIELD_ADDED' : 'FIELD_ADDED', fieldDetail(after)));
      else if (before !== undefined && after !== undefined) diffs.push(...this.compareField(at, before, after));
    }

    // Fields whose oneof membership changed (into, out of, or between oneofs) still keep their types.
    for (const number of sortedUnion(originalAll, updateAll)) {
      const before = originalAll.get(number);
      const after = updateAll.get(number);
      if (before === undefined || after === undefined) continue;
      const was = originalOneofOf.get(number);
      const now = updateOneofOf.get(number);
      if (was === now) continue;
      diffs.push(...this.compareField([...path, String(number)], before, after));
    }
    return diffs;
  }

  private compareField(path: string[], original: ProtoField, update: ProtoField): ProtoDiff[] {
    const diffs: ProtoDiff[] = [];
    if (original.name !== update.name)
      diffs.push(diff(path, 'FIELD_NAME_CHANGED', { field: update.name, was: original.name, now: update.name, number: update.number }));
    diffs.push(...this.compareFieldTypes(path, original, update, { field: update.name, number: update.number }, true));
    return diffs;
  }

  /** Kind (scalar/enum, message, map), then scalar wire group, label or message type. */
  private compareFieldTypes(
    path: string[],
    original: TypeRef & Partial<ProtoField>,
    update: TypeRef & Partial<ProtoField>,
    detail: ProtoDetail,
    withLabels: boolean,
  ): ProtoDiff[] {
    const was = this.kind(this.original, original);
    const now = this.kind(this.update, update);
    const described = { ...detail, was: describeType(original), now: describeType(update) };
    if (was !== now) return [diff(path, 'FIELD_KIND_CHANGED', described)];
    if (was === 'map') {
      return [
        ...this.compareFieldTypes(
          path,
          { type: original.keyType ?? '', keyType: undefined, scope: original.scope },
          { type: update.keyType ?? '', keyType: undefined, scope: update.scope },
          detail,
          false,
        ),
        ...this.compareFieldTypes(
          path,
          { type: original.type, keyType: undefined, scope: original.scope },
          { type: update.type, keyType: undefined, scope: update.scope },
          detail,
          false,
        ),
      ];
    }
    if (was === 'scalar') {
      const group = this.scalarGroup(this.original, original);
      if (group !== this.scalarGroup(this.update, update)) return [diff(path, 'FIELD_SCALAR_KIND_CHANGED', described)];
      if (withLabels && original.repeated !== update.repeated) {
        // Packed repeated numbers are one length-delimited record that a singular field cannot read.
        return [diff(path, group === 'length-delimited' ? 'FIELD_STRING_OR_BYTES_LABEL_CHANGED' : 'FIELD_NUMERIC_LABEL_CHANGED', described)];
      }
      return [];
    }
    return this.compareMessageTypes(path, original, update, described);
  }

  private compareMessageTypes(path: string[], original: TypeRef, update: TypeRef, detail: ProtoDetail): ProtoDiff[] {
    const was = resolveType(this.original, original.type, original.scope);
    const now = resolveType(this.update, update.type, update.scope);
    if (was?.kind !== 'message' || now?.kind !== 'message') {
      // Types from imports are not in the descriptor: compare them by name.
      return strip(original.type) === strip(update.type) ? [] : [diff(path, 'FIELD_NAMED_TYPE_CHANGED', detail)];
    }
    const wasName = localName(this.original, was.fullName);
    const nowName = localName(this.update, now.fullName);
    if (wasName !== nowName) return [diff(path, 'FIELD_NAMED_TYPE_CHANGED', { ...detail, was: wasName, now: nowName })];
    const inner = this.compareMessage(wasName.split('.'), was, now);
    const broken = inner.some((found) => !compatibleProtoKinds.has(found.kind));
    return broken ? [...inner, diff(path, 'FIELD_NAMED_TYPE_CHANGED', { ...detail, was: wasName, now: nowName })] : inner;
  }

  private kind(file: ProtoFile, ref: TypeRef): 'scalar' | 'map' | 'message' {
    if (ref.keyType !== undefined) return 'map';
    if (ref.type in scalarGroups) return 'scalar';
    return resolveType(file, ref.type, ref.scope)?.kind === 'enum' ? 'scalar' : 'message';
  }

  private scalarGroup(file: ProtoFile, ref: TypeRef): string {
    return scalarGroups[ref.type] ?? (resolveType(file, ref.type, ref.scope)?.kind === 'enum' ? 'varint' : 'message');
  }
}

function describeType(ref: TypeRef & Partial<ProtoField>): string {
  const base = ref.keyType === undefined ? ref.type : `map<${ref.keyType}, ${ref.type}>`;
  return ref.repeated === true ? `repeated ${base}` : base;
}

function byNumber(fields: ProtoField[]): Map<number, ProtoField> {
  return new Map(fields.map((field) => [field.number, field]));
}

function oneofByNumber(message: ProtoMessage): Map<number, string> {
  return new Map(message.oneofs.flatMap((oneof) => oneof.fields.map((field) => [field.number, oneof.name] as const)));
}

function sortedUnion(a: Map<number, unknown>, b: Map<number, unknown>): number[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}

function strip(type: string): string {
  return type.startsWith('.') ? type.slice(1) : type;
}

function fieldDetail(field: ProtoField | undefined, oneof?: string): ProtoDetail {
  const detail: ProtoDetail = {};
  if (field !== undefined) {
    detail.field = field.name;
    detail.number = field.number;
  }
  if (oneof !== undefined) detail.name = oneof;
  return detail;
}

function diff(path: string[], kind: string, detail: ProtoDetail = {}): ProtoDiff {
  return { path, kind, detail };
}
