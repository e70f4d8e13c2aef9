import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { defaultDedupWindow } from '../../ports/event-log.ts';
import { ConfigError } from './config-error.ts';
import { readDeclarations, readSourceDeclarations, resolveSubscriptionSecrets, type Declarations } from './declarations.ts';

export interface Limits {
  /** Largest request body, bytes. */
  maxBodyBytes: number;
  /** Most events in one ingest request. */
  maxEventsPerRequest: number;
  /** Deepest nesting of objects and arrays inside one event. */
  maxDepth: number;
  /** Events waiting for the disk before ingest answers 503. */
  maxPendingEvents: number;
  /**
   * Ingest bodies of at least this many bytes are parsed, validated and transformed on the
   * ingest thread, off the HTTP thread; smaller ones are quicker where they are. 0: no ingest thread.
   */
  ingestThreadMinBytes: number;
  /** Requests per second per tenant before 429; 0 turns the limit off. */
  tenantRequestsPerSecond: number;
  /** How long a client may take to send a whole request (headers and body), ms. */
  requestTimeoutMs: number;
  /** How long a connection may stay silent both ways before it is closed, ms (live tails send a keep-alive every 15 s). */
  idleTimeoutMs: number;
  /** Open connections at once, all clients together. */
  maxConnections: number;
  /** Open connections at once from one client address. */
  maxConnectionsPerClient: number;
  /** How often types' retention is enforced, ms. */
  retentionCheckMs: number;
  /** How long after its first copy a repeated producer id is still recognised, ms (both engines). */
  dedupWindowMs: number;
  /** How many of a stream's latest producer ids are remembered for recognising repeats. */
  dedupWindowIds: number;
}

/** Push delivery of subscriptions (docs/subscriptions.md). */
export interface DeliveryConfig {
  /** Deliver to loopback, private and link-local addresses too; off by default (SSRF). */
  allowPrivateNetworks: boolean;
  /** Requests in flight at once in this process, every subscription together. */
  maxInFlight: number;
  /** Requests in flight at once for one tenant in this process. */
  maxInFlightPerTenant: number;
  /** How long a process may be silent before its share of each subscription moves to the others. */
  sessionTimeoutMs: number;
  /** Where file sinks write, each tenant in a folder of its own; default `<dataDir>/archive`. */
  archiveDir?: string;
}

/** The embedded store's file handling (docs/operating.md, "Data directory"). */
export interface StoreConfig {
  /**
   * Copy the WAL into the database file from a second connection on a thread of its own,
   * between commits. Off: the committing connection does it, holding the database file
   * exclusively, which needs no shared memory (a file system without it).
   */
  checkpointThread: boolean;
}

export interface SluiceConfig {
  host: string;
  port: number;
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** From SLUICE_ADMIN_TOKEN only: secrets never come from the config file. */
  adminToken?: string;
  configFile?: string;
  /** Tenants, types, schemas and pipelines declared in the config file, applied at start. */
  declarations?: Declarations;
  limits: Limits;
  groups: { sessionTimeoutMs: number };
  delivery: DeliveryConfig;
  /** The web console at /console and its sign-in sessions. */
  console: { enabled: boolean; sessionTtlMs: number };
  /** The embedded store (not used on Kafka). */
  store: StoreConfig;
  /** When set, every port runs on this Kafka cluster instead of the embedded store. */
  kafka?: { brokers: string[]; topicPrefix: string; replicationFactor: number };
}

export type ConfigInput = {
  host?: string;
  port?: number;
  dataDir?: string;
  logLevel?: SluiceConfig['logLevel'];
  adminToken?: string;
  limits?: Partial<Limits>;
  groups?: Partial<SluiceConfig['groups']>;
  delivery?: Partial<DeliveryConfig>;
  console?: Partial<SluiceConfig['console']>;
  store?: Partial<StoreConfig>;
  kafka?: Partial<NonNullable<SluiceConfig['kafka']>>;
};

export const defaults: Omit<SluiceConfig, 'adminToken' | 'configFile'> = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: './.sluice',
  logLevel: 'info',
  limits: {
    maxBodyBytes: 5 * 1024 * 1024,
    maxEventsPerRequest: 5000,
    maxDepth: 32,
    maxPendingEvents: 200_000,
    ingestThreadMinBytes: 8192,
    tenantRequestsPerSecond: 100_000,
    requestTimeoutMs: 30_000,
    idleTimeoutMs: 60_000,
    retentionCheckMs: 60_000,
    maxConnections: 10_000,
    maxConnectionsPerClient: 1_000,
    dedupWindowMs: defaultDedupWindow.ms,
    dedupWindowIds: defaultDedupWindow.ids,
  },
  groups: { sessionTimeoutMs: 30_000 },
  delivery: { allowPrivateNetworks: false, maxInFlight: 256, maxInFlightPerTenant: 64, sessionTimeoutMs: 10_000 },
  console: { enabled: true, sessionTtlMs: 8 * 3_600_000 },
  store: { checkpointThread: true },
};

const integer = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum });

const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    host: { type: 'string', minLength: 1 },
    port: integer(0, 65535),
    dataDir: { type: 'string', minLength: 1 },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    adminToken: { type: 'string', minLength: 16 },
    configFile: { type: 'string' },
    declarations: { type: 'object' },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxBodyBytes: integer(1024, 1024 * 1024 * 1024),
        maxEventsPerRequest: integer(1, 1_000_000),
        maxDepth: integer(2, 1000),
        maxPendingEvents: integer(1, 100_000_000),
        ingestThreadMinBytes: integer(0, 1024 * 1024 * 1024),
        tenantRequestsPerSecond: integer(0, 100_000_000),
        requestTimeoutMs: integer(1000, 3_600_000),
        idleTimeoutMs: integer(35_000, 3_600_000),
        maxConnections: integer(1, 1_000_000),
        maxConnectionsPerClient: integer(1, 1_000_000),
        retentionCheckMs: integer(100, 86_400_000),
        dedupWindowMs: integer(1000, 365 * 86_400_000),
        dedupWindowIds: integer(1, 100_000_000),
      },
    },
    groups: { type: 'object', additionalProperties: false, properties: { sessionTimeoutMs: integer(1000, 3_600_000) } },
    console: { type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean' }, sessionTtlMs: integer(60_000, 30 * 86_400_000) } },
    store: { type: 'object', additionalProperties: false, properties: { checkpointThread: { type: 'boolean' } } },
    delivery: {
      type: 'object',
      additionalProperties: false,
      properties: {
        allowPrivateNetworks: { type: 'boolean' },
        maxInFlight: integer(1, 10_000),
        maxInFlightPerTenant: integer(1, 10_000),
        sessionTimeoutMs: integer(1000, 600_000),
        archiveDir: { type: 'string', minLength: 1 },
      },
    },
    kafka: {
      type: 'object',
      additionalProperties: false,
      required: ['brokers'],
      properties: {
        brokers: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^\\s,]+:\\d+$' } },
        topicPrefix: { type: 'string', pattern: '^[A-Za-z0-9._-]*$' },
        replicationFactor: integer(1, 16),
      },
    },
  },
} as const;

/** The environment variables Sluice reads, and where each lands in the config. */
export const environment: Record<string, { path: string[]; type: 'string' | 'integer' | 'list' | 'boolean' }> = {
  SLUICE_HOST: { path: ['host'], type: 'string' },
  SLUICE_PORT: { path: ['port'], type: 'integer' },
  SLUICE_DATA_DIR: { path: ['dataDir'], type: 'string' },
  SLUICE_LOG_LEVEL: { path: ['logLevel'], type: 'string' },
  SLUICE_ADMIN_TOKEN: { path: ['adminToken'], type: 'string' },
  SLUICE_MAX_BODY_BYTES: { path: ['limits', 'maxBodyBytes'], type: 'integer' },
  SLUICE_MAX_EVENTS_PER_REQUEST: { path: ['limits', 'maxEventsPerRequest'], type: 'integer' },
  SLUICE_MAX_DEPTH: { path: ['limits', 'maxDepth'], type: 'integer' },
  SLUICE_MAX_PENDING_EVENTS: { path: ['limits', 'maxPendingEvents'], type: 'integer' },
  SLUICE_INGEST_THREAD_MIN_BYTES: { path: ['limits', 'ingestThreadMinBytes'], type: 'integer' },
  SLUICE_TENANT_REQUESTS_PER_SECOND: { path: ['limits', 'tenantRequestsPerSecond'], type: 'integer' },
  SLUICE_REQUEST_TIMEOUT_MS: { path: ['limits', 'requestTimeoutMs'], type: 'integer' },
  SLUICE_IDLE_TIMEOUT_MS: { path: ['limits', 'idleTimeoutMs'], type: 'integer' },
  SLUICE_RETENTION_CHECK_MS: { path: ['limits', 'retentionCheckMs'], type: 'integer' },
  SLUICE_MAX_CONNECTIONS: { path: ['limits', 'maxConnections'], type: 'integer' },
  SLUICE_MAX_CONNECTIONS_PER_CLIENT: { path: ['limits', 'maxConnectionsPerClient'], type: 'integer' },
  SLUICE_DEDUP_WINDOW_MS: { path: ['limits', 'dedupWindowMs'], type: 'integer' },
  SLUICE_DEDUP_WINDOW_IDS: { path: ['limits', 'dedupWindowIds'], type: 'integer' },
  SLUICE_GROUP_SESSION_TIMEOUT_MS: { path: ['groups', 'sessionTimeoutMs'], type: 'integer' },
  SLUICE_DELIVERY_ALLOW_PRIVATE_NETWORKS: { path: ['delivery', 'allowPrivateNetworks'], type: 'boolean' },
  SLUICE_CONSOLE: { path: ['console', 'enabled'], type: 'boolean' },
  SLUICE_CONSOLE_SESSION_TTL_MS: { path: ['console', 'sessionTtlMs'], type: 'integer' },
  SLUICE_CHECKPOINT_THREAD: { path: ['store', 'checkpointThread'], type: 'boolean' },
  SLUICE_DELIVERY_MAX_IN_FLIGHT: { path: ['delivery', 'maxInFlight'], type: 'integer' },
  SLUICE_DELIVERY_MAX_IN_FLIGHT_PER_TENANT: { path: ['delivery', 'maxInFlightPerTenant'], type: 'integer' },
  SLUICE_DELIVERY_SESSION_TIMEOUT_MS: { path: ['delivery', 'sessionTimeoutMs'], type: 'integer' },
  SLUICE_DELIVERY_ARCHIVE_DIR: { path: ['delivery', 'archiveDir'], type: 'string' },
  SLUICE_KAFKA_BROKERS: { path: ['kafka', 'brokers'], type: 'list' },
  SLUICE_KAFKA_TOPIC_PREFIX: { path: ['kafka', 'topicPrefix'], type: 'string' },
  SLUICE_KAFKA_REPLICATION_FACTOR: { path: ['kafka', 'replicationFactor'], type: 'integer' },
};

export { ConfigError };

/**
 * Builds the configuration: flags > `SLUICE_*` environment > `sluice.yaml` > defaults,
 * validated once against one schema and frozen.
 *
 * @example loadConfig({ flags: { port: 0 }, env: process.env })
 */
export function loadConfig(options: { flags?: ConfigInput; env?: NodeJS.ProcessEnv; configFile?: string } = {}): Readonly<SluiceConfig> {
  const env = options.env ?? {};
  const fileName = options.configFile ?? env.SLUICE_CONFIG ?? (existsSync('sluice.yaml') ? 'sluice.yaml' : undefined);
  const fromFile = fileName === undefined ? {} : readConfigFile(fileName);
  if (fromFile.declarations !== undefined) resolveSubscriptionSecrets(fromFile.declarations as Declarations, env);
  const fromEnv = readEnvironment(env);
  const merged = merge(merge(merge(structuredClone(defaults), fromFile), fromEnv), options.flags ?? {});
  if (fileName !== undefined) merged.configFile = resolve(fileName);
  if (isPlainObject(merged.kafka)) merged.kafka = { topicPrefix: '', replicationFactor: 1, ...merged.kafka };
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile(configSchema);
  if (!validate(merged)) {
    const problems = (validate.errors ?? []).map((error) => {
      const where = error.instancePath.slice(1).replaceAll('/', '.') || '(top level)';
      const { additionalProperty: extra, allowedValues } = error.params as { additionalProperty?: string; allowedValues?: unknown[] };
      if (extra !== undefined) return `${where === '(top level)' ? '' : `${where}.`}${extra} is not a setting`;
      if (allowedValues !== undefined) return `${where} must be one of ${allowedValues.map(String).join(', ')}`;
      return `${where} ${error.message ?? ''}`;
    });
    throw new ConfigError(
      `invalid configuration${fileName === undefined ? '' : ` (file ${fileName})`}: ${problems.join('; ')}. See the configuration table in README.md.`,
    );
  }
  return deepFreeze(merged as unknown as SluiceConfig);
}

function readConfigFile(fileName: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(fileName, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${fileName}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(`config file ${fileName} is not valid YAML: ${(error as Error).message}`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new ConfigError(`config file ${fileName} must hold a mapping`);
  const { server, limits, groups, delivery, tenants, sources, kafka, console: consoleSettings, store, ...rest } = document as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw new ConfigError(
      `config file ${fileName}: unknown top-level key ${unknown.map((k) => `"${k}"`).join(', ')}; expected server, limits, groups, delivery, kafka, tenants, sources, console, store`,
    );
  if (server !== undefined && (typeof server !== 'object' || server === null)) throw new ConfigError(`config file ${fileName}: "server" must be a mapping`);
  const serverSettings = (server ?? {}) as Record<string, unknown>;
  if ('adminToken' in serverSettings)
    throw new ConfigError(`config file ${fileName}: server.adminToken is a secret; set SLUICE_ADMIN_TOKEN in the environment instead`);
  const result: Record<string, unknown> = { ...serverSettings };
  if (limits !== undefined) result.limits = limits;
  if (groups !== undefined) result.groups = groups;
  if (delivery !== undefined) result.delivery = delivery;
  if (kafka !== undefined) result.kafka = kafka;
  if (consoleSettings !== undefined) result.console = consoleSettings;
  if (store !== undefined) result.store = store;
  result.declarations = { ...readDeclarations(resolve(fileName), tenants), sources: readSourceDeclarations(resolve(fileName), sources) };
  return result;
}

function readEnvironment(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, { path, type }] of Object.entries(environment)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    let value: unknown = raw;
    if (type === 'integer') {
      if (!/^\d+$/.test(raw)) throw new ConfigError(`${name}=${raw} is not a whole number`);
      value = Number(raw);
    } else if (type === 'boolean') {
      if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name}=${raw} must be true or false`);
      value = raw === 'true';
    } else if (type === 'list') {
      value = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    }
    let target = result;
    for (const segment of path.slice(0, -1)) target = (target[segment] ??= {}) as Record<string, unknown>;
    target[path.at(-1)!] = value;
  }
  return result;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = base[key];
    if (isPlainObject(current) && isPlainObject(value)) base[key] = merge({ ...current }, value);
    else base[key] = value;
  }
  return base;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
