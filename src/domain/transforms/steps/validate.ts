import { at, type ConfigReader } from '../config.ts';
import { isSluiceError } from '../../errors.ts';
import type { CompiledStep } from '../types.ts';

/**
 * `validate: {schema: {...}}` checks the data as the steps before it left it against an
 * output schema, compiled once through the injected `compileSchema`. A mismatch fails the
 * event at the first error's path; `details` lists every error.
 */
export function compileValidate(config: unknown, where: string, reader: ConfigReader): CompiledStep | undefined {
  const options = reader.options(config, where, ['schema'], 'a mapping {schema: <JSON Schema>}');
  if (options === undefined) return undefined;
  if (!('schema' in options)) return reader.problem(where, 'needs a schema: {schema: <JSON Schema>}');
  const schemaAt = at(where, 'schema');
  let validator;
  try {
    validator = reader.deps.compileSchema(options.schema);
  } catch (error) {
    if (isSluiceError(error) && error.details !== undefined && error.details.length > 0) {
      for (const detail of error.details) reader.problem(schemaAt + detail.path, detail.reason);
    } else {
      reader.problem(schemaAt, `is not a valid schema: ${error instanceof Error ? error.message : String(error)}`);
    }
    return undefined;
  }
  return (draft) => {
    const problems = validator(draft.root);
    if (problems === undefined || problems.length === 0) return undefined;
    const first = problems[0]!;
    return { path: first.path, reason: `does not match the output schema: ${first.reason}`, details: problems };
  };
}
