import type { ErrorShape, FileDestination, KafkaDestination, KafkaSinkFormat } from '../catalog-docs.ts';
import type { ErrorDetail } from '../errors.ts';
import { isJsonPointer } from '../json-pointer.ts';
import { isTypeName } from '../names.ts';
import { parseDuration } from './durations.ts';

const kafkaKeys = new Set(['kind', 'topic', 'format', 'key', 'headers', 'brokers', 'schemaType', 'errorShape', 'exactlyOnce']);
const fileKeys = new Set(['kind', 'dir', 'format', 'content', 'rotate', 'errorShape']);
const kafkaFormats: readonly KafkaSinkFormat[] = ['json', 'cloudevents', 'avro', 'protobuf', 'json-schema'];
/** Kafka's own rule for topic names. */
const topicPattern = /^[A-Za-z0-9._-]{1,249}$/;
/** `host:port`, a name or an IPv4 address, or a bracketed IPv6 address. */
const brokerPattern = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253}):\d{1,5}$/;
/** A relative path of plain segments: no `..`, no leading slash, nothing a shell or another OS reads specially. */
const dirSegment = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const fileRotateDefaults = { bytes: 64 * 1024 * 1024, seconds: 300 } as const;
export const fileRotateLimits = { bytes: [1024, 4 * 1024 * 1024 * 1024], seconds: [1, 86_400] } as const;

/** The Confluent schema language a wire format names. */
export function schemaFormatOf(format: KafkaSinkFormat): 'AVRO' | 'PROTOBUF' | 'JSON' | undefined {
  return format === 'avro' ? 'AVRO' : format === 'protobuf' ? 'PROTOBUF' : format === 'json-schema' ? 'JSON' : undefined;
}

export function parseKafkaDestination(destination: Record<string, unknown>, problems: ErrorDetail[]): KafkaDestination | undefined {
  unknownKeys(destination, kafkaKeys, problems);
  const { topic, format = 'json', key, headers = 'none', brokers, schemaType } = destination;
  const before = problems.length;
  if (typeof topic !== 'string' || !topicPattern.test(topic) || topic === '.' || topic === '..') {
    problems.push({ path: '/destination/topic', reason: 'a Kafka topic name: 1 to 249 letters, digits, ".", "_" or "-"' });
  }
  if (typeof format !== 'string' || !(kafkaFormats as readonly string[]).includes(format)) {
    problems.push({ path: '/destination/format', reason: `one of ${kafkaFormats.join(', ')}` });
  }
  if (key !== undefined && (typeof key !== 'string' || key === '' || !isJsonPointer(key))) {
    problems.push({ path: '/destination/key', reason: 'a JSON Pointer into the data, such as "/customerId"; leave it out to pass the record\'s key through' });
  }
  if (headers !== 'none' && headers !== 'cloudevents')
    problems.push({ path: '/destination/headers', reason: 'use "none" (the default) or "cloudevents" for the CloudEvents Kafka binding\'s ce_ headers' });
  if (brokers !== undefined) {
    if (!Array.isArray(brokers) || brokers.length === 0 || brokers.length > 20)
      problems.push({ path: '/destination/brokers', reason: 'a list of one to 20 bootstrap addresses such as "kafka-1.internal:9092"' });
    else
      brokers.forEach((b, i) => {
        if (typeof b !== 'string' || !brokerPattern.test(b))
          problems.push({ path: `/destination/brokers/${i}`, reason: 'host:port, such as "kafka-1.internal:9092"' });
      });
  }
  if (schemaType !== undefined) {
    if (typeof schemaType !== 'string' || !isTypeName(schemaType))
      problems.push({ path: '/destination/schemaType', reason: "the name of one of the tenant's event types" });
    else if (typeof format === 'string' && schemaFormatOf(format as KafkaSinkFormat) === undefined)
      problems.push({ path: '/destination/schemaType', reason: 'only the schema formats (avro, protobuf, json-schema) write with a schema' });
  }
  const { exactlyOnce = false } = destination;
  if (typeof exactlyOnce !== 'boolean') problems.push({ path: '/destination/exactlyOnce', reason: 'true or false (the default)' });
  else if (exactlyOnce && brokers !== undefined)
    problems.push({
      path: '/destination/exactlyOnce',
      reason: 'a transaction spans one cluster: exactly-once writes only to the cluster Sluice runs on, so leave brokers out',
    });
  const errorShape = parseErrorShape(destination.errorShape, problems);
  if (problems.length > before) return undefined;
  const parsed: KafkaDestination = {
    kind: 'kafka',
    topic: topic as string,
    format: format as KafkaSinkFormat,
    headers: headers as 'none' | 'cloudevents',
    errorShape,
  };
  if (key !== undefined) parsed.key = key as string;
  if (brokers !== undefined) parsed.brokers = brokers as string[];
  if (schemaType !== undefined) parsed.schemaType = schemaType as string;
  if (exactlyOnce === true) parsed.exactlyOnce = true;
  return parsed;
}

export function parseFileDestination(destination: Record<string, unknown>, problems: ErrorDetail[]): FileDestination | undefined {
  unknownKeys(destination, fileKeys, problems);
  const { dir, format = 'ndjson', content = 'cloudevents', rotate } = destination;
  const before = problems.length;
  if (typeof dir !== 'string' || dir.length > 512 || !dir.split('/').every((segment) => dirSegment.test(segment))) {
    problems.push({
      path: '/destination/dir',
      reason: 'a relative folder such as "archive/orders": segments of letters, digits, ".", "_" and "-", no ".." and no leading "/"',
    });
  }
  if (format !== 'ndjson' && format !== 'ndjson.gz') problems.push({ path: '/destination/format', reason: 'use "ndjson" (the default) or "ndjson.gz"' });
  if (content !== 'cloudevents' && content !== 'data')
    problems.push({
      path: '/destination/content',
      reason: 'use "cloudevents" (each line a structured CloudEvent, the default) or "data" (the event data only)',
    });
  const rotation: { bytes: number; seconds: number } = { ...fileRotateDefaults };
  if (rotate !== undefined) {
    if (typeof rotate !== 'object' || rotate === null || Array.isArray(rotate)) {
      problems.push({ path: '/destination/rotate', reason: 'a mapping such as {bytes: 67108864, seconds: 300}' });
    } else {
      const given = rotate as Record<string, unknown>;
      unknownKeys(given, new Set(['bytes', 'seconds']), problems, '/destination/rotate');
      const [minBytes, maxBytes] = fileRotateLimits.bytes;
      if (given.bytes !== undefined) {
        if (typeof given.bytes !== 'number' || !Number.isSafeInteger(given.bytes) || given.bytes < minBytes || given.bytes > maxBytes)
          problems.push({ path: '/destination/rotate/bytes', reason: `an integer from ${minBytes} to ${maxBytes}` });
        else rotation.bytes = given.bytes;
      }
      if (given.seconds !== undefined) {
        const ms = typeof given.seconds === 'number' ? given.seconds * 1000 : parseDuration(given.seconds);
        const [minSeconds, maxSeconds] = fileRotateLimits.seconds;
        if (ms === undefined || !Number.isSafeInteger(ms) || ms < minSeconds * 1000 || ms > maxSeconds * 1000 || ms % 1000 !== 0)
          problems.push({ path: '/destination/rotate/seconds', reason: `whole seconds from ${minSeconds} to ${maxSeconds} (a number, or text such as "5m")` });
        else rotation.seconds = ms / 1000;
      }
    }
  }
  const errorShape = parseErrorShape(destination.errorShape, problems);
  if (problems.length > before) return undefined;
  return {
    kind: 'file',
    dir: dir as string,
    format: format as FileDestination['format'],
    content: content as FileDestination['content'],
    rotate: rotation,
    errorShape,
  };
}

function parseErrorShape(value: unknown, problems: ErrorDetail[]): ErrorShape {
  if (value === undefined) return 'envelope';
  if (value === 'envelope' || value === 'inline') return value;
  problems.push({ path: '/destination/errorShape', reason: 'use "envelope" ({error, original}, the default) or "inline" (the original\'s fields plus error)' });
  return 'envelope';
}

function unknownKeys(given: Record<string, unknown>, known: ReadonlySet<string>, problems: ErrorDetail[], where = '/destination'): void {
  for (const key of Object.keys(given))
    if (!known.has(key)) problems.push({ path: `${where}/${key}`, reason: `unknown key (expected ${[...known].join(', ')})` });
}
