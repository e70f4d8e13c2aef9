import type { StoredRecord } from '../event.ts';

/** What one delivery request carries. */
export interface DeliveryBody {
  body: string;
  headers: Record<string, string>;
}

/**
 * One record as a structured CloudEvent (JSON text). The data is spliced in as stored, so it
 * reaches the endpoint byte for byte as it was acknowledged. Sluice's own attributes are
 * CloudEvents extensions: `partitionkey` (the record's key), `sluicestream`,
 * `sluicepartition`, `sluiceoffset` and `sluiceschemaid`.
 */
export function structuredCloudEvent(record: StoredRecord): string {
  const a = record.attributes;
  let text = `{"specversion":"1.0","id":${JSON.stringify(record.id)},"source":${JSON.stringify(a.source)},"type":${JSON.stringify(a.type)},"time":${JSON.stringify(a.time)}`;
  if (a.subject !== undefined) text += `,"subject":${JSON.stringify(a.subject)}`;
  text += ',"datacontenttype":"application/json"';
  if (record.key !== null) text += `,"partitionkey":${JSON.stringify(record.key)}`;
  text += `,"sluicestream":${JSON.stringify(record.stream)},"sluicepartition":${record.partition},"sluiceoffset":${record.offset}`;
  if (a.schemaId !== undefined) text += `,"sluiceschemaid":${a.schemaId}`;
  return `${text},"data":${record.value}}`;
}

/** One record (structured or binary mode) or several (a CloudEvents JSON batch). */
export function deliveryBody(records: readonly StoredRecord[], mode: 'structured' | 'binary'): DeliveryBody {
  if (records.length === 1 && mode === 'binary') return binaryCloudEvent(records[0]!);
  if (records.length === 1) return { body: structuredCloudEvent(records[0]!), headers: { 'content-type': 'application/cloudevents+json' } };
  return { body: `[${records.map(structuredCloudEvent).join(',')}]`, headers: { 'content-type': 'application/cloudevents-batch+json' } };
}

/** The CloudEvents HTTP binary mode: the data is the body, attributes are `ce-` headers. */
export function binaryCloudEvent(record: StoredRecord): DeliveryBody {
  const a = record.attributes;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': headerValue(record.id),
    'ce-source': headerValue(a.source),
    'ce-type': headerValue(a.type),
    'ce-time': headerValue(a.time),
    'ce-sluicestream': record.stream,
    'ce-sluicepartition': String(record.partition),
    'ce-sluiceoffset': String(record.offset),
  };
  if (a.subject !== undefined) headers['ce-subject'] = headerValue(a.subject);
  if (record.key !== null) headers['ce-partitionkey'] = headerValue(record.key);
  if (a.schemaId !== undefined) headers['ce-sluiceschemaid'] = String(a.schemaId);
  return { body: record.value, headers };
}

/**
 * The message id Standard Webhooks receivers deduplicate by: the record's position, which
 * stays the same across retries, and a batch's first and last positions.
 */
export function messageId(records: readonly StoredRecord[]): string {
  const first = records[0]!;
  const last = records.at(-1)!;
  const base = `${first.stream}:${first.partition}:${first.offset}`;
  return records.length === 1 ? base : `${base}-${last.offset}`;
}

/** Percent-encodes what may not stand in an HTTP header, as the CloudEvents HTTP binding asks. */
function headerValue(text: string): string {
  return /^[\x20-\x24\x26-\x7e]*$/.test(text) ? text : text.replace(/[^\x20-\x24\x26-\x7e]/gu, (c) => encodeURIComponent(c));
}
