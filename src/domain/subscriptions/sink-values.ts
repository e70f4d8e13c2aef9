import type { ErrorShape } from '../catalog-docs.ts';
import type { DeadLetter, StoredRecord } from '../event.ts';
import { compilePointer } from '../json-pointer.ts';

/**
 * A dead letter as a sink writes it (docs/sinks.md "Dead letters"):
 *
 * - `envelope`: `{"error": {code, message, stage, type, details?}, "original": <the event as received>}`
 * - `inline`: the original event's fields with `"error"` added (an original that is not a JSON
 *   object is kept whole under `"original"`).
 *
 * The original is the event's data when it arrived in an envelope (`{type, data}` or a
 * CloudEvent), else what arrived.
 *
 * @example errorShaped('{"stage":"ingest","code":"schema_validation_failed",…,"original":"{\"user\":1}"}', 'inline')
 * // '{"user":1,"error":{"code":"schema_validation_failed",…}}'
 */
export function errorShaped(value: string, shape: ErrorShape): string {
  const dead = JSON.parse(value) as DeadLetter;
  const error: Record<string, unknown> = { code: dead.code, message: dead.message, stage: dead.stage, type: dead.type };
  if (dead.details !== undefined) error.details = dead.details;
  const original = originalOf(dead.original);
  if (shape === 'envelope') return JSON.stringify({ error, original });
  if (typeof original === 'object' && original !== null && !Array.isArray(original)) return JSON.stringify({ ...original, error });
  return JSON.stringify({ original, error });
}

function originalOf(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && 'data' in parsed && ('type' in parsed || 'specversion' in parsed)) {
    return (parsed as { data: unknown }).data;
  }
  return parsed;
}

/**
 * How a sink finds each record's Kafka key: the record's own key, or the value at a JSON
 * Pointer into the data (text as is, other values as JSON text; missing or null: no key).
 */
export function sinkKeyReader(pointer: string | undefined): (record: StoredRecord, data: () => unknown) => string | null {
  if (pointer === undefined) return (record) => record.key;
  const read = compilePointer(pointer);
  return (_record, data) => {
    const value = read(data());
    if (value === undefined || value === null) return null;
    return typeof value === 'string' ? value : JSON.stringify(value);
  };
}

/** The CloudEvents Kafka binding's attributes as `ce_` headers (binary content mode). */
export function cloudEventHeaders(record: StoredRecord, contentType: string): Record<string, string> {
  const a = record.attributes;
  const headers: Record<string, string> = {
    ce_specversion: '1.0',
    ce_id: record.id,
    ce_source: a.source,
    ce_type: a.type,
    ce_time: a.time,
    'content-type': contentType,
  };
  if (a.subject !== undefined) headers.ce_subject = a.subject;
  if (record.key !== null) headers.ce_partitionkey = record.key;
  return headers;
}
