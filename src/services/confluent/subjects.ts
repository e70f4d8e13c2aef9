import type { EventTypeDoc, SourceDoc, SubscriptionDoc } from '../../domain/catalog-docs.ts';
import { deadLetterType, isTypeName } from '../../domain/names.ts';

const valueSuffix = '-value';

/**
 * The event type a subject names, or `undefined` when the subject is not the tenant's
 * (it must begin with `<tenant>.`) or names no valid type. TopicNameStrategy: the value
 * subject of topic `acme.fruits` is `acme.fruits-value`, type `fruits`; any other
 * subject `acme.<name>` is type `<name>`.
 *
 * @example typeOfSubject('acme', 'acme.fruits-value') // 'fruits'
 * @example typeOfSubject('acme', 'acme.fruits-key') // 'fruits-key'
 */
export function typeOfSubject(tenant: string, subject: string): string | undefined {
  const prefix = `${tenant}.`;
  if (!subject.startsWith(prefix)) return undefined;
  const rest = subject.slice(prefix.length);
  const name = rest.length > valueSuffix.length && rest.endsWith(valueSuffix) ? rest.slice(0, -valueSuffix.length) : rest;
  return isTypeName(name) ? name : undefined;
}

/**
 * The subject of an event type: the one it was registered under through the Confluent
 * API, else the value subject of its stream.
 *
 * @example subjectOfType({ tenant: 'acme', name: 'fruits', ... }) // 'acme.fruits-value'
 */
export function subjectOfType(doc: Pick<EventTypeDoc, 'tenant' | 'name' | 'subject'>): string {
  return doc.subject ?? defaultSubject(doc.tenant, doc.name);
}

export function defaultSubject(tenant: string, type: string): string {
  return `${tenant}.${type}${valueSuffix}`;
}

/**
 * The event type behind a Kafka topic's value subject (TopicNameStrategy, `<topic>-value`)
 * when the topic is one of the tenant's source topics bound to one type, or one of its
 * Kafka sinks' topics (the type the sink writes as). Stock serializers with default settings
 * use these subjects, so they work unchanged on those topics.
 *
 * @example topicSubjectType('producer.to.processor-value', [{ topic: 'producer.to.processor', type: 'orders', … }], []) // 'orders'
 */
export function topicSubjectType(subject: string, sources: readonly SourceDoc[], sinks: readonly SubscriptionDoc[]): string | undefined {
  if (!subject.endsWith(valueSuffix)) return undefined;
  const topic = subject.slice(0, -valueSuffix.length);
  for (const source of sources) if (source.topic === topic && source.type !== undefined) return source.type;
  for (const sink of sinks) {
    const destination = sink.destination;
    if (destination.kind !== 'kafka' || destination.topic !== topic) continue;
    const type = destination.schemaType ?? sink.types.find((t) => t !== deadLetterType);
    if (type !== undefined) return type;
  }
  return undefined;
}
