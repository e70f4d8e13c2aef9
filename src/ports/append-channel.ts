import type { MessagePort } from 'node:worker_threads';
import type { ErrorCode } from '../domain/errors.ts';
import { SluiceError } from '../domain/errors.ts';
import { type AppendColumns, columnBuffers, type ResultColumns } from './append-columns.ts';

/**
 * A way for another thread to append packed records straight to the thread that owns the
 * log, without passing through the thread that asked for the channel (`EventLog.appendChannel`).
 * The ingest thread appends what it prepared this way: the records' text then crosses threads
 * once instead of twice, and never lives on the HTTP thread.
 */
export interface ChannelAppend {
  id: number;
  columns: AppendColumns;
  /** Streams to make (with one partition) first if they do not exist: a tenant's dead letters. */
  ensureStreams: string[];
}

export type ChannelReply = { id: number; ok: true; results: ResultColumns } | { id: number; ok: false; error: ChannelError };

/** A failure as it crosses back: a SluiceError keeps its code. */
export interface ChannelError {
  message: string;
  code?: ErrorCode;
  retryAfter?: number;
}

/** The appending end of a channel. */
export class AppendChannel {
  readonly #port: MessagePort;
  readonly #pending = new Map<number, { resolve: (results: ResultColumns) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #closed: Error | undefined;

  constructor(port: MessagePort) {
    this.#port = port;
    port.on('message', (reply: ChannelReply) => this.#receive(reply));
    port.on('close', () => this.#fail(new Error('the store closed the append channel')));
  }

  /** Appends the records durably, as `EventLog.append` does; results are in the order of the records. */
  append(columns: AppendColumns, ensureStreams: string[]): Promise<ResultColumns> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#port.postMessage({ id, columns, ensureStreams } satisfies ChannelAppend, columnBuffers(columns));
    });
  }

  #receive(reply: ChannelReply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (reply.ok) pending.resolve(reply.results);
    else pending.reject(fromChannelError(reply.error));
  }

  #fail(error: Error): void {
    this.#closed ??= error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

/**
 * The log owner's end: each append is handed to `append`, which makes `ensureStreams` and
 * appends; its answer or failure goes back over the same port.
 */
export function serveAppendChannel(port: MessagePort, append: (columns: AppendColumns, ensureStreams: string[]) => Promise<ResultColumns>): void {
  port.on('message', ({ id, columns, ensureStreams }: ChannelAppend) => {
    append(columns, ensureStreams).then(
      (results) => port.postMessage({ id, ok: true, results } satisfies ChannelReply, columnBuffers(results)),
      (error: unknown) => port.postMessage({ id, ok: false, error: toChannelError(error) } satisfies ChannelReply),
    );
  });
}

function toChannelError(error: unknown): ChannelError {
  if (!(error instanceof SluiceError)) return { message: error instanceof Error ? error.message : String(error) };
  const wire: ChannelError = { message: error.message, code: error.code };
  if (error.retryAfter !== undefined) wire.retryAfter = error.retryAfter;
  return wire;
}

function fromChannelError(wire: ChannelError): Error {
  if (wire.code === undefined) return new Error(wire.message);
  return new SluiceError(wire.code, wire.message, wire.retryAfter === undefined ? {} : { retryAfter: wire.retryAfter });
}
