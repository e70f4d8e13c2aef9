import type { AcceptedEvent, EventInput, Rejection } from './event.ts';
import type { ErrorDetail } from './errors.ts';

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
}

export interface PipelineContext {
  tenant: string;
  receivedAt: string;
  newId: () => string;
}

export type PipelineOutcome = { ok: true; event: AcceptedEvent } | { ok: false; rejection: Rejection };

/**
 * The pure core: one event and its compiled type in, an event ready to append or the
 * reason it must go to the dead letters out. HTTP ingest, Kafka sources and redrive all
 * run this same function.
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
  return {
    ok: true,
    event: {
      id: input.id ?? context.newId(),
      producerId: input.id !== undefined,
      type: compiled.type,
      stream: compiled.stream,
      key,
      attributes,
      data: JSON.stringify(input.data),
    },
  };
}

function reject(code: Rejection['code'], message: string, details?: ErrorDetail[]): PipelineOutcome {
  const rejection: Rejection = { stage: 'ingest', code, message };
  if (details !== undefined) rejection.details = details;
  return { ok: false, rejection };
}
