import { isUtf8 } from 'node:buffer';
import type { IncomingHttpHeaders } from 'node:http';
import { SluiceError } from '../../domain/errors.ts';
import { fromBinaryCloudEvent, isJsonContentType, toEventInput } from '../../domain/event-input.ts';
import { parseExactJson } from '../../domain/exact-json.ts';
import { arrayElementTexts } from '../../domain/json-array-elements.ts';
import { guardJson } from '../../domain/json-guard.ts';
import type { IngestItem } from '../../services/ingest.ts';

export interface BodyLimits {
  maxEventsPerRequest: number;
  maxDepth: number;
}

/**
 * The media types `parseIngestBody` reads (a request without a Content-Type reads as JSON);
 * a binary CloudEvent carries its JSON data under any of the JSON ones.
 */
export const ingestMediaTypes: ReadonlySet<string> = new Set([
  'application/json',
  'application/cloudevents+json',
  'application/cloudevents-batch+json',
  'application/x-ndjson',
  'application/jsonl',
  'application/json-seq',
]);

/** A Content-Type header's media type, lowercase, without parameters. */
export function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * Reads an ingest request in any accepted shape into one item per event: Sluice's JSON
 * (one object or an array), NDJSON, and CloudEvents 1.0 in structured, batch and binary
 * modes. A problem with the whole request throws; a problem with one event becomes a
 * rejected item, so the rest of the batch goes on.
 */
export function parseIngestBody(headers: IncomingHttpHeaders, body: Buffer, limits: BodyLimits): IngestItem[] {
  if (!isUtf8(body)) throw new SluiceError('invalid_utf8', 'the body is not valid UTF-8');
  const contentType = mediaTypeOf(headers['content-type']);
  const text = body.toString('utf8');
  if (typeof headers['ce-specversion'] === 'string') return [binaryCloudEvent(headers, contentType, text, limits)];
  if (contentType === 'application/x-ndjson' || contentType === 'application/jsonl' || contentType === 'application/json-seq') {
    return ndjson(text, limits);
  }
  if (contentType === 'application/cloudevents-batch+json') {
    const parsed = parseWhole(text);
    if (!Array.isArray(parsed)) throw new SluiceError('invalid_request', 'a CloudEvents batch is a JSON array of events');
    return fromArray(parsed, text, limits, true);
  }
  if (contentType === 'application/json' || contentType === 'application/cloudevents+json' || contentType === '') {
    const parsed = parseWhole(text);
    // Under a CloudEvents media type every value must be a CloudEvent, not Sluice's own shape.
    const cloudEvents = contentType === 'application/cloudevents+json';
    return Array.isArray(parsed)
      ? fromArray(parsed, text, limits, cloudEvents)
      : [
          fromValue(
            parsed,
            reserialised(parsed, () => text.trim()),
            limits,
            cloudEvents,
          ),
        ];
  }
  throw new SluiceError('unsupported_media_type', `content type "${contentType}" is not accepted by /v1/events`);
}

function parseWhole(text: string): unknown {
  if (text.trim() === '') throw new SluiceError('empty_batch', 'the body is empty');
  try {
    return parseExactJson(text);
  } catch (error) {
    throw new SluiceError('malformed_json', `the body is not valid JSON: ${(error as Error).message}`);
  }
}

function fromArray(values: unknown[], text: string, limits: BodyLimits, cloudEvents = false): IngestItem[] {
  checkCount(values.length, limits);
  let texts: string[] | undefined;
  return values.map((value, index) =>
    fromValue(
      value,
      reserialised(value, () => {
        texts ??= arrayElementTexts(text);
        return texts[index]!;
      }),
      limits,
      cloudEvents,
    ),
  );
}

/**
 * An event's text for its dead letter, serialised again when needed; one nested too deep for
 * that keeps its own bytes from the body, so it is dead-lettered like any other.
 */
function reserialised(value: unknown, asSent: () => string): () => string {
  return () => {
    try {
      return JSON.stringify(value);
    } catch {
      return asSent();
    }
  };
}

// eslint-disable-next-line no-control-regex -- the record separator is a control character by definition
const recordEnds = /[\n\u001e]/;

function ndjson(text: string, limits: BodyLimits): IngestItem[] {
  // NDJSON and JSON Lines end records with a line feed; JSON text sequences (RFC 7464,
  // application/json-seq) begin each with a record separator (U+001E).
  const lines = text.split(recordEnds).filter((line) => line.trim() !== '');
  checkCount(lines.length, limits);
  return lines.map((line) => {
    let value: unknown;
    try {
      value = parseExactJson(line);
    } catch (error) {
      return { ok: false, type: null, original: line, error: new SluiceError('malformed_json', `the line is not valid JSON: ${(error as Error).message}`) };
    }
    return fromValue(value, () => line, limits);
  });
}

function fromValue(value: unknown, original: () => string, limits: BodyLimits, cloudEvents = false): IngestItem {
  try {
    guardJson(value, limits.maxDepth);
    if (cloudEvents && typeof value === 'object' && value !== null && !Array.isArray(value) && !('specversion' in value)) {
      throw new SluiceError('invalid_event', 'a body sent as a CloudEvents media type holds CloudEvents, and this one has no specversion', {
        details: [{ path: '/specversion', reason: 'required: send "specversion": "1.0", or send Sluice\'s own event shape as application/json' }],
      });
    }
    return { ok: true, event: toEventInput(value, original, limits.maxDepth) };
  } catch (error) {
    if (!(error instanceof SluiceError)) throw error;
    return { ok: false, type: typeOf(value), original: original(), error };
  }
}

function binaryCloudEvent(headers: IncomingHttpHeaders, contentType: string, text: string, limits: BodyLimits): IngestItem {
  if (!isJsonContentType(contentType)) {
    throw new SluiceError('unsupported_media_type', `CloudEvents binary mode needs JSON data; got content type "${contentType}"`);
  }
  const data = parseWhole(text);
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('ce-') && typeof value === 'string') attributes[name.slice(3)] = value;
  }
  attributes.datacontenttype = contentType;
  try {
    guardJson(data, limits.maxDepth);
    return { ok: true, event: fromBinaryCloudEvent(attributes, data, () => text) };
  } catch (error) {
    if (!(error instanceof SluiceError)) throw error;
    return { ok: false, type: attributes.type ?? null, original: text, error };
  }
}

function checkCount(count: number, limits: BodyLimits): void {
  if (count === 0) throw new SluiceError('empty_batch', 'the request holds no events');
  if (count > limits.maxEventsPerRequest) {
    throw new SluiceError('too_many_events', `the request holds ${count} events; the limit is ${limits.maxEventsPerRequest}`);
  }
}

function typeOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' ? type : null;
}
