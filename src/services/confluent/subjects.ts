import { createHash } from 'node:crypto';
import type { EventTypeDoc, SourceDoc, SubscriptionDoc } from '../../domain/catalog-docs.ts';
import { deadLetterType, isTypeName } from '../../domain/names.ts';
import type { Catalog } from '../../ports/catalog.ts';

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

/** What a tenant's subject names: an event type, existing or to be made for it. */
export interface SubjectBinding {
  type: string;
  doc: EventTypeDoc | undefined;
  /**
   * True when the subject is another name of the type (`<type>-value`, a source's or sink's
   * topic): writes through it do not rename the type's subject.
   */
  alias?: boolean;
}

/** The tenant's event types and Kafka topics, as subject resolution reads them. */
export interface SubjectScope {
  type(name: string): EventTypeDoc | undefined;
  types(): readonly EventTypeDoc[];
  sources(): readonly SourceDoc[];
  sinks(): readonly SubscriptionDoc[];
}

/** Confluent's subject names: any text but control characters, up to 255 characters. */
export function isSubjectName(subject: string): boolean {
  // eslint-disable-next-line no-control-regex
  return subject.length > 0 && subject.length <= 255 && !/[\u0000-\u001f\u007f]/.test(subject);
}

/**
 * The event type behind one of a tenant's subjects. The tenant comes from the credentials, so
 * a subject is any Confluent name: in order,
 * 1. `<tenant>.<type>-value` (or `<tenant>.<type>`): that type, unless it is bound to another subject;
 * 2. a subject some type was registered under (`Avro:ThirdLevel`, `com.example.Order`);
 * 3. `<type>-value` of a type still on its default subject, and `<topic>-value` of a source's
 *    or Kafka sink's topic: that type, as another name;
 * 4. otherwise a new subject, for a new type named after it (`orders-value` → `orders`;
 *    characters a type name cannot hold become `_`, with a hash of the subject to keep names apart).
 * `undefined` only for a name Confluent would not accept either.
 */
export function bindSubject(tenant: string, subject: string, scope: SubjectScope): SubjectBinding | undefined {
  if (!isSubjectName(subject)) return undefined;
  const own = typeOfSubject(tenant, subject);
  if (own !== undefined) {
    const doc = scope.type(own);
    if (doc === undefined || subjectOfType(doc) === subject) return { type: own, doc };
  }
  const bound = scope.types().find((doc) => doc.subject === subject);
  if (bound !== undefined) return { type: bound.name, doc: bound };
  const bare = subject.endsWith(valueSuffix) ? subject.slice(0, -valueSuffix.length) : undefined;
  if (bare !== undefined && isTypeName(bare)) {
    const doc = scope.type(bare);
    if (doc !== undefined && doc.subject === undefined) return { type: bare, doc, alias: true };
  }
  const topicType = topicSubjectType(subject, scope.sources(), scope.sinks());
  if (topicType !== undefined) return { type: topicType, doc: scope.type(topicType), alias: true };
  const named = typeNameForSubject(subject);
  const taken = scope.type(named);
  // A type of that name already answers to another subject: the new one gets a name of its own.
  return taken === undefined ? { type: named, doc: undefined } : { type: hashedName(named, subject), doc: undefined };
}

/**
 * The name of the event type made for a new subject.
 *
 * @example typeNameForSubject('orders-value') // 'orders'
 * @example typeNameForSubject('com.example.Order') // 'com.example.Order'
 * @example typeNameForSubject('Avro:ThirdLevel') // 'Avro_ThirdLevel.' + 8 hex digits
 */
export function typeNameForSubject(subject: string): string {
  const bare = subject.length > valueSuffix.length && subject.endsWith(valueSuffix) ? subject.slice(0, -valueSuffix.length) : subject;
  if (isTypeName(bare)) return bare;
  const cleaned = bare.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  return hashedName(cleaned === '' ? 'subject' : cleaned, subject);
}

function hashedName(base: string, subject: string): string {
  return `${base.slice(0, 110)}.${createHash('sha256').update(subject).digest('hex').slice(0, 8)}`;
}

/** A tenant's subject scope over the catalog; each list is read when asked for. */
export function catalogSubjectScope(catalog: Catalog, tenant: string): SubjectScope {
  return {
    type: (name) => catalog.get('event-type', `${tenant}/${name}`)?.value,
    types: () => catalog.list('event-type', `${tenant}/`).map((entry) => entry.value),
    sources: () => catalog.list('source', `${tenant}/`).map((entry) => entry.value),
    sinks: () => catalog.list('subscription', `${tenant}/`).map((entry) => entry.value),
  };
}
