import type { DeadLetter, EventRecord } from '../domain/event.ts';
import { isoTextWriter } from '../domain/iso-timestamp.ts';
import { parseStreamName } from '../domain/names.ts';
import type { LogRecord } from '../ports/event-log.ts';

export type DeadLetterView = DeadLetter & { stream: string; offset: number };

// Records read together mostly share their time: a writer of its own keeps it.
const receivedAtText = isoTextWriter();

/** A stored record as readers see it. */
export function toEventRecord(record: LogRecord): EventRecord {
  const view: EventRecord = {
    id: record.id,
    type: record.attributes.type,
    source: record.attributes.source,
    time: record.attributes.time,
    key: record.key,
    tenant: parseStreamName(record.stream)?.tenant ?? '',
    stream: record.stream,
    partition: record.partition,
    offset: record.offset,
    receivedAt: receivedAtText(record.timestamp),
    data: JSON.parse(record.value) as unknown,
  };
  if (record.attributes.subject !== undefined) view.subject = record.attributes.subject;
  if (record.attributes.schemaId !== undefined) view.schemaId = record.attributes.schemaId;
  return view;
}

export function toDeadLetterView(record: LogRecord): DeadLetterView {
  return { ...(JSON.parse(record.value) as DeadLetter), stream: record.stream, offset: record.offset };
}
