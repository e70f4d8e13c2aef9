import type { ErrorDetail } from '../errors.ts';
import type { Validator } from '../pipeline.ts';
import type { Draft, StepFailure } from './draft.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What `set` and `default` accept for a field: a constant, the clock, another field, or a literal. */
export type ValueSpec = JsonValue | { now: true } | { copy: string; optional?: boolean } | { value: JsonValue };

export type TimeFormat = 'epoch-seconds' | 'epoch-millis' | 'iso8601';
export type ConvertFormat = TimeFormat | 'string' | 'number';
/** How much of the second `to: iso8601` writes. */
export type IsoPrecision = 'millis' | 'seconds';

/** One conversion of `convert`; `precision` and `zone` only with `to: iso8601`. */
export interface ConvertOptions {
  from: ConvertFormat;
  to: ConvertFormat;
  optional?: boolean;
  /** `millis` (the default): `…:51.000`; `seconds`: `…:51`, the fraction truncated. */
  precision?: IsoPrecision;
  /** `utc` (the default) writes `Z`; `none`, UTC wall time without a zone; `+02:00`, the wall time at that offset, with it. */
  zone?: 'utc' | 'none' | `${'+' | '-'}${string}`;
}

export interface MaskOptions {
  keepFirst?: number;
  keepLast?: number;
}

/** One step of a pipeline, as written in sluice.yaml or sent over the API: exactly one key. */
export type StepConfig =
  | { rename: Record<string, string | { to: string; optional?: boolean }> }
  | { set: Record<string, ValueSpec> }
  | { remove: string[] }
  | { default: Record<string, ValueSpec> }
  | { keep: string[] }
  | { hash: string[] }
  | { mask: Record<string, MaskOptions> }
  | { convert: Record<string, ConvertOptions> }
  | { validate: { schema: unknown } };

export type StepName = 'rename' | 'set' | 'remove' | 'default' | 'keep' | 'hash' | 'mask' | 'convert' | 'validate';

/**
 * The result of running the steps over one event's data. A failure names the step (its
 * index in the config, from 0, and its name), the field (a JSON pointer into `data`, ''
 * for the whole data) and why. Reasons never quote the event's values.
 */
export type TransformOutcome =
  { ok: true; data: unknown } | { ok: false; step: number; stepName: string; path: string; reason: string; details?: ErrorDetail[] };

/** What the steps need from the world, injected once at compile time. */
export interface TransformDeps {
  /** The clock behind `{now: true}`. */
  now: () => Date;
  /** The tenant's secret key for `hash` (HMAC-SHA-256). */
  salt: string;
  /** Compiles the output schema of a `validate` step (ajv lives outside the domain). */
  compileSchema: (schema: unknown) => Validator;
}

/** A failure from `validate` also carries every schema error. */
export type RunFailure = StepFailure & { details?: ErrorDetail[] };

/** A step compiled once; runs once per event against that event's draft. */
export type CompiledStep = (draft: Draft) => RunFailure | undefined;
