import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SluiceError } from '../../domain/errors.ts';
import { isTenantId, isTypeName } from '../../domain/names.ts';
import type { PipelineConfig } from '../../domain/pipeline-config.ts';
import type { SchemaFormat } from '../../domain/catalog-docs.ts';
import { assertSubscriptionName, parseSubscriptionDefinition } from '../../domain/subscriptions/definition.ts';
import { ConfigError } from './config-error.ts';

/** An event type as declared in sluice.yaml. */
export interface DeclaredType {
  schema: unknown;
  schemaType?: SchemaFormat;
  partitions?: number;
  partitionKey?: string;
  pipeline?: PipelineConfig;
}

export interface DeclaredTenant {
  id: string;
  name?: string;
  types: Map<string, DeclaredType>;
  subscriptions: Map<string, DeclaredSubscription>;
  /** Correlation definitions by name, as the API takes them; checked when applied. */
  correlations: Map<string, Record<string, unknown>>;
}

/** A push subscription as declared in sluice.yaml: the definition the API takes, its secret from the environment. */
export interface DeclaredSubscription {
  definition: Record<string, unknown>;
  /** The environment variable holding the signing secret; resolved by {@link resolveSubscriptionSecrets}. */
  secretEnv?: string;
}

/** What sluice.yaml declares beyond server settings: tenants, their types, schemas and pipelines. */
export interface Declarations {
  file: string;
  tenants: DeclaredTenant[];
  /** Kafka sources (top-level `sources:`); checked in full when applied. */
  sources?: DeclaredSource[];
}

/** A Kafka source as declared in sluice.yaml: its tenant, name, and the definition the API takes. */
export interface DeclaredSource {
  tenant: string;
  name: string;
  definition: Record<string, unknown>;
}

const sourceKeys = new Set(['name', 'tenant', 'topic', 'type', 'typeFrom', 'format', 'group']);

/**
 * Reads the top-level `sources` list of sluice.yaml: its shape here, the rest when applied.
 *
 * @example
 * sources:
 *   - { name: logins, tenant: acme, topic: user-logins, type: user-login, format: json }
 */
export function readSourceDeclarations(file: string, section: unknown): DeclaredSource[] {
  const fail = (key: string, problem: string): never => {
    throw new ConfigError(`config file ${file}: ${key} ${problem}`);
  };
  if (section === undefined || section === null) return [];
  if (!Array.isArray(section)) return fail('sources', 'must be a list of sources, each with name, tenant, topic, format and type or typeFrom');
  const seen = new Set<string>();
  return section.map((entry: unknown, index): DeclaredSource => {
    const where = `sources[${index}]`;
    if (!isMapping(entry)) return fail(where, 'must be a mapping with name, tenant, topic, format and type or typeFrom');
    for (const key of Object.keys(entry))
      if (!sourceKeys.has(key)) fail(`${where}.${key}`, 'is not a setting (expected name, tenant, topic, type, typeFrom, format, group)');
    const { name, tenant, ...definition } = entry;
    if (typeof name !== 'string' || name === '') fail(`${where}.name`, "is required: the source's name");
    if (typeof tenant !== 'string' || !isTenantId(tenant)) fail(`${where}.tenant`, 'is required: the id of the tenant whose streams the source feeds');
    const key = `${tenant as string}/${name as string}`;
    if (seen.has(key)) fail(`${where}.name`, `repeats source "${name as string}" of tenant "${tenant as string}"`);
    seen.add(key);
    return { tenant: tenant as string, name: name as string, definition };
  });
}

const tenantKeys = new Set(['name', 'types', 'subscriptions', 'correlations']);
const subscriptionKeys = new Set(['types', 'filter', 'start', 'destination', 'delivery', 'secretEnv']);
const typeKeys = new Set(['schema', 'schemaFile', 'schemaType', 'partitions', 'partitionKey', 'pipeline']);

/**
 * Reads the `tenants` section of sluice.yaml. Checks its shape here, so a mistake stops
 * start-up naming the file and the key; schemas and pipelines are checked when applied.
 *
 * @example
 * tenants:
 *   acme:
 *     types:
 *       fruits: { schemaFile: schemas/fruits.json, partitionKey: /name }
 */
export function readDeclarations(file: string, section: unknown): Declarations {
  const fail = (key: string, problem: string): never => {
    throw new ConfigError(`config file ${file}: ${key} ${problem}`);
  };
  if (section === undefined || section === null) return { file, tenants: [] };
  if (!isMapping(section)) return fail('tenants', 'must map tenant ids to their settings');
  const tenants: DeclaredTenant[] = [];
  for (const [id, settings] of Object.entries(section)) {
    const where = `tenants.${id}`;
    if (!isTenantId(id)) fail(where, 'is not a tenant id: use lower-case letters, digits and dashes, at most 63');
    if (settings !== null && !isMapping(settings)) fail(where, 'must be a mapping with name and types');
    const tenantSettings = (settings ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(tenantSettings))
      if (!tenantKeys.has(key)) fail(`${where}.${key}`, 'is not a setting (expected name, types, subscriptions, correlations)');
    const tenant: DeclaredTenant = { id, types: new Map(), subscriptions: new Map(), correlations: new Map() };
    if (tenantSettings.name !== undefined) {
      if (typeof tenantSettings.name !== 'string') fail(`${where}.name`, 'must be a string');
      tenant.name = tenantSettings.name as string;
    }
    const types = tenantSettings.types ?? {};
    if (!isMapping(types)) fail(`${where}.types`, 'must map event type names to their settings');
    for (const [name, declared] of Object.entries(types as Record<string, unknown>)) {
      tenant.types.set(name, readType(file, `${where}.types.${name}`, name, declared, fail));
    }
    const subscriptions = tenantSettings.subscriptions ?? {};
    if (!isMapping(subscriptions)) fail(`${where}.subscriptions`, 'must map subscription names to their settings');
    for (const [name, declared] of Object.entries(subscriptions as Record<string, unknown>)) {
      tenant.subscriptions.set(name, readSubscription(`${where}.subscriptions.${name}`, name, declared, fail));
    }
    const correlations = tenantSettings.correlations ?? {};
    if (!isMapping(correlations)) fail(`${where}.correlations`, 'must map correlation names to their definitions');
    for (const [name, declared] of Object.entries(correlations as Record<string, unknown>)) {
      if (!isMapping(declared)) fail(`${where}.correlations.${name}`, 'must be a mapping with types, key, timeout and emit (docs/correlations.md)');
      tenant.correlations.set(name, declared as Record<string, unknown>);
    }
    tenants.push(tenant);
  }
  return { file, tenants };
}

function readType(file: string, where: string, name: string, declared: unknown, fail: (key: string, problem: string) => never): DeclaredType {
  if (!isTypeName(name)) fail(where, 'is not an event type name: letters, digits, dot, dash and underscore, at most 128');
  if (!isMapping(declared)) return fail(where, 'must be a mapping with schema (or schemaFile), partitions, partitionKey, pipeline');
  for (const key of Object.keys(declared))
    if (!typeKeys.has(key)) fail(`${where}.${key}`, 'is not a setting (expected schema, schemaFile, schemaType, partitions, partitionKey, pipeline)');
  if ((declared.schema === undefined) === (declared.schemaFile === undefined))
    fail(where, 'needs exactly one of schema (inline) or schemaFile (a path relative to the config file)');
  let schema = declared.schema;
  if (declared.schemaFile !== undefined) {
    if (typeof declared.schemaFile !== 'string') fail(`${where}.schemaFile`, 'must be a path');
    const path = resolve(dirname(file), declared.schemaFile);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      return fail(`${where}.schemaFile`, `cannot be read (${(error as Error).message})`);
    }
    try {
      schema = path.endsWith('.proto') ? text : path.endsWith('.json') || path.endsWith('.avsc') ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      fail(`${where}.schemaFile`, `is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
    }
  }
  const type: DeclaredType = { schema };
  const schemaType =
    declared.schemaType ??
    (typeof declared.schemaFile === 'string' && declared.schemaFile.endsWith('.proto')
      ? 'PROTOBUF'
      : typeof declared.schemaFile === 'string' && declared.schemaFile.endsWith('.avsc')
        ? 'AVRO'
        : undefined);
  if (schemaType !== undefined) {
    if (schemaType !== 'JSON' && schemaType !== 'AVRO' && schemaType !== 'PROTOBUF') fail(`${where}.schemaType`, 'must be JSON, AVRO or PROTOBUF');
    type.schemaType = schemaType;
  }
  if (declared.partitions !== undefined) {
    if (typeof declared.partitions !== 'number' || !Number.isInteger(declared.partitions)) fail(`${where}.partitions`, 'must be a whole number');
    type.partitions = declared.partitions;
  }
  if (declared.partitionKey !== undefined) {
    if (typeof declared.partitionKey !== 'string') fail(`${where}.partitionKey`, 'must be a JSON pointer such as /user_id');
    type.partitionKey = declared.partitionKey;
  }
  if (declared.pipeline !== undefined && declared.pipeline !== null) {
    if (!isMapping(declared.pipeline)) fail(`${where}.pipeline`, 'must be a mapping with steps, filter and route');
    type.pipeline = declared.pipeline;
  }
  return type;
}

function readSubscription(where: string, name: string, declared: unknown, fail: (key: string, problem: string) => never): DeclaredSubscription {
  try {
    assertSubscriptionName(name);
  } catch {
    fail(where, 'is not a subscription name: lower-case letters, digits, ".", "_" and "-", at most 128, starting with a letter or digit');
  }
  if (!isMapping(declared)) return fail(where, 'must be a mapping with types, destination and optional filter, start, delivery, secretEnv');
  if ('secret' in declared)
    fail(
      `${where}.secret`,
      'is a secret and does not belong in the file: put it in an environment variable and name that variable with secretEnv (e.g. secretEnv: WEBHOOK_SECRET)',
    );
  for (const key of Object.keys(declared))
    if (!subscriptionKeys.has(key)) fail(`${where}.${key}`, `is not a setting (expected ${[...subscriptionKeys].join(', ')})`);
  const { secretEnv, ...definition } = declared;
  // The whole definition is checked now, so a mistake stops start-up before the store opens;
  // whether its types exist and its URL may be called is checked when it is applied.
  try {
    parseSubscriptionDefinition(definition);
  } catch (error) {
    if (!(error instanceof SluiceError)) throw error;
    const problems = error.details?.map((detail) => `${where}${detail.path.replaceAll('/', '.')} ${detail.reason}`) ?? [`${where} ${error.message}`];
    fail(where, `is not a valid subscription: ${problems.join('; ')} (docs/subscriptions.md)`);
  }
  const subscription: DeclaredSubscription = { definition };
  if (secretEnv !== undefined) {
    if (typeof secretEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(secretEnv))
      fail(`${where}.secretEnv`, 'must name an environment variable, such as WEBHOOK_SECRET');
    subscription.secretEnv = secretEnv;
  }
  return subscription;
}

/** Puts each declared subscription's secret from the environment into its definition; never prints the secret. */
export function resolveSubscriptionSecrets(declarations: Declarations, env: NodeJS.ProcessEnv): void {
  for (const tenant of declarations.tenants) {
    for (const [name, subscription] of tenant.subscriptions) {
      if (subscription.secretEnv === undefined) continue;
      const where = `config file ${declarations.file}: tenants.${tenant.id}.subscriptions.${name}.secretEnv names ${subscription.secretEnv}`;
      const secret = env[subscription.secretEnv];
      if (secret === undefined || secret === '') {
        throw new ConfigError(
          `${where}, which is not set: export ${subscription.secretEnv}=whsec_… before starting (or leave secretEnv out and Sluice generates a secret)`,
        );
      }
      const definition = { ...subscription.definition, secret };
      try {
        parseSubscriptionDefinition(definition);
      } catch (error) {
        const problem = error instanceof SluiceError ? error.details?.find((detail) => detail.path === '/secret') : undefined;
        if (problem === undefined) throw error;
        throw new ConfigError(`${where}, whose value is not a signing secret: ${problem.reason}`);
      }
      subscription.definition = definition;
    }
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
