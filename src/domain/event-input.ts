import { guardJson } from './json-guard.ts';
import { parseExactJson } from './exact-json.ts';
import type { EventInput } from './event.ts';
import type { ErrorDetail } from './errors.ts';
import { SluiceError } from './errors.ts';

const nativeFields = new Set(['type', 'data', 'id', 'key', 'time', 'source', 'subject', 'schemaVersion']);
const cloudEventsCoreFields = new Set(['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'dataschema', 'data', 'data_base64']);
const rfc3339 = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const maxKeyLength = 1024;
const maxAttributeLength = 1024;

/** `limits.maxDepth`'s default: how deep data decoded from `data_base64` may nest unless the caller says. */
const defaultMaxDepth = 32;

/**
 * Turns one parsed JSON object into an event: Sluice's own shape
 * (`{"type","data","id"?,"key"?,...}`) or a structured CloudEvent (it has `specversion`).
 * Throws `invalid_event` naming each bad field. Data a CloudEvent carries as `data_base64` is
 * parsed here, so it passes the same guard (`maxDepth`, keys, exact numbers) the caller gave
 * the rest of the event.
 */
export function toEventInput(value: unknown, original: () => string, maxDepth = defaultMaxDepth): EventInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SluiceError('invalid_event', 'an event must be a JSON object', { details: [{ path: '', reason: 'not an object' }] });
  }
  const object = value as Record<string, unknown>;
  return 'specversion' in object ? fromCloudEvent(object, original, maxDepth) : fromNative(object, original);
}

function fromNative(object: Record<string, unknown>, original: () => string): EventInput {
  const problems: ErrorDetail[] = [];
  for (const field of Object.keys(object)) {
    if (!nativeFields.has(field))
      problems.push({ path: `/${field}`, reason: 'unknown field (expected type, data, id, key, time, source, subject, schemaVersion)' });
  }
  const type = requiredString(object, 'type', problems);
  if (!('data' in object)) problems.push({ path: '/data', reason: 'required' });
  const event: EventInput = { type, data: object.data, original };
  copyAttributes(object, event, problems);
  if ('schemaVersion' in object) {
    const version = object.schemaVersion;
    if (typeof version === 'number' && Number.isInteger(version) && version > 0) event.schemaVersion = version;
    else problems.push({ path: '/schemaVersion', reason: 'must be a positive integer' });
  }
  return finish(event, problems);
}

function fromCloudEvent(object: Record<string, unknown>, original: () => string, maxDepth = defaultMaxDepth): EventInput {
  const problems: ErrorDetail[] = [];
  if (object.specversion !== '1.0') problems.push({ path: '/specversion', reason: 'must be "1.0"' });
  const type = requiredString(object, 'type', problems);
  requiredString(object, 'id', problems);
  requiredString(object, 'source', problems);
  const event: EventInput = { type, data: cloudEventData(object, problems, maxDepth), original };
  copyAttributes(object, event, problems);
  const partitionKey = object.partitionkey;
  if (partitionKey !== undefined) {
    if (typeof partitionKey === 'string' && partitionKey.length <= maxKeyLength) event.key = partitionKey;
    else problems.push({ path: '/partitionkey', reason: `must be a string of at most ${maxKeyLength} characters` });
  }
  const schemaVersion = versionFromDataSchema(object.dataschema);
  if (schemaVersion !== undefined) event.schemaVersion = schemaVersion;
  if (event.id !== undefined && event.source !== undefined) event.dedupKey = cloudEventIdentity(event.source, event.id);
  for (const field of Object.keys(object)) {
    if (!cloudEventsCoreFields.has(field) && !/^[a-z0-9]{1,20}$/.test(field)) {
      problems.push({ path: `/${field}`, reason: 'CloudEvents extension names are lower-case letters and digits, at most 20' });
    }
  }
  return finish(event, problems);
}

/**
 * Attributes that come from CloudEvents binary-mode headers (`ce-type`, `ce-id`, ...).
 */
export function fromBinaryCloudEvent(headers: Record<string, string>, data: unknown, original: () => string): EventInput {
  // In binary mode the body is the data; a `ce-data` header must not replace it.
  const misplaced = ['data', 'data_base64'].filter((name) => Object.hasOwn(headers, name));
  const object: Record<string, unknown> = { data };
  finish(
    { type: '', data, original },
    misplaced.map((name) => ({ path: `/${name}`, reason: `in binary mode the body is the data; do not send a ce-${name} header` })),
  );
  for (const [name, value] of Object.entries(headers)) object[name] = value;
  return fromCloudEvent(object, original);
}

/** CloudEvents: "Producers MUST ensure that source + id is unique for each distinct event." */
export function cloudEventIdentity(source: string, id: string): string {
  return JSON.stringify([source, id]);
}

function cloudEventData(object: Record<string, unknown>, problems: ErrorDetail[], maxDepth: number): unknown {
  // A CloudEvent may carry no data; it is stored (and validated) as null, never undefined.
  if (object.data_base64 === undefined) return object.data ?? null;
  if ('data' in object) problems.push({ path: '/data_base64', reason: 'send either data or data_base64, not both' });
  if (typeof object.data_base64 !== 'string') {
    problems.push({ path: '/data_base64', reason: 'must be a base64 string' });
    return undefined;
  }
  const contentType = typeof object.datacontenttype === 'string' ? object.datacontenttype : 'application/json';
  if (!isJsonContentType(contentType)) {
    problems.push({ path: '/datacontenttype', reason: 'Sluice validates JSON data; send datacontenttype application/json' });
    return undefined;
  }
  let data: unknown;
  try {
    data = parseExactJson(Buffer.from(object.data_base64, 'base64').toString('utf8'));
  } catch {
    problems.push({ path: '/data_base64', reason: 'does not decode to JSON' });
    return undefined;
  }
  guardJson(data, maxDepth);
  return data;
}

export function isJsonContentType(contentType: string): boolean {
  const mediaType = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return mediaType === 'application/json' || mediaType.endsWith('+json') || mediaType === 'text/json';
}

function versionFromDataSchema(dataschema: unknown): number | undefined {
  if (typeof dataschema !== 'string') return undefined;
  const match = /\/versions\/(\d+)$/.exec(dataschema);
  return match === null ? undefined : Number(match[1]);
}

function copyAttributes(object: Record<string, unknown>, event: EventInput, problems: ErrorDetail[]): void {
  const id = optionalString(object, 'id', problems);
  if (id !== undefined) event.id = id;
  const source = optionalString(object, 'source', problems);
  if (source !== undefined) event.source = source;
  const subject = optionalString(object, 'subject', problems);
  if (subject !== undefined) event.subject = subject;
  const key = object.key;
  if (key !== undefined && key !== null) {
    if (typeof key === 'string' && key.length <= maxKeyLength) event.key = key;
    else problems.push({ path: '/key', reason: `must be a string of at most ${maxKeyLength} characters` });
  }
  const time = optionalString(object, 'time', problems);
  if (time !== undefined) {
    if (isRfc3339(time)) event.time = time;
    else problems.push({ path: '/time', reason: 'must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z' });
  }
}

/** RFC 3339 date-time; unlike `Date.parse` it refuses days a month does not have (2026-02-30). */
function isRfc3339(time: string): boolean {
  const match = rfc3339.exec(time);
  if (match === null || Number.isNaN(Date.parse(time))) return false;
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(Number(match[1]), Number(match[2]), 0);
  return Number(match[3]) <= lastDay.getUTCDate();
}

function requiredString(object: Record<string, unknown>, field: string, problems: ErrorDetail[]): string {
  const value = object[field];
  if (typeof value === 'string' && value.length > 0 && value.length <= maxAttributeLength) return value;
  problems.push({ path: `/${field}`, reason: value === undefined ? 'required' : `must be a non-empty string of at most ${maxAttributeLength} characters` });
  return '';
}

function optionalString(object: Record<string, unknown>, field: string, problems: ErrorDetail[]): string | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.length > 0 && value.length <= maxAttributeLength) return value;
  problems.push({ path: `/${field}`, reason: `must be a non-empty string of at most ${maxAttributeLength} characters` });
  return undefined;
}

function finish(event: EventInput, reported: ErrorDetail[]): EventInput {
  // A required attribute is checked twice (present, then well-formed); report it once.
  const problems = reported.filter((problem, index) => reported.findIndex((p) => p.path === problem.path && p.reason === problem.reason) === index);
  if (problems.length > 0) {
    throw new SluiceError('invalid_event', `the event is not well-formed: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}`, {
      details: problems,
    });
  }
  return event;
}
