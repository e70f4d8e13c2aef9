import type { CatalogEntry, CatalogKind } from '../../../ports/catalog.ts';
import { CatalogConflict } from '../../../ports/catalog.ts';
import { SluiceError, type ErrorCode, type ErrorDetail } from '../../../domain/errors.ts';

/** The messages between the main thread and the store thread. */
export type Target = 'log' | 'catalog' | 'groups' | 'state';

export interface Call {
  id: number;
  target: Target;
  method: string;
  args: unknown[];
}

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  details?: ErrorDetail[];
  retryAfter?: number;
}

export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: SerializedError };

export type Notice =
  | { notice: 'ready'; catalog: CatalogEntry<CatalogKind>[] }
  | { notice: 'failed'; error: SerializedError }
  | { notice: 'appended'; streams: string[] }
  | { notice: 'closed' };

export interface StoreThreadData {
  dataDir: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof SluiceError) {
    const serialized: SerializedError = { name: error.name, message: error.message, code: error.code };
    if (error.details !== undefined) serialized.details = error.details;
    if (error.retryAfter !== undefined) serialized.retryAfter = error.retryAfter;
    return serialized;
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** Rebuilds the errors callers test for by class: SluiceError and CatalogConflict. */
export function deserializeError(error: SerializedError): Error {
  if (error.name === 'SluiceError' && error.code !== undefined) {
    const options: { details?: ErrorDetail[]; retryAfter?: number } = {};
    if (error.details !== undefined) options.details = error.details;
    if (error.retryAfter !== undefined) options.retryAfter = error.retryAfter;
    return new SluiceError(error.code as ErrorCode, error.message, options);
  }
  if (error.name === 'CatalogConflict') {
    const conflict = new CatalogConflict('tenant', '');
    conflict.message = error.message;
    return conflict;
  }
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  return rebuilt;
}
