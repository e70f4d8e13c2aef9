import type { IncomingHttpHeaders } from 'node:http';
import type { ErrorCode, ErrorDetail } from '../../../domain/errors.ts';
import { SluiceError } from '../../../domain/errors.ts';
import type { CatalogEntry, CatalogKind } from '../../../ports/catalog.ts';
import type { PackedIngest } from '../../../services/packed-ingest.ts';
import type { BodyLimits } from '../ingest-body.ts';

/**
 * The catalog kinds compiling an event type reads (its document, its schemas and their
 * references, the tenant's registry settings and its salt for `hash`): the ingest thread
 * keeps a copy of these and of nothing else.
 */
export const mirroredKinds: readonly CatalogKind[] = ['event-type', 'schema', 'tenant', 'tenant-secret'];

export interface IngestThreadData {
  limits: BodyLimits;
}

export type ToThread =
  /** Every mirrored entry, sent once before any request. */
  | { snapshot: CatalogEntry<CatalogKind>[] }
  /** One entry changed (`entry` set) or was deleted. */
  | { change: { kind: CatalogKind; key: string; entry?: CatalogEntry<CatalogKind> } }
  | { job: number; tenant: string; headers: IncomingHttpHeaders; body: Uint8Array };

export type FromThread = { job: number; packed: PackedIngest } | { job: number; error: WireError };

/** An error as it crosses back: a SluiceError keeps its code, details and retry hint. */
export interface WireError {
  message: string;
  code?: ErrorCode;
  details?: ErrorDetail[];
  retryAfter?: number;
}

export function toWireError(error: unknown): WireError {
  if (!(error instanceof SluiceError)) return { message: error instanceof Error ? error.message : String(error) };
  const wire: WireError = { message: error.message, code: error.code };
  if (error.details !== undefined) wire.details = error.details;
  if (error.retryAfter !== undefined) wire.retryAfter = error.retryAfter;
  return wire;
}

export function fromWireError(wire: WireError): Error {
  if (wire.code === undefined) return new Error(`the ingest thread failed: ${wire.message}`);
  const options: { details?: ErrorDetail[]; retryAfter?: number } = {};
  if (wire.details !== undefined) options.details = wire.details;
  if (wire.retryAfter !== undefined) options.retryAfter = wire.retryAfter;
  return new SluiceError(wire.code, wire.message, options);
}
