import type { AcceptedEvent, EventInput, FailedStage, Rejection } from './event.ts';
import type { ErrorDetail } from './errors.ts';
import type { CompiledPipeline, PatternView } from './pipeline-config.ts';

const maxKeyLength = 1024;

/** A compiled schema check: `undefined` when the data is valid, else one detail per error. */
export type Validator = (data: unknown) => ErrorDetail[] | undefined;

export interface SchemaVersion {
  version: number;
  schemaId: number;
  validate: Validator;
}

/** Everything the pipeline needs to know about one event type, compiled once. */
export interface CompiledType {
  tenant: string;
  type: string;
  stream: string;
  partitions: number;
  partitionKey: ((data: unknown) => unknown) | undefined;
  partitionKeyPointer: string | undefined;
  latest: SchemaVersion;
  version(version: number): SchemaVersion | undefined;
  /** Transform, filter and route, when the type has a pipeline. */
  pipeline: CompiledPipeline | undefined;
  /** Another event type of the tenant that a route names, if it exists. */
  routeTarget(type: string): RouteTarget | undefined;
}

/** What a route needs of its target type: where its records go, and the schema they must match. */
export interface RouteTarget {
  stream: string;
  partitions: number;
  latest: SchemaVersion;
}

export interface PipelineContext {
  tenant: string;
  receivedAt: string;
  newId: () => string;
}

export type PipelineOutcome = { kind: 'accepted'; events: AcceptedEvent[] } | { kind: 'filtered'; id: string } | { kind: 'rejected'; rejection: Rejection };

/**
 * The pure core: one event and its compiled type in; out come the records to append (one
 * per stream it is routed to), or word that a filter dropped it, or the reason it must go
 * to the dead letters. Validate, then transform, filter and route. HTTP ingest, Kafka
 * sources, redrive and the pipeline test route all run this same function.
 */
export function runPipeline(input: EventInput, compiled: CompiledType | undefined, context: PipelineContext): PipelineOutcome {
  if (compiled === undefined) {
    return reject('unknown_type', `tenant "${context.tenant}" has no event type "${input.type}"`);
  }
  const schema = input.schemaVersion === undefined ? compiled.latest : compiled.version(input.schemaVersion);
  if (schema === undefined) {
    return reject('unknown_version', `event type "${input.type}" has no schema version ${input.schemaVersion}`);
  }
  const problems = schema.validate(input.data);
  if (problems !== undefined) {
    return reject('schema_validation_failed', `data does not match schema version ${schema.version} of "${input.type}"`, problems);
  }
  let key: string | null = input.key ?? null;
  if (key === null && compiled.partitionKey !== undefined) {
    const value = compiled.partitionKey(input.data);
    if (typeof value === 'string' && value.length <= maxKeyLength) key = value;
    else if (typeof value === 'number' && Number.isFinite(value)) key = String(value);
    else if (typeof value === 'string') {
      // The same bound as an explicit `key`: keys are stored with every record.
      return reject('invalid_key', `the partition key ${compiled.partitionKeyPointer} is longer than ${maxKeyLength} characters`, [
        { path: compiled.partitionKeyPointer ?? '', reason: `is ${value.length} characters long` },
      ]);
    } else {
      return reject('invalid_key', `the partition key ${compiled.partitionKeyPointer} must be a string or number`, [
        { path: compiled.partitionKeyPointer ?? '', reason: value === undefined ? 'missing' : `is ${value === null ? 'null' : typeof value}` },
      ]);
    }
  }
  const attributes: AcceptedEvent['attributes'] = {
    type: compiled.type,
    source: input.source ?? `/tenants/${context.tenant}`,
    time: input.time ?? context.receivedAt,
    schemaId: schema.schemaId,
  };
  if (input.subject !== undefined) attributes.subject = input.subject;
  const id = input.id ?? context.newId();
  let data = input.data;
  let targets = [{ stream: compiled.stream, partitions: compiled.partitions }];
  const pipeline = compiled.pipeline;
  if (pipeline !== undefined) {
    if (pipeline.transform !== undefined) {
      const transformed = pipeline.transform(data);
      if (!transformed.ok) {
        return reject(
          'transform_failed',
          `step ${transformed.step + 1} (${transformed.stepName}) failed at ${transformed.path === '' ? 'the data' : transformed.path}: ${transformed.reason}`,
          transformed.details ?? [{ path: transformed.path, reason: transformed.reason }],
          'transform',
        );
      }
      data = transformed.data;
      // The key is stored with the record (and is the Kafka key): a key field the pipeline
      // hashed or masked keys the record by its hashed or masked value, never the plaintext.
      if (input.key === undefined && compiled.partitionKey !== undefined) key = keyAfterTransform(compiled.partitionKey(data)) ?? key;
    }
    const view = pipeline.filter !== undefined || pipeline.route !== undefined ? patternView(compiled.type, attributes, key, data) : undefined;
    if (view !== undefined && pipeline.filter !== undefined && !pipeline.filter(view)) return { kind: 'filtered', id };
    if (view !== undefined && pipeline.route !== undefined) {
      const chosen = pipeline.route(view);
      if (chosen === undefined)
        return reject('no_route', `no route of "${compiled.type}" matches this event, and the route has no default`, undefined, 'transform');
      targets = pipeline.keepOriginal ? [...targets] : [];
      for (const type of chosen) {
        const target: RouteTarget | undefined = type === compiled.type ? compiled : compiled.routeTarget(type);
        if (target === undefined)
          return reject(
            'no_route',
            `the route names event type "${type}", which tenant "${context.tenant}" does not have`,
            [{ path: '/route', reason: `register "${type}"` }],
            'transform',
          );
        // keepOriginal plus a route back to the own type must not store the event twice.
        if (targets.some((known) => known.stream === target.stream)) continue;
        // Another type's stream takes only records its schema allows. The own stream holds
        // what the pipeline made of a valid event, routed there or not.
        if (target !== compiled) {
          const problems = target.latest.validate(data);
          if (problems !== undefined) {
            return reject(
              'schema_validation_failed',
              `the record routed to event type "${type}" does not match its schema version ${target.latest.version}`,
              problems,
              'route',
            );
          }
        }
        targets.push({ stream: target.stream, partitions: target.partitions });
      }
    }
  }
  const text = JSON.stringify(data);
  return {
    kind: 'accepted',
    events: targets.map(({ stream, partitions }): AcceptedEvent => {
      const event: AcceptedEvent = { id, producerId: input.id !== undefined, type: compiled.type, stream, partitions, key, attributes, data: text };
      if (input.dedupKey !== undefined) event.dedupKey = input.dedupKey;
      return event;
    }),
  };
}

/** What filters and routes see of an event, made only when the pipeline has one. */
function patternView(type: string, attributes: AcceptedEvent['attributes'], key: string | null, data: unknown): PatternView {
  const view: PatternView = { type, source: attributes.source, key, time: attributes.time, data };
  if (attributes.subject !== undefined) view.subject = attributes.subject;
  return view;
}

/** The key field's value once transformed, when it is still a usable key (a removed or renamed field keeps the key as sent). */
function keyAfterTransform(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length <= maxKeyLength) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function reject(code: Rejection['code'], message: string, details?: ErrorDetail[], stage: FailedStage = 'ingest'): PipelineOutcome {
  const rejection: Rejection = { stage, code, message };
  if (details !== undefined) rejection.details = details;
  return { kind: 'rejected', rejection };
}
