import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import isSafeRegex from 'safe-regex2';
import type { ErrorDetail } from '../../domain/errors.ts';
import { SluiceError } from '../../domain/errors.ts';
import type { Validator } from '../../domain/pipeline.ts';

// ajv-formats ships CommonJS with a default export property.
const addFormats = addFormatsModule as unknown as (ajv: Ajv | Ajv2020) => void;

const draft07 = 'http://json-schema.org/draft-07/schema';
const maxDetails = 20;

/**
 * Compiles JSON Schemas (draft 2020-12 by default, draft-07 when `$schema` says so) into
 * validators that report each error as a JSON pointer and a reason.
 */
export class JsonSchemaCompiler {
  readonly #draft2020: Ajv2020;
  readonly #draft07: Ajv;

  constructor() {
    const options = { allErrors: true, strict: false, allowUnionTypes: true, validateSchema: true, addUsedSchema: false } as const;
    this.#draft2020 = new Ajv2020(options);
    this.#draft07 = new Ajv(options);
    addFormats(this.#draft2020);
    addFormats(this.#draft07);
  }

  /** @throws SluiceError `invalid_schema` with ajv's reasons */
  compile(schema: unknown): Validator {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      if (typeof schema !== 'boolean') throw new SluiceError('invalid_schema', 'a JSON Schema is an object (or a boolean)');
    }
    checkPatterns(schema, '', 0);
    const declared = typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
    const ajv = typeof declared === 'string' && declared.startsWith(draft07) ? this.#draft07 : this.#draft2020;
    let validate: ValidateFunction;
    try {
      validate = ajv.compile(schema as object);
    } catch (error) {
      throw new SluiceError('invalid_schema', `the schema does not compile: ${(error as Error).message}`, { cause: error });
    }
    return (data) => (validate(data) ? undefined : toDetails(validate.errors ?? []));
  }
}

function toDetails(errors: readonly ErrorObject[]): ErrorDetail[] {
  return errors.slice(0, maxDetails).map((error) => {
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
      return { path: `${error.instancePath}/${params.missingProperty}`, reason: 'required property is missing' };
    }
    if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      return { path: `${error.instancePath}/${params.additionalProperty}`, reason: 'property is not allowed by the schema' };
    }
    return { path: error.instancePath, reason: error.message ?? error.keyword };
  });
}

const maxSchemaDepth = 64;

/**
 * Refuses `pattern`s and `patternProperties` whose regular expressions can take exponential
 * time (nested quantifiers such as `(a+)+`): every event of the type would run them, so one
 * tenant's schema could stall the process. Also bounds how deep a schema may nest.
 */
function checkPatterns(node: unknown, path: string, depth: number): void {
  if (typeof node !== 'object' || node === null) return;
  if (depth > maxSchemaDepth) throw new SluiceError('invalid_schema', `the schema nests deeper than ${maxSchemaDepth} levels`, { details: [{ path, reason: 'too deep' }] });
  if (Array.isArray(node)) {
    node.forEach((item, index) => checkPatterns(item, `${path}/${index}`, depth + 1));
    return;
  }
  const object = node as Record<string, unknown>;
  const unsafe = (pattern: string, where: string): never => {
    throw new SluiceError('invalid_schema', `the pattern ${JSON.stringify(pattern)} can take exponential time to match`, {
      details: [{ path: where, reason: 'nested quantifiers (such as (a+)+) are refused; rewrite the pattern without repeating a repeated group' }],
    });
  };
  if (typeof object.pattern === 'string' && !isSafeRegex(object.pattern)) unsafe(object.pattern, `${path}/pattern`);
  if (typeof object.patternProperties === 'object' && object.patternProperties !== null) {
    for (const pattern of Object.keys(object.patternProperties)) if (!isSafeRegex(pattern)) unsafe(pattern, `${path}/patternProperties`);
  }
  for (const [key, value] of Object.entries(object)) checkPatterns(value, `${path}/${key}`, depth + 1);
}
