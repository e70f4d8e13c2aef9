import { describeAvro, parseAvro } from './avro-schema.ts';
import type { AvroEnum, AvroField, AvroNode, AvroRecord } from './avro-schema.ts';
import type { FormatChecker, Roles } from './types.ts';

/**
 * Avro schema resolution (the Avro specification's rules, as Avro's Java
 * `SchemaCompatibility` applies them and Confluent reports them): can a reader schema read
 * every datum written with a writer schema?
 *
 * Kinds: READER_FIELD_MISSING_DEFAULT_VALUE, TYPE_MISMATCH, MISSING_ENUM_SYMBOLS,
 * MISSING_UNION_BRANCH, FIXED_SIZE_MISMATCH, NAME_MISMATCH. Paths are Avro's locations:
 * `/fields/<reader field index>/type/items`, `/symbols`, `/size`, `/name`, and a writer union
 * branch index.
 */
export const avroChecker: FormatChecker<AvroNode> = {
  parse: parseAvro,
  check(reader, writer, roles) {
    const found = new AvroResolution(roles).check(reader, writer);
    return found.map(({ path, kind, message }) => ({ path: `/${path.join('/')}`, kind, message }));
  },
};

interface Problem {
  path: string[];
  kind: string;
  message: string;
}

/** Confluent's stance: these promotions are the only type changes a reader accepts. */
const promotions: Record<string, readonly string[]> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  string: ['bytes'],
  bytes: ['string'],
};

class AvroResolution {
  // Results per (reader, writer) node pair; `inProgress` breaks cycles in recursive types:
  // a pair met again while it is being checked is assumed compatible unless proven otherwise.
  private readonly memo = new Map<AvroNode, Map<AvroNode, Problem[]>>();
  private readonly inProgress = new Map<AvroNode, Set<AvroNode>>();
  private readonly roles: Roles;

  constructor(roles: Roles) {
    this.roles = roles;
  }

  check(reader: AvroNode, writer: AvroNode): Problem[] {
    const cached = this.memo.get(reader)?.get(writer);
    if (cached !== undefined) return cached;
    const busy = this.inProgress.get(reader) ?? new Set<AvroNode>();
    if (busy.has(writer)) return [];
    busy.add(writer);
    this.inProgress.set(reader, busy);
    const result = this.calculate(reader, writer);
    busy.delete(writer);
    const row = this.memo.get(reader) ?? new Map<AvroNode, Problem[]>();
    row.set(writer, result);
    this.memo.set(reader, row);
    return result;
  }

  private calculate(reader: AvroNode, writer: AvroNode): Problem[] {
    if (reader.type === writer.type) return this.sameType(reader, writer);
    // Every branch a writer union may have written must be readable.
    if (writer.type === 'union') return writer.branches.flatMap((branch) => this.check(reader, branch));
    if (reader.type === 'union') {
      if (reader.branches.some((branch) => this.check(branch, writer).length === 0)) return [];
      return [this.missingBranch([], reader, writer)];
    }
    if (promotions[reader.type]?.includes(writer.type)) return [];
    return [this.typeMismatch(reader, writer)];
  }

  private sameType(reader: AvroNode, writer: AvroNode): Problem[] {
    switch (reader.type) {
      case 'array':
        return prefix('items', this.check(reader.items, (writer as typeof reader).items));
      case 'map':
        return prefix('values', this.check(reader.values, (writer as typeof reader).values));
      case 'fixed': {
        const w = writer as typeof reader;
        const problems = this.names(reader, w);
        if (reader.size !== w.size) {
          problems.push({
            path: ['size'],
            kind: 'FIXED_SIZE_MISMATCH',
            message:
              `Fixed type ${reader.fullName} is ${reader.size} bytes in ${this.roles.reader} but ${w.size} bytes in ${this.roles.writer}, so its bytes cannot be read. ` +
              'A fixed size never changes: add a new field of a new fixed type (with a default) and stop writing the old one.',
          });
        }
        return problems;
      }
      case 'enum':
        return [...this.names(reader, writer as AvroEnum), ...this.symbols(reader, writer as AvroEnum)];
      case 'record':
        return [...this.names(reader, writer as AvroRecord), ...this.fields(reader, writer as AvroRecord)];
      case 'union': {
        const w = writer as typeof reader;
        const problems: Problem[] = [];
        w.branches.forEach((branch, i) => {
          if (this.check(reader, branch).length > 0) problems.push(this.missingBranch([String(i)], reader, branch));
        });
        return problems;
      }
      default:
        return [];
    }
  }

  private names(reader: AvroNode & { name: string; aliases: string[] }, writer: AvroNode & { name: string; fullName: string }): Problem[] {
    if (reader.name === writer.name || reader.aliases.includes(writer.fullName)) return [];
    return [
      {
        path: ['name'],
        kind: 'NAME_MISMATCH',
        message:
          `${reader.type} ${reader.name} in ${this.roles.reader} does not match ${writer.type} ${writer.fullName} in ${this.roles.writer}. ` +
          (this.roles.newIsReader
            ? `Keep the name, or list "${writer.fullName}" in the new type's "aliases".`
            : `Keep the name ${reader.name} in the new schema: ${this.roles.reader} knows the type only by that name.`),
      },
    ];
  }

  private symbols(reader: AvroEnum, writer: AvroEnum): Problem[] {
    const missing = writer.symbols.filter((symbol) => !reader.symbols.includes(symbol));
    // A reader enum with a default reads unknown symbols as that default.
    if (missing.length === 0 || reader.default !== undefined) return [];
    return [
      {
        path: ['symbols'],
        kind: 'MISSING_ENUM_SYMBOLS',
        message:
          `Enum ${reader.fullName} in ${this.roles.reader} lacks symbol(s) ${missing.join(', ')} that ${this.roles.writer} can write. ` +
          (this.roles.newIsReader
            ? 'Keep every symbol of the previous schema, or give the enum a "default" symbol that unknown symbols are read as.'
            : `Do not add symbols to an enum without a "default" in ${this.roles.reader}; add the symbol after the enum has a "default", or use BACKWARD compatibility.`),
      },
    ];
  }

  private fields(reader: AvroRecord, writer: AvroRecord): Problem[] {
    const problems: Problem[] = [];
    reader.fields.forEach((field, i) => {
      const source = writerField(writer, field);
      if (source === undefined) {
        if (!field.hasDefault) problems.push(this.missingDefault(i, field, reader));
        return;
      }
      problems.push(...prefix(['fields', String(i), 'type'], this.check(field.type, source.type)));
    });
    return problems;
  }

  private missingDefault(index: number, field: AvroField, record: AvroRecord): Problem {
    return {
      path: ['fields', String(index)],
      kind: 'READER_FIELD_MISSING_DEFAULT_VALUE',
      message:
        `Field "${field.name}" of ${record.fullName} is in ${this.roles.reader} without a default and is missing from ${this.roles.writer}, so records written without it cannot be read. ` +
        (this.roles.newIsReader
          ? `Give the new field a "default" (for an optional value: "type": ["null", ...], "default": null), or keep reading it from the old field by listing the old name in its "aliases".`
          : `Do not remove a field that ${this.roles.reader} reads without a default: keep writing it (deprecate it instead), or first register a version that gives it a default.`),
    };
  }

  private missingBranch(path: string[], reader: AvroNode, writer: AvroNode): Problem {
    return {
      path,
      kind: 'MISSING_UNION_BRANCH',
      message:
        `${this.roles.writer} can write ${describeAvro(writer)}, which no branch of ${describeAvro(reader)} in ${this.roles.reader} can read. ` +
        (this.roles.newIsReader
          ? 'Keep a union branch that reads it (the same type, or a promotion such as int to long).'
          : `Only write types ${this.roles.reader} can read: keep the union's branches, and add a new branch only under BACKWARD compatibility.`),
    };
  }

  private typeMismatch(reader: AvroNode, writer: AvroNode): Problem {
    return {
      path: [],
      kind: 'TYPE_MISMATCH',
      message:
        `${this.roles.reader} reads ${describeAvro(reader)} where ${this.roles.writer} wrote ${describeAvro(writer)}. ` +
        'Avro only promotes int to long, float or double, long to float or double, float to double, and string to and from bytes. ' +
        'Add a new field with the new type (and a default) instead of changing the type of an existing one.',
    };
  }
}

/** The writer field a reader field reads: by name, then by the reader field's aliases. */
function writerField(writer: AvroRecord, field: AvroField): AvroField | undefined {
  const byName = writer.fields.find((candidate) => candidate.name === field.name);
  if (byName !== undefined) return byName;
  for (const alias of field.aliases) {
    const byAlias = writer.fields.find((candidate) => candidate.name === alias);
    if (byAlias !== undefined) return byAlias;
  }
  return undefined;
}

function prefix(segments: string | string[], problems: Problem[]): Problem[] {
  const head = typeof segments === 'string' ? [segments] : segments;
  return problems.map((problem) => ({ ...problem, path: [...head, ...problem.path] }));
}
