import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { RE2JS } from 're2js';
import isSafeRegex from 'safe-regex2';
import type { ErrorDetail } from '../../domain/errors.ts';
import { SluiceError } from '../../domain/errors.ts';
import type { Validator } from '../../domain/pipeline.ts';
import { misspelledKeywords } from './keyword-typos.ts';
import { addQuickFormats } from './quick-formats.ts';
import type { Dependency } from './references.ts';

// ajv-formats ships CommonJS with a default export property.
const addFormats = addFormatsModule as unknown as (ajv: Ajv | Ajv2020) => void;

const draft07 = 'http://json-schema.org/draft-07/schema';
const maxDetails = 20;

/**
 * Compiles JSON Schemas (draft 2020-12 by default, draft-07 when `$schema` says so or the
 * schema is written for it: writtenForDraft07) into
 * validators that report each error as a JSON pointer and a reason.
 */
export class JsonSchemaCompiler {
  readonly #draft2020: Ajv | Ajv2020;
  readonly #draft07: Ajv | Ajv2020;

  constructor() {
    this.#draft2020 = newAjv(true);
    this.#draft07 = newAjv(false);
  }

  /**
   * `dependencies` are referenced schemas (see references.ts): each is available to `$ref`
   * under its names. A schema with dependencies gets an ajv instance of its own, so one
   * tenant's referenced schemas are never visible to another schema.
   *
   * @throws SluiceError `invalid_schema` with ajv's reasons
   */
  compile(schema: unknown, dependencies: readonly Dependency[] = []): Validator {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      if (typeof schema !== 'boolean') throw new SluiceError('invalid_schema', 'a JSON Schema is an object (or a boolean)');
    }
    checkDepth(schema, '', 0);
    const declared = typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
    const is07 = typeof declared === 'string' ? declared.startsWith(draft07) : writtenForDraft07(schema);
    const typos = misspelledKeywords(schema);
    if (typos.length > 0)
      throw new SluiceError(
        'invalid_schema',
        `the schema has ${typos.length === 1 ? 'a misspelled keyword' : `${typos.length} misspelled keywords`}: ${typos.map((t) => t.path).join(', ')}`,
        { details: typos.slice(0, maxDetails) },
      );
    const base = is07 ? this.#draft07 : this.#draft2020;
    // Checked against the draft's meta-schema first, so each problem is named with its path.
    let valid: boolean;
    try {
      valid = base.validateSchema(schema) as boolean;
    } catch (error) {
      // A `$schema` naming a draft Sluice does not read (draft-04, 2019-09, a URL of one's own).
      throw new SluiceError('invalid_schema', `the schema does not compile: ${(error as Error).message}`, {
        details: [{ path: '/$schema', reason: 'Sluice reads draft 2020-12 and draft-07' }],
        cause: error,
      });
    }
    if (!valid) {
      const problems = (base.errors ?? []).slice(0, maxDetails).map((error) => ({ path: error.instancePath, reason: metaReason(error) }));
      throw new SluiceError(
        'invalid_schema',
        `the schema is not valid ${is07 ? 'draft-07' : 'draft 2020-12'} JSON Schema: ${problems.map((p) => `${p.path || '/'} ${p.reason}`).join('; ')}`,
        { details: problems },
      );
    }
    let validate: ValidateFunction;
    try {
      let ajv = base;
      if (dependencies.length > 0) {
        ajv = newAjv(!is07);
        for (const dependency of dependencies) {
          const parsed = JSON.parse(dependency.text) as object;
          // The dependency was checked when it was registered; its own `$schema` may be another draft.
          const [first, ...aliases] = dependency.names;
          ajv.addSchema(parsed, first, undefined, false);
          for (const alias of aliases) ajv.addSchema({ $ref: first }, alias, undefined, false);
        }
      }
      validate = ajv.compile(schema as object);
    } catch (error) {
      throw new SluiceError('invalid_schema', `the schema does not compile: ${(error as Error).message}`, { cause: error });
    }
    return (data) => (validate(data) ? undefined : toDetails(validate.errors ?? []));
  }
}

/**
 * A schema without `$schema` is read as draft 2020-12, unless it is written in a way only
 * draft-07 allows: `items` as a list (2020-12 says `prefixItems`) or `additionalItems`.
 * Confluent reads every schema without `$schema` as draft-07; reading only these that way
 * keeps the meaning of every schema 2020-12 accepts. Called after checkDepth, so the walk is bounded.
 */
function writtenForDraft07(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false;
  if (Array.isArray(node)) return node.some(writtenForDraft07);
  const record = node as Record<string, unknown>;
  if (Array.isArray(record.items) || 'additionalItems' in record) return true;
  return Object.values(record).some(writtenForDraft07);
}

function newAjv(draft2020: boolean): Ajv | Ajv2020 {
  // validateSchema off: compile() checks each schema against its draft's meta-schema first (with paths), once.
  const options = {
    allErrors: true,
    strict: false,
    allowUnionTypes: true,
    validateSchema: false,
    addUsedSchema: false,
    code: { regExp: regExpEngine },
  } as const;
  const ajv = draft2020 ? new Ajv2020(options) : new Ajv(options);
  addFormats(ajv);
  addQuickFormats(ajv);
  return ajv;
}

/** A meta-schema error in words, with the allowed values where there are some (`"type": "strnig"`). */
function metaReason(error: ErrorObject): string {
  const allowed = (error.params as { allowedValues?: unknown }).allowedValues;
  return Array.isArray(allowed) ? `${error.message ?? error.keyword}: ${allowed.map((v) => JSON.stringify(v)).join(', ')}` : (error.message ?? error.keyword);
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

export const maxSchemaDepth = 64;

/** Bounds how deep a schema may nest, so checking and compiling it stay cheap. */
function checkDepth(node: unknown, path: string, depth: number): void {
  if (typeof node !== 'object' || node === null) return;
  if (depth > maxSchemaDepth)
    throw new SluiceError('invalid_schema', `the schema nests deeper than ${maxSchemaDepth} levels`, { details: [{ path, reason: 'too deep' }] });
  for (const [key, value] of Object.entries(node)) checkDepth(value, `${path}/${key}`, depth + 1);
}

/**
 * The regular-expression engine for `pattern` and `patternProperties`. Patterns that could
 * take exponential time on V8's backtracking engine (nested quantifiers such as `(a+)+`,
 * found by safe-regex2 as Fastify does for routes) run on RE2JS instead, which matches in
 * linear time; every other pattern keeps V8's faster engine. So one tenant's schema cannot
 * stall the process, and no reasonable pattern is refused.
 */
const regExpEngine = Object.assign(
  (pattern: string, flags: string): { test: (text: string) => boolean } => {
    if (isSafeRegex(pattern)) return new RegExp(pattern, flags);
    let linear: RE2JS;
    try {
      linear = RE2JS.compile(pattern);
    } catch (error) {
      throw new SluiceError(
        'invalid_schema',
        `the pattern ${JSON.stringify(pattern)} could take exponential time, and the linear-time engine cannot run it: ${(error as Error).message}`,
        {
          details: [{ path: 'pattern', reason: 'rewrite it without nested quantifiers, or without backreferences and lookaround' }],
        },
      );
    }
    return { test: (text: string) => linear.test(text) };
  },
  { code: 'sluice-regexp' },
);
