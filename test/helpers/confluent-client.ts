import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Drives the stock Confluent Python client (PyPI confluent-kafka, librdkafka inside, with its
 * schema registry serializers) from node:test tests, through test/helpers/confluent_client.py
 * in the venv that scripts/python-clients.sh makes.
 */

export const pythonClientsScript = fileURLToPath(new URL('../../scripts/python-clients.sh', import.meta.url));
export const confluentClientCli = fileURLToPath(new URL('./confluent_client.py', import.meta.url));

export type StockFormat = 'avro' | 'json-schema' | 'protobuf' | 'json' | 'raw';

export interface StockRegistry {
  /** The registry base URL, e.g. `${server.url}/registry`. */
  url: string;
  /** Basic credentials (a Sluice key's keyId and secret). */
  auth?: { username: string; password: string };
}

interface StockCommon {
  bootstrap: string | string[];
  topic: string;
  format: StockFormat;
  registry?: StockRegistry;
  /** Schema text for avro / json-schema (produce) or a .proto file's text (protobuf). */
  schema?: string;
  /** Protobuf: the message type (default: the first one in the schema). */
  message?: string;
  /** The python to use; default: the one ensurePythonClients() installs. */
  python?: string;
}

export interface StockRecord {
  key: string | null;
  /** avro/json-schema/protobuf/json: an object; raw: base64 of the bytes. */
  value: unknown;
  headers?: Record<string, string>;
}

export interface StockProduceOptions extends StockCommon {
  records: StockRecord[];
  /** Create the topic first (the test broker has auto.create.topics.enable=false). */
  createTopic?: boolean;
  partitions?: number;
  /** How long to wait for acknowledgements; the process gets this plus some slack. */
  timeoutMs?: number;
}

export interface StockConsumeOptions extends StockCommon {
  count: number;
  /** Stop after this long even if fewer than `count` messages came. */
  timeoutMs?: number;
  isolation?: 'read_committed' | 'read_uncommitted';
  group?: string;
}

export interface StockMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: any;
  headers: Record<string, string | null>;
}

let installing: Promise<string | undefined> | undefined;
let unavailableReason: string | undefined;

/**
 * Installs the stock Python clients once per process (scripts/python-clients.sh; about 20 s
 * the first time on a machine, a fraction of a second after) and answers the venv's python,
 * or undefined after logging why (no python3, no venv/pip, no index): tests then skip with
 * {@link pythonClientsSkipReason}.
 */
export function ensurePythonClients(): Promise<string | undefined> {
  installing ??= new Promise((resolve) => {
    execFile('bash', [pythonClientsScript], { timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const python = stdout.trim().split('\n').at(-1)?.trim();
      if (error === null && python !== undefined && python !== '') {
        resolve(python);
        return;
      }
      const detail = stderr.trim().split('\n').slice(-5).join('\n') || (error?.message ?? 'no python path printed');
      unavailableReason = `the stock Python Confluent client is unavailable (scripts/python-clients.sh failed): ${detail}`;
      console.warn(unavailableReason);
      resolve(undefined);
    });
  });
  return installing;
}

/** Why ensurePythonClients() answered undefined (for `t.skip(...)`). */
export function pythonClientsSkipReason(): string {
  return unavailableReason ?? 'the stock Python Confluent client is unavailable';
}

async function pythonFor(options: StockCommon): Promise<string> {
  if (options.python !== undefined) return options.python;
  const python = await ensurePythonClients();
  if (python === undefined) throw new Error(pythonClientsSkipReason());
  return python;
}

function commonArgs(options: StockCommon, dir: string): { args: string[]; files: Promise<void>[] } {
  const bootstrap = Array.isArray(options.bootstrap) ? options.bootstrap.join(',') : options.bootstrap;
  const args = ['--bootstrap', bootstrap, '--topic', options.topic, '--format', options.format];
  const files: Promise<void>[] = [];
  if (options.registry !== undefined) {
    args.push('--registry', options.registry.url);
    if (options.registry.auth !== undefined) args.push('--registry-auth', `${options.registry.auth.username}:${options.registry.auth.password}`);
  }
  if (options.schema !== undefined) {
    const file = join(dir, options.format === 'protobuf' ? 'schema.proto' : 'schema.txt');
    files.push(writeFile(file, options.schema));
    args.push('--schema-file', file);
  }
  if (options.message !== undefined) args.push('--message', options.message);
  return { args, files };
}

/** Parses the CLI's JSON lines; throws with its `{"error"}` line (or stderr) when it failed. */
function runCli(python: string, args: string[], timeoutMs: number): Promise<any[]> {
  return new Promise((resolve, reject) => {
    execFile(python, [confluentClientCli, ...args], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const lines: any[] = [];
      for (const line of stdout.split('\n')) {
        if (line.trim() === '') continue;
        try {
          lines.push(JSON.parse(line));
        } catch {
          lines.push({ unparsed: line });
        }
      }
      const failure = lines.find((line) => typeof line?.error === 'string');
      if (failure !== undefined) {
        reject(new Error(`stock Confluent client ${args[0]}: ${failure.error}`));
        return;
      }
      if (error !== null) {
        const why = error.killed ? `killed after ${timeoutMs} ms` : error.message;
        reject(new Error(`stock Confluent client ${args[0]} failed (${why}); stderr: ${stderr.trim().split('\n').slice(-10).join('\n')}`));
        return;
      }
      resolve(lines);
    });
  });
}

async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-stock-client-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Produces the records with the stock client (idempotent producer); answers how many were acknowledged. */
export async function produceWithStockClient(options: StockProduceOptions): Promise<{ produced: number }> {
  const python = await pythonFor(options);
  return withTempDir(async (dir) => {
    const { args, files } = commonArgs(options, dir);
    const input = join(dir, 'input.jsonl');
    files.push(writeFile(input, options.records.map((record) => JSON.stringify(record)).join('\n') + '\n'));
    await Promise.all(files);
    const timeoutMs = options.timeoutMs ?? 30_000;
    args.unshift('produce');
    args.push('--input', input, '--timeout', String(timeoutMs / 1000));
    if (options.createTopic === true) args.push('--create-topic', '--partitions', String(options.partitions ?? 1));
    const lines = await runCli(python, args, timeoutMs + 60_000);
    const result = lines.find((line) => typeof line?.produced === 'number');
    if (result === undefined) throw new Error(`stock Confluent client produce printed no result: ${JSON.stringify(lines)}`);
    return { produced: result.produced as number };
  });
}

/**
 * Reads the topic from its earliest offset with the stock client (a fresh group unless
 * `group`) until `count` messages or `timeoutMs`; answers the messages that came.
 */
export async function consumeWithStockClient(options: StockConsumeOptions): Promise<StockMessage[]> {
  const python = await pythonFor(options);
  return withTempDir(async (dir) => {
    const { args, files } = commonArgs(options, dir);
    await Promise.all(files);
    const timeoutMs = options.timeoutMs ?? 20_000;
    args.unshift('consume');
    args.push('--count', String(options.count), '--timeout', String(timeoutMs / 1000));
    if (options.isolation !== undefined) args.push('--isolation', options.isolation);
    if (options.group !== undefined) args.push('--group', options.group);
    const lines = await runCli(python, args, timeoutMs + 60_000);
    if (!lines.some((line) => line?.done === true)) throw new Error(`stock Confluent client consume did not finish: ${JSON.stringify(lines)}`);
    return lines.filter((line) => line?.done !== true) as StockMessage[];
  });
}

/** Basic credentials of a Sluice key (`sk.<keyId>.<secret>`), as the registry takes them. */
export function registryAuth(key: string): { username: string; password: string } {
  const [, keyId, secret] = key.split('.');
  if (keyId === undefined || secret === undefined) throw new Error('keys are sk.<keyId>.<secret>');
  return { username: keyId, password: secret };
}
