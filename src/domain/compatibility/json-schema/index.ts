import type { FormatChecker } from '../types.ts';
import { compatibleKinds, JsonSchemaDiff } from './diff.ts';
import { explainJson } from './messages.ts';
import { JsonSchemaModel } from './model.ts';

/**
 * JSON Schema compatibility with Confluent's content-model rules: the writer's schema is the
 * "original" and the reader's the "update" of Confluent's diff; every difference whose kind is
 * not in Confluent's compatible set is reported. Paths are `#/properties/age` style.
 */
export const jsonSchemaChecker: FormatChecker<JsonSchemaModel> = {
  parse: (raw) => new JsonSchemaModel(raw),
  check(reader, writer, roles) {
    const seen = new Set<string>();
    return new JsonSchemaDiff()
      .compare(writer.root, reader.root)
      .filter((found) => !compatibleKinds.has(found.kind))
      .flatMap((found) => {
        const path = `#/${found.path.join('/')}`;
        const key = `${found.kind} ${path}`;
        if (seen.has(key)) return [];
        seen.add(key);
        return [{ path, kind: found.kind, message: explainJson(found, path, roles) }];
      });
  },
};
