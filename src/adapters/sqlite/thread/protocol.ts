import type { CatalogEntry, CatalogKind } from '../../../ports/catalog.ts';
import { CatalogConflict } from '../../../ports/catalog.ts';
import { StoreUnavailable } from '../../../ports/errors.ts';
import { SluiceError, type ErrorCode, type ErrorDetail } from '../../../domain/errors.ts';
import type { CheckpointThreadReport } from '../checkpointer.ts';
import type { LayoutMigration } from '../log-layout.ts';
import type { openInProcessStore, SqliteStoreOptions } from '../store.ts';

/** The objects the store thread answers for, by the name calls give them. */
export type Targets = Pick<ReturnType<typeof openInProcessStore>, 'log' | 'catalog' | 'groups' | 'state'>;
export type Target = keyof Targets;

/** The methods of a target that may be called across threads. */
export type MethodOf<T extends Target> = {
  [M in keyof Targets[T]]: Targets[T][M] extends (...args: never[]) => unknown ? M : never;
}[keyof Targets[T]] &
  string;

type Method<T extends Target, M extends MethodOf<T>> = Targets[T][M] extends (...args: infer A) => infer R ? (...args: A) => R : never;
export type ArgsOf<T extends Target, M extends MethodOf<T>> = Parameters<Method<T, M>>;
export type ResultOf<T extends Target, M extends MethodOf<T>> = Awaited<ReturnType<Method<T, M>>>;

/** The messages between the main thread and the store thread. */
export interface Call {
  id: number;
  target: Target;
  method: string;
  args: unknown[];
}

/** An error on its way between threads: `kind` names the class it is rebuilt as. */
export interface SerializedError {
  kind: 'sluice' | 'catalog-conflict' | 'store-unavailable' | 'other';
  name: string;
  message: string;
  code?: string;
  details?: ErrorDetail[];
  retryAfter?: number;
  catalogKind?: CatalogKind;
  catalogKey?: string;
}

export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: SerializedError };

export type Notice =
  | { notice: 'ready'; catalog: CatalogEntry<CatalogKind>[]; migration: LayoutMigration | undefined }
  | { notice: 'failed'; error: SerializedError }
  | { notice: 'appended'; streams: string[] }
  | { notice: 'checkpoint'; report: CheckpointThreadReport }
  | { notice: 'closed' };

export interface StoreThreadData {
  dataDir: string;
  options: SqliteStoreOptions;
}

/**
 * The one registry of errors that cross threads as themselves: the errors callers test for
 * by class. Anything else arrives as a plain Error with its name and message.
 */
const crossingErrors: {
  [K in Exclude<SerializedError['kind'], 'other'>]: {
    is: (error: unknown) => boolean;
    toWire: (error: never) => SerializedError;
    fromWire: (error: SerializedError) => Error;
  };
} = {
  sluice: {
    is: (error) => error instanceof SluiceError,
    toWire: (error: SluiceError) => {
      const wire: SerializedError = { kind: 'sluice', name: error.name, message: error.message, code: error.code };
      if (error.details !== undefined) wire.details = error.details;
      if (error.retryAfter !== undefined) wire.retryAfter = error.retryAfter;
      return wire;
    },
    fromWire: (wire) => {
      const options: { details?: ErrorDetail[]; retryAfter?: number } = {};
      if (wire.details !== undefined) options.details = wire.details;
      if (wire.retryAfter !== undefined) options.retryAfter = wire.retryAfter;
      return new SluiceError(wire.code as ErrorCode, wire.message, options);
    },
  },
  'catalog-conflict': {
    is: (error) => error instanceof CatalogConflict,
    toWire: (error: CatalogConflict) => ({
      kind: 'catalog-conflict',
      name: error.name,
      message: error.message,
      catalogKind: error.kind,
      catalogKey: error.key,
    }),
    fromWire: (wire) => new CatalogConflict(wire.catalogKind!, wire.catalogKey!),
  },
  'store-unavailable': {
    is: (error) => error instanceof StoreUnavailable,
    toWire: (error: StoreUnavailable) => ({ kind: 'store-unavailable', name: error.name, message: error.message }),
    fromWire: (wire) => new StoreUnavailable(wire.message),
  },
};

export function serializeError(error: unknown): SerializedError {
  for (const entry of Object.values(crossingErrors)) if (entry.is(error)) return entry.toWire(error as never);
  if (error instanceof Error) return { kind: 'other', name: error.name, message: error.message };
  return { kind: 'other', name: 'Error', message: String(error) };
}

export function deserializeError(error: SerializedError): Error {
  if (error.kind !== 'other') return crossingErrors[error.kind].fromWire(error);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  return rebuilt;
}
