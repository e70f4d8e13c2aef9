import type { Finding, FormatChecker, Roles } from '../types.ts';
import { compatibleProtoKinds, ProtobufDiff } from './diff.ts';
import type { ProtoDiff } from './diff.ts';
import { isReserved, parseProtoFile } from './model.ts';
import type { ProtoFile, TypeSet } from './model.ts';

/**
 * Protobuf compatibility with Confluent's rules, over protobufjs JSON descriptors. The writer's
 * file is Confluent's "original", the reader's the "update". Paths are `#/Order/3` (message
 * path, then field number) and `#/Order/payment/7` inside a oneof.
 */
export const protobufChecker: FormatChecker<ProtoFile> = {
  parse: parseProtoFile,
  check(reader, writer, roles, options) {
    const seen = new Set<string>();
    const findings: Finding[] = [];
    const found = new ProtobufDiff(writer, reader).run().filter((item) => !compatibleProtoKinds.has(item.kind));
    if (options.protobufReservedNumbers === 'enforce') {
      const [fresh, old] = roles.newIsReader ? [reader, writer] : [writer, reader];
      found.push(...reservedReuse([], fresh.types, old.types));
    }
    for (const item of found) {
      const path = `#/${item.path.join('/')}`;
      const key = `${item.kind} ${path}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push({ path, kind: item.kind, message: explainProto(item, path, roles) });
    }
    return findings;
  },
};

/** Numbers the new file uses that the previous one reserved, message by message. */
function reservedReuse(path: string[], fresh: TypeSet, old: TypeSet): ProtoDiff[] {
  const found: ProtoDiff[] = [];
  for (const message of fresh.messages) {
    const before = old.messages.find((candidate) => candidate.name === message.name);
    if (before === undefined) continue;
    const at = message.name.split('.');
    for (const field of [...message.fields, ...message.oneofs.flatMap((oneof) => oneof.fields)]) {
      if (isReserved(before.reserved, field.number))
        found.push({ path: [...at, String(field.number)], kind: 'RESERVED_NUMBER_REUSED', detail: { field: field.name, number: field.number } });
    }
    found.push(...reservedReuse(at, message.nested, before.nested));
  }
  for (const enumType of fresh.enums) {
    const before = old.enums.find((candidate) => candidate.name === enumType.name);
    if (before === undefined) continue;
    for (const value of enumType.values) {
      if (isReserved(before.reserved, value.number))
        found.push({
          path: [...path, ...enumType.name.split('.'), String(value.number)],
          kind: 'RESERVED_NUMBER_REUSED',
          detail: { field: value.name, number: value.number },
        });
    }
  }
  return found;
}

/** Why a Protobuf difference breaks compatibility, and how to evolve the schema instead. */
function explainProto(found: ProtoDiff, at: string, roles: Roles): string {
  const { reader, writer, newIsReader } = roles;
  const { field, number, was, now, name } = found.detail;
  const subject = `Field ${field === undefined ? '' : `"${field}" `}(number ${number ?? '?'}) at ${at}`;
  const newField = 'Add a new field with a new number for the new type, and reserve the old number.';
  switch (found.kind) {
    case 'FIELD_KIND_CHANGED':
      return `${subject} is ${was ?? '?'} in ${writer} but ${now ?? '?'} in ${reader}: scalars, messages and maps are encoded differently. ${newField}`;
    case 'FIELD_SCALAR_KIND_CHANGED':
      return (
        `${subject} is ${was ?? '?'} in ${writer} but ${now ?? '?'} in ${reader}, which is not wire compatible. ` +
        `Types can change only within a group: int32, uint32, int64, uint64, bool and enums; sint32 and sint64; fixed32 and sfixed32; fixed64 and sfixed64; string and bytes. ${newField}`
      );
    case 'FIELD_NAMED_TYPE_CHANGED':
      return `${subject} refers to message ${was ?? '?'} in ${writer} and ${now ?? '?'} in ${reader}, and these are not compatible. Keep the field's message type and evolve that message compatibly, or ${newField.charAt(0).toLowerCase()}${newField.slice(1)}`;
    case 'FIELD_NUMERIC_LABEL_CHANGED':
      return `${subject} changes between singular and repeated (${was ?? '?'} to ${now ?? '?'}); repeated numbers are packed into one record that a singular field cannot read. Add a new repeated field with a new number instead.`;
    case 'REQUIRED_FIELD_ADDED':
      return newIsReader
        ? `The new schema adds required field "${field ?? '?'}" (number ${number ?? '?'}) at ${at}, which data written with ${writer} lacks. Add it as optional instead.`
        : `The new schema drops field "${field ?? '?'}" (number ${number ?? '?'}) at ${at}, which ${reader} requires. Keep writing it.`;
    case 'REQUIRED_FIELD_REMOVED':
      return newIsReader
        ? `The new schema removes required field "${field ?? '?'}" (number ${number ?? '?'}) at ${at}; Confluent's rules never allow adding or removing a required field. Keep it.`
        : `The new schema adds field "${field ?? '?'}" (number ${number ?? '?'}) at ${at} that ${writer} declares required; Confluent's rules never allow adding or removing a required field. Make it optional.`;
    case 'ONEOF_FIELD_REMOVED':
      return newIsReader
        ? `The new schema removes field "${field ?? '?'}" (number ${number ?? '?'}) from oneof "${name ?? '?'}"; data written with ${writer} that set it would read as a oneof with nothing set. Keep the field in the oneof (it may be deprecated).`
        : `The new schema adds field "${field ?? '?'}" (number ${number ?? '?'}) to oneof "${name ?? '?'}"; ${reader} would read data that sets it as a oneof with nothing set. Add oneof members only under BACKWARD compatibility.`;
    case 'MULTIPLE_FIELDS_MOVED_TO_ONEOF':
      return `Several fields that are separate in ${writer} are members of oneof "${name ?? '?'}" in ${reader}, so data that set more than one of them loses all but one. Move at most one existing field into a new oneof; add new fields for the other members.`;
    case 'FIELD_MOVED_TO_EXISTING_ONEOF':
      return `A field that is separate in ${writer} is a member of oneof "${name ?? '?'}" in ${reader}, which already had members, so data that set it and another member loses one. Only move a field into a new oneof whose other members are new fields.`;
    case 'MESSAGE_REMOVED':
      return newIsReader
        ? `The new schema removes message type ${name ?? at}, which ${writer} defines; records written with it name their message by position and could not be read. Keep the message type (it may be unused).`
        : `The new schema adds message type ${name ?? at}, which ${reader} does not have; Confluent's rules reject that under FORWARD compatibility. Add message types under BACKWARD compatibility, or in a new event type.`;
    case 'RESERVED_NUMBER_REUSED':
      return `The new schema uses number ${number ?? '?'} ("${field ?? '?'}") at ${at}, which the previous schema reserved: old data may carry that number with another meaning. Use a new number.`;
    default:
      return `${found.kind} at ${at}: ${reader} cannot read data written with ${writer}.`;
  }
}
