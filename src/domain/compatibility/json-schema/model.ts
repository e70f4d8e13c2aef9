import { canonicalJson } from '../../canonical-json.ts';
import { SluiceError } from '../../errors.ts';

/**
 * A JSON Schema read the way Confluent's checker sees it (the everit model): each schema
 * object is one kind of schema; an object with keywords of several kinds (`"type": "string"`
 * with `"enum"`) is a synthetic `allOf` of one part per kind, and a `"type"` array is a
 * synthetic `anyOf`. `$ref`s to this document are followed, so recursive schemas are cycles
 * of the same node objects.
 */
export type JsonNode =
  | { k: 'empty' }
  | { k: 'false' }
  | { k: 'boolean' }
  | { k: 'null' }
  | StringNode
  | NumberNode
  | ObjectNode
  | ArrayNode
  | CombinedNode
  | { k: 'enum'; values: unknown[]; canon: string[] }
  | { k: 'const'; canon: string }
  | { k: 'not'; not: JsonNode }
  | { k: 'ref'; ref: string };

export type Criterion = 'allOf' | 'anyOf' | 'oneOf';

export interface CombinedNode {
  k: 'combined';
  criterion: Criterion;
  /** Without duplicates: Confluent compares the subschemas as a set. */
  subs: JsonNode[];
  /** Made from the keywords of one schema object rather than written as allOf/anyOf/oneOf. */
  synthetic: boolean;
}

export interface StringNode {
  k: 'string';
  minLength: number | undefined;
  maxLength: number | undefined;
  pattern: string | undefined;
}

export interface NumberNode {
  k: 'number';
  integer: boolean;
  minimum: number | undefined;
  maximum: number | undefined;
  exclusiveMinimum: number | undefined;
  exclusiveMaximum: number | undefined;
  multipleOf: number | undefined;
}

export interface ObjectNode {
  k: 'object';
  properties: Map<string, JsonNode>;
  /** Properties whose own schema gives a `default`. */
  defaults: Set<string>;
  required: Set<string>;
  /** false: closed; true: open unless patternProperties say otherwise; a node: partially open. */
  additional: boolean | JsonNode;
  patternProperties: { pattern: string; test: (name: string) => boolean; schema: JsonNode }[];
  minProperties: number | undefined;
  maxProperties: number | undefined;
  dependencyArrays: Map<string, string[]>;
  dependencySchemas: Map<string, JsonNode>;
}

export interface ArrayNode {
  k: 'array';
  /** `items` as one schema for every item. */
  items: JsonNode | undefined;
  /** `items` as an array (or `prefixItems`): a tuple. */
  tuple: JsonNode[];
  /** For tuples: false closed, true open, a node partially open. */
  additional: boolean | JsonNode;
  minItems: number | undefined;
  maxItems: number | undefined;
  uniqueItems: boolean;
  minContains: number | undefined;
  maxContains: number | undefined;
}

type Raw = Record<string, unknown>;

const stringKeywords = ['minLength', 'maxLength', 'pattern', 'format'];
const numberKeywords = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];
const objectKeywords = [
  'properties',
  'required',
  'additionalProperties',
  'patternProperties',
  'minProperties',
  'maxProperties',
  'dependencies',
  'dependentRequired',
  'dependentSchemas',
  'propertyNames',
  'unevaluatedProperties',
];
const arrayKeywords = ['items', 'prefixItems', 'additionalItems', 'unevaluatedItems', 'minItems', 'maxItems', 'uniqueItems', 'contains'];
const typeNames = new Set(['string', 'number', 'integer', 'object', 'array', 'boolean', 'null']);

const EMPTY: JsonNode = { k: 'empty' };
const FALSE: JsonNode = { k: 'false' };

/**
 * Loads every schema of one document into nodes, once each.
 *
 * @example new JsonSchemaModel({ type: 'string', maxLength: 5 }).root // { k: 'string', maxLength: 5, ... }
 */
export class JsonSchemaModel {
  readonly root: JsonNode;
  private readonly document: unknown;
  private readonly nodes = new Map<object, JsonNode>();

  constructor(document: unknown) {
    if (typeof document !== 'boolean' && (typeof document !== 'object' || document === null || Array.isArray(document))) {
      invalid('', 'a JSON Schema is an object or a boolean');
    }
    this.document = document;
    this.root = this.load(document, '');
  }

  private load(raw: unknown, path: string): JsonNode {
    if (raw === true) return EMPTY;
    if (raw === false) return FALSE;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) invalid(path, 'a schema is an object or a boolean');
    const known = this.nodes.get(raw);
    if (known !== undefined) return known;
    const schema = raw as Raw;
    if (typeof schema.$ref === 'string') {
      const target = this.resolve(schema.$ref, new Set());
      const node = target === undefined ? ({ k: 'ref', ref: schema.$ref } as const) : this.load(target.value, target.path);
      this.nodes.set(raw, node);
      return node;
    }
    // Registered before its members load, so a `$ref` back to it finds this same object.
    const shell = {} as JsonNode;
    this.nodes.set(raw, shell);
    Object.assign(shell, this.build(schema, path));
    return shell;
  }

  private resolve(ref: string, seen: Set<string>): { value: unknown; path: string } | undefined {
    if (!ref.startsWith('#') || seen.has(ref)) return undefined;
    seen.add(ref);
    let value: unknown = this.document;
    const pointer = decodeURIComponent(ref.slice(1));
    if (pointer !== '') {
      if (!pointer.startsWith('/')) return undefined;
      for (const segment of pointer.slice(1).split('/')) {
        const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
        if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
        value = (value as Raw)[key];
      }
    }
    if (typeof value === 'object' && value !== null && typeof (value as Raw).$ref === 'string') {
      return this.resolve((value as Raw).$ref as string, seen);
    }
    return { value, path: pointer };
  }

  private build(schema: Raw, path: string): JsonNode {
    const parts: JsonNode[] = [];
    if (Array.isArray(schema.enum)) parts.push({ k: 'enum', values: schema.enum, canon: schema.enum.map(canonicalJson) });
    if (Object.hasOwn(schema, 'const')) parts.push({ k: 'const', canon: canonicalJson(schema.const) });
    if (Object.hasOwn(schema, 'not')) parts.push({ k: 'not', not: this.load(schema.not, `${path}/not`) });
    for (const criterion of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = schema[criterion];
      if (list === undefined) continue;
      if (!Array.isArray(list) || list.length === 0) invalid(`${path}/${criterion}`, `"${criterion}" is a non-empty array of schemas`);
      parts.push(this.combined(criterion, list, `${path}/${criterion}`));
    }
    const type = schema.type;
    if (type !== undefined) {
      const types = Array.isArray(type) ? type : [type];
      if (types.length === 0 || !types.every((name) => typeof name === 'string' && typeNames.has(name))) {
        invalid(`${path}/type`, '"type" is one of string, number, integer, object, array, boolean, null, or an array of them');
      }
      const typed = (types as string[]).map((name) => this.typed(name, schema, path));
      parts.push(typed.length === 1 ? (typed[0] as JsonNode) : { k: 'combined', criterion: 'anyOf', subs: typed, synthetic: true });
    } else {
      // Without "type", the keywords say which kinds of schema this is (everit's sniffing).
      if (objectKeywords.some((key) => Object.hasOwn(schema, key))) parts.push(this.typed('object', schema, path));
      if (arrayKeywords.some((key) => Object.hasOwn(schema, key))) parts.push(this.typed('array', schema, path));
      if (stringKeywords.some((key) => Object.hasOwn(schema, key))) parts.push(this.typed('string', schema, path));
      if (numberKeywords.some((key) => Object.hasOwn(schema, key))) parts.push(this.typed('number', schema, path));
    }
    if (parts.length === 0) return { k: 'empty' };
    if (parts.length === 1) return parts[0] as JsonNode;
    return { k: 'combined', criterion: 'allOf', subs: parts, synthetic: true };
  }

  private combined(criterion: Criterion, list: unknown[], path: string): JsonNode {
    const seen = new Set<string>();
    const subs: JsonNode[] = [];
    list.forEach((item, i) => {
      const key = canonicalJson(item);
      if (seen.has(key)) return;
      seen.add(key);
      subs.push(this.load(item, `${path}/${i}`));
    });
    return { k: 'combined', criterion, subs, synthetic: false };
  }

  private typed(type: string, schema: Raw, path: string): JsonNode {
    switch (type) {
      case 'string':
        return {
          k: 'string',
          minLength: count(schema.minLength, `${path}/minLength`),
          maxLength: count(schema.maxLength, `${path}/maxLength`),
          pattern: typeof schema.pattern === 'string' ? schema.pattern : undefined,
        };
      case 'number':
      case 'integer':
        return {
          k: 'number',
          integer: type === 'integer',
          minimum: num(schema.minimum),
          maximum: num(schema.maximum),
          // Draft-04 boolean exclusives only qualify minimum/maximum; Confluent compares the numbers.
          exclusiveMinimum: num(schema.exclusiveMinimum),
          exclusiveMaximum: num(schema.exclusiveMaximum),
          multipleOf: num(schema.multipleOf),
        };
      case 'object':
        return this.object(schema, path);
      case 'array':
        return this.array(schema, path);
      case 'boolean':
        return { k: 'boolean' };
      default:
        return { k: 'null' };
    }
  }

  private object(schema: Raw, path: string): ObjectNode {
    const properties = new Map<string, JsonNode>();
    const defaults = new Set<string>();
    for (const [name, value] of entries(schema.properties, `${path}/properties`)) {
      properties.set(name, this.load(value, `${path}/properties/${name}`));
      if (this.hasDefault(value)) defaults.add(name);
    }
    const required = Array.isArray(schema.required) ? new Set(schema.required.filter((name) => typeof name === 'string')) : new Set<string>();
    // Without additionalProperties, unevaluatedProperties closes or bounds the model the same way
    // for the properties this object declares (Confluent reads it so too).
    const additional = schema.additionalProperties ?? schema.unevaluatedProperties;
    const additionalPath = schema.additionalProperties === undefined ? 'unevaluatedProperties' : 'additionalProperties';
    const patternProperties = entries(schema.patternProperties, `${path}/patternProperties`).map(([pattern, value]) => ({
      pattern,
      test: regexTest(pattern),
      schema: this.load(value, `${path}/patternProperties/${pattern}`),
    }));
    const dependencyArrays = new Map<string, string[]>();
    const dependencySchemas = new Map<string, JsonNode>();
    const dependencies = [
      ...entries(schema.dependencies, `${path}/dependencies`),
      ...entries(schema.dependentRequired, `${path}/dependentRequired`),
      ...entries(schema.dependentSchemas, `${path}/dependentSchemas`),
    ];
    for (const [name, value] of dependencies) {
      if (Array.isArray(value))
        dependencyArrays.set(
          name,
          value.filter((item) => typeof item === 'string'),
        );
      else dependencySchemas.set(name, this.load(value, `${path}/dependencies/${name}`));
    }
    return {
      k: 'object',
      properties,
      defaults,
      required,
      additional: additional === undefined || additional === true ? true : additional === false ? false : this.load(additional, `${path}/${additionalPath}`),
      patternProperties,
      minProperties: count(schema.minProperties, `${path}/minProperties`),
      maxProperties: count(schema.maxProperties, `${path}/maxProperties`),
      dependencyArrays,
      dependencySchemas,
    };
  }

  private array(schema: Raw, path: string): ArrayNode {
    let items: JsonNode | undefined;
    let tuple: unknown[] = [];
    let additional: unknown = schema.additionalItems;
    if (Array.isArray(schema.prefixItems)) {
      // Draft 2020-12: prefixItems is the tuple and items the schema of the rest.
      tuple = schema.prefixItems;
      additional = schema.items;
    } else if (Array.isArray(schema.items)) {
      tuple = schema.items;
    } else if (schema.items !== undefined) {
      items = this.load(schema.items, `${path}/items`);
    }
    // Items past the tuple that no keyword above covers: unevaluatedItems bounds them.
    if (additional === undefined && tuple.length > 0) additional = schema.unevaluatedItems;
    const contains = schema.contains !== undefined;
    return {
      k: 'array',
      items,
      tuple: tuple.map((item, i) => this.load(item, `${path}/items/${i}`)),
      additional: additional === undefined || additional === true ? true : additional === false ? false : this.load(additional, `${path}/additionalItems`),
      minItems: count(schema.minItems, `${path}/minItems`),
      maxItems: count(schema.maxItems, `${path}/maxItems`),
      uniqueItems: schema.uniqueItems === true,
      minContains: contains ? count(schema.minContains, `${path}/minContains`) : undefined,
      maxContains: contains ? count(schema.maxContains, `${path}/maxContains`) : undefined,
    };
  }

  private hasDefault(value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    if (Object.hasOwn(value, 'default')) return true;
    const ref = (value as Raw).$ref;
    if (typeof ref !== 'string') return false;
    const target = this.resolve(ref, new Set())?.value;
    return typeof target === 'object' && target !== null && Object.hasOwn(target, 'default');
  }
}

function invalid(path: string, reason: string): never {
  const at = `#${path}`;
  throw new SluiceError('invalid_schema', `Not a valid JSON Schema: ${reason} at ${at}`, { details: [{ path: at, reason }] });
}

function entries(value: unknown, path: string): [string, unknown][] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(path, 'expected an object');
  return Object.entries(value);
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function count(value: unknown, path: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) invalid(path, 'expected a non-negative integer');
  return value;
}

/** patternProperties are ECMA-262 regexes, matched anywhere in the name. */
function regexTest(pattern: string): (name: string) => boolean {
  try {
    const regex = new RegExp(pattern, 'u');
    return (name) => regex.test(name);
  } catch {
    return () => false;
  }
}
