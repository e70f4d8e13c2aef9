import type { DeliverySettings, StartFromDoc, SubscriptionDestination, WebhookDestination } from '../catalog-docs.ts';
import type { ErrorDetail } from '../errors.ts';
import { SluiceError } from '../errors.ts';
import { deadLetterType, isTypeName } from '../names.ts';
import { nested } from '../pipeline-config.ts';
import { compilePattern } from '../patterns/index.ts';
import type { CompiledPattern } from '../patterns/index.ts';
import { parseStartFrom } from '../positions.ts';
import { parseDuration } from './durations.ts';
import { parseFileDestination, parseKafkaDestination } from './sink-destinations.ts';

/** What a caller sends to create or replace a subscription (`PUT /v1/subscriptions/{name}`, sluice.yaml). */
export interface SubscriptionDefinition {
  types?: unknown;
  filter?: unknown;
  start?: unknown;
  destination?: unknown;
  delivery?: unknown;
  secret?: unknown;
}

/** A definition checked and filled with defaults; `secret` only when the caller chose one. */
export interface ParsedSubscription {
  types: string[];
  filter?: unknown;
  start: StartFromDoc;
  destination: SubscriptionDestination;
  delivery: DeliverySettings;
  secret?: string;
}

/**
 * Retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h: eight attempts over about a
 * day, so an endpoint that is down overnight still gets its records.
 */
export const defaultRetrySchedule: readonly number[] = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

export const deliveryDefaults: Readonly<DeliverySettings> = {
  batchSize: 1,
  maxInFlight: 10,
  timeoutMs: 10_000,
  retrySchedule: [...defaultRetrySchedule],
  disableAfterMs: 5 * 86_400_000,
};

/**
 * A Kafka sink writes a batch per produce request and keeps a few in flight: one record per
 * request would cost a broker round trip each.
 */
export const kafkaDeliveryDefaults: Readonly<Pick<DeliverySettings, 'batchSize' | 'maxInFlight' | 'timeoutMs'>> = {
  batchSize: 500,
  maxInFlight: 4,
  timeoutMs: 30_000,
};

export const deliveryLimits = {
  batchSize: [1, 1000],
  maxInFlight: [1, 100],
  timeoutMs: [100, 60_000],
  retries: [0, 30],
  retryDelayMs: [0, 7 * 86_400_000],
  disableAfterMs: [1_000, 30 * 86_400_000],
} as const;

const subscriptionNamePattern = /^[a-z0-9][a-z0-9._-]{0,127}$/;
const definitionKeys = new Set(['types', 'filter', 'start', 'destination', 'delivery', 'secret']);
const destinationKeys = new Set(['kind', 'url', 'headers', 'mode']);
const deliveryKeys = new Set(['batchSize', 'maxInFlight', 'timeoutMs', 'retrySchedule', 'disableAfter']);
/** Headers Sluice sets itself; a subscription may not replace them. */
const reservedHeaders = /^(content-type|content-length|host|connection|transfer-encoding|webhook-.*|ce-.*)$/;
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9a-z-]{1,100}$/;
const secretPattern = /^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/;

export function assertSubscriptionName(name: string): void {
  if (!subscriptionNamePattern.test(name)) {
    throw new SluiceError(
      'invalid_name',
      `"${name}" is not a valid subscription name: use lower-case letters, digits, ".", "_" and "-" (at most 128, starting with a letter or digit)`,
    );
  }
}

const secretReason = 'a signing secret is "whsec_" followed by base64 of 24 to 64 random bytes; leave it out and Sluice generates one';

/** True for a Standard Webhooks secret Sluice accepts: `whsec_` and base64 of 24 to 64 bytes. */
export function isSigningSecret(value: unknown): value is string {
  return typeof value === 'string' && secretPattern.test(value) && validBase64Key(value);
}

/**
 * Checks a definition and fills in defaults. `typeExists`, when given, is asked about each
 * named type, so an unknown type is reported in the same answer as every other problem.
 *
 * @throws SluiceError `invalid_subscription` with one detail per problem
 */
export function parseSubscriptionDefinition(input: unknown, typeExists?: (type: string) => boolean): ParsedSubscription {
  const problems: ErrorDetail[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SluiceError('invalid_subscription', 'a subscription is an object with types, destination and optional filter, start, delivery, secret', {
      details: [{ path: '', reason: 'not an object' }],
    });
  }
  const definition = input as Record<string, unknown>;
  for (const key of Object.keys(definition))
    if (!definitionKeys.has(key)) problems.push({ path: `/${key}`, reason: `unknown key (expected ${[...definitionKeys].join(', ')})` });

  const types = parseTypes(definition.types, problems);
  if (typeExists !== undefined) {
    types.forEach((type, i) => {
      if (type !== deadLetterType && !typeExists(type))
        problems.push({ path: `/types/${i}`, reason: `no event type "${type}": register it first, or use "${deadLetterType}" for dead letters` });
    });
  }
  if (definition.filter !== undefined) nested(problems, '/filter', () => compilePattern(definition.filter));
  const start = parseStart(definition.start, problems);
  const destination = parseDestination(definition.destination, problems);
  const delivery = parseDelivery(definition.delivery, problems, destination?.kind === 'kafka' ? kafkaDeliveryDefaults : {});
  if (destination?.kind === 'webhook' && destination.mode === 'binary' && delivery.batchSize > 1)
    problems.push({ path: '/destination/mode', reason: 'binary mode carries one record per request; use "structured" for batches (delivery.batchSize > 1)' });
  let secret: string | undefined;
  if (definition.secret !== undefined && destination !== undefined && destination.kind !== 'webhook') {
    problems.push({ path: '/secret', reason: `only webhooks are signed; a ${destination.kind} sink has no secret` });
  } else if (definition.secret !== undefined) {
    if (!isSigningSecret(definition.secret)) {
      problems.push({ path: '/secret', reason: secretReason });
    } else {
      secret = definition.secret;
    }
  }
  if (problems.length > 0 || destination === undefined) {
    throw new SluiceError(
      'invalid_subscription',
      `the subscription has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}`,
      { details: problems },
    );
  }
  const parsed: ParsedSubscription = { types, start, destination, delivery };
  if (definition.filter !== undefined) parsed.filter = definition.filter;
  if (secret !== undefined) parsed.secret = secret;
  return parsed;
}

/** The filter's matcher; `undefined` matches everything. */
export function compileFilter(filter: unknown): CompiledPattern | undefined {
  return filter === undefined ? undefined : compilePattern(filter);
}

function parseTypes(value: unknown, problems: ErrorDetail[]): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push({ path: '/types', reason: `name one or more of the tenant's event types, or "${deadLetterType}" for its dead letters` });
    return [];
  }
  const types: string[] = [];
  value.forEach((type, i) => {
    if (typeof type !== 'string' || (type !== deadLetterType && !isTypeName(type))) problems.push({ path: `/types/${i}`, reason: 'not an event type name' });
    else if (types.includes(type)) problems.push({ path: `/types/${i}`, reason: `"${type}" is listed twice` });
    else types.push(type);
  });
  if (value.length > 50) problems.push({ path: '/types', reason: 'at most 50 types' });
  return types;
}

function parseStart(value: unknown, problems: ErrorDetail[]): StartFromDoc {
  if (value === undefined) return 'latest';
  if (typeof value === 'string') {
    try {
      return parseStartFrom(value);
    } catch {
      // reported below
    }
  }
  problems.push({ path: '/start', reason: 'use "earliest", "latest" (the default) or an RFC 3339 time' });
  return 'latest';
}

function parseDestination(value: unknown, problems: ErrorDetail[]): SubscriptionDestination | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ path: '/destination', reason: 'give {kind: "webhook", url, …}, {kind: "kafka", topic, format, …} or {kind: "file", dir, …}' });
    return undefined;
  }
  const destination = value as Record<string, unknown>;
  const kind = destination.kind ?? 'webhook';
  if (kind === 'kafka') return parseKafkaDestination(destination, problems);
  if (kind === 'file') return parseFileDestination(destination, problems);
  if (kind !== 'webhook') {
    problems.push({ path: '/destination/kind', reason: 'use "webhook" (the default), "kafka" or "file"' });
    return undefined;
  }
  return parseWebhookDestination(destination, problems);
}

function parseWebhookDestination(destination: Record<string, unknown>, problems: ErrorDetail[]): WebhookDestination | undefined {
  for (const key of Object.keys(destination))
    if (!destinationKeys.has(key)) problems.push({ path: `/destination/${key}`, reason: `unknown key (expected ${[...destinationKeys].join(', ')})` });
  const url = destination.url;
  let parsedUrl: URL | undefined;
  if (typeof url === 'string' && url.length <= 2048) {
    try {
      parsedUrl = new URL(url);
    } catch {
      // reported below
    }
  }
  if (parsedUrl === undefined) problems.push({ path: '/destination/url', reason: 'give an absolute http:// or https:// URL' });
  else if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:')
    problems.push({ path: '/destination/url', reason: `the scheme must be http or https, not ${parsedUrl.protocol.slice(0, -1)}` });
  else if (parsedUrl.username !== '' || parsedUrl.password !== '')
    problems.push({ path: '/destination/url', reason: 'credentials in the URL are not sent; put them in destination.headers (e.g. authorization)' });
  const mode = destination.mode ?? 'structured';
  if (mode !== 'structured' && mode !== 'binary') problems.push({ path: '/destination/mode', reason: 'use "structured" (the default) or "binary"' });
  let headers: Record<string, string> | undefined;
  if (destination.headers !== undefined) {
    if (typeof destination.headers !== 'object' || destination.headers === null || Array.isArray(destination.headers)) {
      problems.push({ path: '/destination/headers', reason: 'a mapping of header names to string values' });
    } else {
      headers = {};
      const entries = Object.entries(destination.headers as Record<string, unknown>);
      if (entries.length > 20) problems.push({ path: '/destination/headers', reason: 'at most 20 headers' });
      for (const [name, headerValue] of entries) {
        const lower = name.toLowerCase();
        if (!headerNamePattern.test(lower)) problems.push({ path: `/destination/headers/${name}`, reason: 'not a valid header name' });
        else if (reservedHeaders.test(lower)) problems.push({ path: `/destination/headers/${name}`, reason: 'Sluice sets this header itself' });
        else if (typeof headerValue !== 'string' || headerValue.length > 4096 || /[\r\n\0]/.test(headerValue))
          problems.push({ path: `/destination/headers/${name}`, reason: 'a string of at most 4096 characters without line breaks' });
        else headers[lower] = headerValue;
      }
    }
  }
  if (parsedUrl === undefined || typeof url !== 'string') return undefined;
  const parsed: WebhookDestination = { kind: 'webhook', url, mode: mode === 'binary' ? 'binary' : 'structured' };
  if (headers !== undefined && Object.keys(headers).length > 0) parsed.headers = headers;
  return parsed;
}

function parseDelivery(value: unknown, problems: ErrorDetail[], kindDefaults: Partial<DeliverySettings>): DeliverySettings {
  const delivery: DeliverySettings = { ...deliveryDefaults, ...kindDefaults, retrySchedule: [...deliveryDefaults.retrySchedule] };
  if (value === undefined) return delivery;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ path: '/delivery', reason: 'a mapping with batchSize, maxInFlight, timeoutMs, retrySchedule, disableAfter' });
    return delivery;
  }
  const given = value as Record<string, unknown>;
  for (const key of Object.keys(given))
    if (!deliveryKeys.has(key)) problems.push({ path: `/delivery/${key}`, reason: `unknown key (expected ${[...deliveryKeys].join(', ')})` });
  const integer = (key: 'batchSize' | 'maxInFlight' | 'timeoutMs', [min, max]: readonly [number, number]): void => {
    const raw = given[key];
    if (raw === undefined) return;
    const n = key === 'timeoutMs' ? parseDuration(raw) : raw;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max)
      problems.push({ path: `/delivery/${key}`, reason: `an integer from ${min} to ${max}` });
    else delivery[key] = n;
  };
  integer('batchSize', deliveryLimits.batchSize);
  integer('maxInFlight', deliveryLimits.maxInFlight);
  integer('timeoutMs', deliveryLimits.timeoutMs);
  if (given.retrySchedule !== undefined) {
    const schedule = given.retrySchedule;
    if (!Array.isArray(schedule) || schedule.length > deliveryLimits.retries[1]) {
      problems.push({
        path: '/delivery/retrySchedule',
        reason: `a list of at most ${deliveryLimits.retries[1]} delays (milliseconds, or text such as "5s", "10m", "2h")`,
      });
    } else {
      const delays: number[] = [];
      schedule.forEach((item, i) => {
        const ms = parseDuration(item);
        if (ms === undefined || ms > deliveryLimits.retryDelayMs[1])
          problems.push({ path: `/delivery/retrySchedule/${i}`, reason: 'a delay such as 5000, "5s", "10m" or "2h", at most 7 days' });
        else delays.push(ms);
      });
      delivery.retrySchedule = delays;
    }
  }
  if (given.disableAfter !== undefined) {
    const ms = parseDuration(given.disableAfter);
    const [min, max] = deliveryLimits.disableAfterMs;
    if (ms === undefined || ms < min || ms > max) problems.push({ path: '/delivery/disableAfter', reason: 'a duration from "1s" to "30d", such as "5d"' });
    else delivery.disableAfterMs = ms;
  }
  return delivery;
}

function validBase64Key(secret: string): boolean {
  const bytes = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return bytes.length >= 24 && bytes.length <= 64;
}
