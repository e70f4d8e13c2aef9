import type { Command } from 'commander';
import { parseDuration } from '../../../domain/subscriptions/durations.ts';
import { clientFor, print, withConnection, type ConnectionOptions } from '../connection.ts';
import { readDocument } from '../read-document.ts';

interface SubscriptionFlags extends ConnectionOptions {
  file?: string;
  types?: string;
  endpoint?: string;
  header?: string[];
  mode?: string;
  filter?: string;
  start?: string;
  batchSize?: string;
  maxInFlight?: string;
  timeout?: string;
  retrySchedule?: string;
  disableAfter?: string;
  secret?: string;
  kafkaTopic?: string;
  format?: string;
  brokers?: string;
  exactlyOnce?: boolean;
  archiveDir?: string;
}

const path = (name: string, rest = ''): string => `/v1/subscriptions/${encodeURIComponent(name)}${rest}`;

/** `sluice subscription …`: push delivery of streams to webhooks, Kafka topics and files (docs/subscriptions.md, docs/sinks.md). */
export function registerSubscriptions(program: Command): void {
  const subscription = program
    .command('subscription')
    .description('subscriptions and sinks: deliver streams to a webhook (signed), a Kafka topic or files, retried, in order per key');
  withConnection(subscription.command('list').description("list the tenant's subscriptions"), 'key').action(async (options: ConnectionOptions) => {
    print((await clientFor(options, 'key').request('GET', '/v1/subscriptions')).body);
  });
  withConnection(subscription.command('show <name>').description('print a subscription with its state, progress and lag per partition'), 'key').action(
    async (name: string, options: ConnectionOptions) => {
      print((await clientFor(options, 'key').request('GET', path(name))).body);
    },
  );
  withConnection(
    subscription
      .command('set <name>')
      .description('create or replace a subscription, from flags or a YAML or JSON file')
      .option('-f, --file <file>', 'the definition: {types, destination, filter?, start?, delivery?, secret?} (- for stdin)')
      .option('--types <types>', 'event types to deliver, comma-separated ("_dead" for the dead letters)')
      .option('--endpoint <url>', 'the webhook: an http(s) URL')
      .option('--header <name=value>', 'a header sent with every request (repeatable)', (value: string, all: string[] = []) => [...all, value])
      .option('--mode <mode>', 'structured (the default: the CloudEvent as JSON) or binary (ce- headers)')
      .option('--kafka-topic <topic>', 'a Kafka sink: the topic to write (docs/sinks.md)')
      .option('--format <format>', 'Kafka sink: json (the default), cloudevents, avro, protobuf, json-schema; file sink: ndjson (the default), ndjson.gz')
      .option('--brokers <addresses>', "Kafka sink: another cluster's bootstrap addresses, comma-separated (required on the embedded store)")
      .option('--exactly-once', 'Kafka sink: output and progress in one Kafka transaction (Sluice on Kafka)')
      .option('--archive-dir <dir>', "a file sink: the folder inside the tenant's archive")
      .option('--filter <json>', 'a content pattern, as JSON (docs/patterns.md)')
      .option('--start <start>', 'earliest, latest (the default) or an RFC 3339 time')
      .option('--batch-size <n>', 'records per request (1 to 1000)')
      .option('--max-in-flight <n>', 'requests in flight per partition')
      .option('--timeout <duration>', 'time limit of one attempt, e.g. 10s')
      .option('--retry-schedule <durations>', 'waits before each retry, comma-separated, e.g. 5s,1m,10m,1h')
      .option('--disable-after <duration>', 'disable when everything has failed this long, e.g. 5d')
      .option('--secret <whsec>', 'the signing secret (generated and shown once when left out)'),
    'key',
  ).action(async (name: string, options: SubscriptionFlags) => {
    const answer = (await clientFor(options, 'key').request('PUT', path(name), definitionOf(options))).body as { secret?: string };
    print(answer);
    if (answer.secret !== undefined) showSecretOnce(answer.secret);
  });
  withConnection(subscription.command('delete <name>').description('stop delivering and delete the subscription'), 'key').action(
    async (name: string, options: ConnectionOptions) => {
      await clientFor(options, 'key').request('DELETE', path(name));
      print({ deleted: name });
    },
  );
  for (const [verb, description] of [
    ['pause', 'pause delivery (requests in flight finish; progress is kept)'],
    ['resume', 'resume a paused or disabled subscription'],
  ] as const) {
    withConnection(subscription.command(`${verb} <name>`).description(description), 'key').action(async (name: string, options: ConnectionOptions) => {
      print((await clientFor(options, 'key').request('POST', path(name, `/${verb}`))).body);
    });
  }
  withConnection(
    subscription
      .command('replay <name>')
      .description('deliver again from a point')
      .requiredOption('--from <from>', 'earliest, latest, an RFC 3339 time, or an offset'),
    'key',
  ).action(async (name: string, options: ConnectionOptions & { from: string }) => {
    const from = /^\d+$/.test(options.from) ? Number(options.from) : options.from;
    print((await clientFor(options, 'key').request('POST', path(name, '/replay'), { from })).body);
  });
  withConnection(
    subscription
      .command('rotate-secret <name>')
      .description('a new signing secret, shown once; the old one keeps signing for the grace period')
      .option('--secret <whsec>', 'the new secret (generated when left out)')
      .option('--grace <duration>', 'how long the old secret keeps signing, e.g. 24h (the default), 30m, 0s; at most 7d'),
    'key',
  ).action(async (name: string, options: ConnectionOptions & { secret?: string; grace?: string }) => {
    const body: Record<string, unknown> = {};
    if (options.secret !== undefined) body.secret = options.secret;
    if (options.grace !== undefined) body.graceSeconds = graceSeconds(options.grace);
    const answer = (await clientFor(options, 'key').request('POST', path(name, '/rotate-secret'), body)).body as { secret?: string };
    print(answer);
    if (answer.secret !== undefined) showSecretOnce(answer.secret);
  });
  withConnection(
    subscription
      .command('deliveries <name>')
      .description("this server's recent delivery attempts, newest first")
      .option('--limit <n>', 'how many (1 to 200)', '50'),
    'key',
  ).action(async (name: string, options: ConnectionOptions & { limit: string }) => {
    print((await clientFor(options, 'key').request('GET', path(name, `/deliveries?limit=${encodeURIComponent(options.limit)}`))).body);
  });
}

/** The file's definition with the flags laid over it; the server checks the result. */
function definitionOf(options: SubscriptionFlags): Record<string, unknown> {
  const base = options.file === undefined ? {} : readDocument(options.file);
  const definition: Record<string, unknown> = typeof base === 'object' && base !== null && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
  if (options.types !== undefined)
    definition.types = options.types
      .split(',')
      .map((type) => type.trim())
      .filter((type) => type !== '');
  const destination =
    typeof definition.destination === 'object' && definition.destination !== null ? { ...(definition.destination as Record<string, unknown>) } : {};
  if (options.endpoint !== undefined) destination.url = options.endpoint;
  if (options.mode !== undefined) destination.mode = options.mode;
  if (options.header !== undefined) {
    const headers: Record<string, string> = { ...(destination.headers as Record<string, string> | undefined) };
    for (const pair of options.header) {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`--header ${pair}: write name=value, e.g. --header "authorization=Bearer abc"`);
      headers[pair.slice(0, at).trim()] = pair.slice(at + 1);
    }
    destination.headers = headers;
  }
  const sinks = [options.endpoint, options.kafkaTopic, options.archiveDir].filter((given) => given !== undefined);
  if (sinks.length > 1) throw new Error('give one destination: --endpoint (a webhook), --kafka-topic (a Kafka sink) or --archive-dir (a file sink)');
  let kind = (destination.kind as string | undefined) ?? 'webhook';
  if (options.kafkaTopic !== undefined) {
    kind = 'kafka';
    destination.topic = options.kafkaTopic;
  } else if (options.archiveDir !== undefined) {
    kind = 'file';
    destination.dir = options.archiveDir;
  }
  if (options.format !== undefined) destination.format = options.format;
  if (options.brokers !== undefined)
    destination.brokers = options.brokers
      .split(',')
      .map((broker) => broker.trim())
      .filter((broker) => broker !== '');
  if (options.exactlyOnce === true) destination.exactlyOnce = true;
  if (Object.keys(destination).length > 0) definition.destination = { ...destination, kind };
  if (options.filter !== undefined) definition.filter = parseJson(options.filter, '--filter');
  if (options.start !== undefined) definition.start = options.start;
  if (options.secret !== undefined) definition.secret = options.secret;
  const delivery: Record<string, unknown> =
    typeof definition.delivery === 'object' && definition.delivery !== null ? { ...(definition.delivery as Record<string, unknown>) } : {};
  if (options.batchSize !== undefined) delivery.batchSize = wholeNumber(options.batchSize);
  if (options.maxInFlight !== undefined) delivery.maxInFlight = wholeNumber(options.maxInFlight);
  if (options.timeout !== undefined) delivery.timeoutMs = options.timeout;
  if (options.retrySchedule !== undefined) delivery.retrySchedule = options.retrySchedule.split(',').map((item) => item.trim());
  if (options.disableAfter !== undefined) delivery.disableAfter = options.disableAfter;
  if (Object.keys(delivery).length > 0) definition.delivery = delivery;
  return definition;
}

/** Prints a signing secret where a person sees it even when stdout goes to a file or a pipe. */
function showSecretOnce(secret: string): void {
  process.stderr.write(
    `\nSigning secret: ${secret}\nIt is shown only now (later answers show its first characters): keep it where your endpoint verifies signatures.\n`,
  );
}

/** A flag's number as a number; anything else as typed, for the server to name. */
function wholeNumber(text: string): number | string {
  return /^\d{1,15}$/.test(text.trim()) ? Number(text) : text;
}

/** `--grace 24h` (or a number of seconds) as the seconds the API takes. */
function graceSeconds(text: string): number {
  const ms = /^\d{1,9}$/.test(text.trim()) ? Number(text) * 1000 : parseDuration(text);
  if (ms === undefined) throw new Error(`--grace ${text}: give a duration such as 24h, 30m or 0s (at most 7d)`);
  return Math.round(ms / 1000);
}

function parseJson(text: string, flag: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${flag} is not JSON: ${text}`);
  }
}
