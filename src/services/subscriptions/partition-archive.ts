import type { FileDestination } from '../../domain/catalog-docs.ts';
import type { StoredRecord } from '../../domain/event.ts';
import { deadLetterType, parseStreamName } from '../../domain/names.ts';
import { structuredCloudEvent } from '../../domain/subscriptions/cloudevent.ts';
import { errorShaped } from '../../domain/subscriptions/sink-values.ts';
import type { ArchiveFile, ArchiveFiles } from '../../ports/archive-files.ts';
import { maxSleepMs } from '../reader.ts';
import { recordMatches } from './partition-delivery.ts';
import type { PartitionWorker, RunnerContext } from './runner-context.ts';
import { Wakeup } from './wakeup.ts';

const readLimit = 500;
/** A write that failed (a full disk, say) is tried again after this long, from the last complete file. */
const retryAfterErrorMs = 5_000;

interface OpenFile {
  file: ArchiveFile;
  path: string;
  firstOffset: number;
  openedAt: number;
  lines: number;
  /** Bytes of the lines before compression. */
  size: number;
  /** A complete file of the same name from before a restart held this many lines: rotate no earlier. */
  atLeast: number;
}

/**
 * Archives one partition of one stream to files (docs/sinks.md "File archive"): appends each
 * record as a line to a partial file, and when the file reaches its size or age completes it
 * (fsync, rename, fsync the folder) and only then commits the offset after its last record.
 *
 * A restart goes on from the last commit. A file's name is its partition and first offset in
 * the hour folder of its first record, so a file completed just before a crash (renamed but
 * not yet committed) is written again under the same name and replaces itself; it is made at
 * least as long as the one it replaces, so no record ends up in two files.
 */
export class PartitionArchiver implements PartitionWorker {
  readonly stream: string;
  readonly partition: number;
  readonly #context: RunnerContext;
  readonly #files: ArchiveFiles;
  readonly #wakeup = new Wakeup();
  readonly #stop = new AbortController();
  #drain = true;
  #position: number;
  #committed: number;
  #open: OpenFile | undefined;
  #loop: Promise<void> | undefined;
  #lost = false;

  constructor(context: RunnerContext, files: ArchiveFiles, stream: string, partition: number, start: number) {
    this.#context = context;
    this.#files = files;
    this.stream = stream;
    this.partition = partition;
    this.#position = start;
    this.#committed = start;
  }

  get ended(): boolean {
    return this.#lost;
  }

  get progress(): number {
    return this.#committed;
  }

  start(): void {
    this.#loop ??= this.#run().catch((error: unknown) => {
      this.#context.logger.warn(
        { subscription: this.#context.name, stream: this.stream, partition: this.partition, err: error },
        'archiving stopped on an error; it restarts on the next heartbeat',
      );
      this.#lost = true;
    });
  }

  /** `drain`: completes the open file and commits it; otherwise drops it (the partition moved). */
  async stop(drain: boolean): Promise<void> {
    this.#drain = drain;
    this.#stop.abort();
    this.#wakeup.notify();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { log } = this.#context;
    const signal = this.#stop.signal;
    await this.#files.removePartial(this.#partialDir(), `${this.partition}-`);
    try {
      while (!signal.aborted) {
        const destination = this.#destination();
        const version = log.appendVersion(this.stream);
        let records: StoredRecord[];
        try {
          records = await log.read(this.stream, this.partition, this.#position, readLimit);
          await this.#write(destination, records);
          if (this.#open !== undefined && this.#due(destination)) await this.#complete();
          else if (this.#open === undefined) await this.#commit(this.#position);
        } catch (error) {
          this.#context.logger.warn(
            { subscription: this.#context.name, stream: this.stream, partition: this.partition, err: error },
            'archiving failed; trying again from the last complete file',
          );
          await this.#reset();
          await this.#wakeup.wait(retryAfterErrorMs);
          this.#wakeup.clear();
          continue;
        }
        if (records.length === readLimit) continue;
        let timeout = maxSleepMs;
        if (this.#open !== undefined) timeout = Math.max(0, Math.min(timeout, this.#open.openedAt + destination.rotate.seconds * 1000 - Date.now()));
        await Promise.race([this.#wakeup.wait(timeout), log.waitForAppend(this.stream, timeout, signal, version)]);
        this.#wakeup.clear();
      }
    } finally {
      if (this.#open !== undefined) {
        if (this.#drain && !this.#lost) await this.#complete().catch(() => this.#reset());
        else await this.#reset();
      }
    }
  }

  /** Appends the records that pass the filter; completes the file whenever it reaches its size. */
  async #write(destination: FileDestination, records: readonly StoredRecord[]): Promise<void> {
    const filter = this.#context.filter;
    const deadLetters = parseStreamName(this.stream)?.type === deadLetterType;
    let text = '';
    let count = 0;
    for (const record of records) {
      if (filter === undefined || recordMatches(filter, record)) {
        this.#open ??= await this.#create(destination, record);
        const next = `${line(destination, record, deadLetters)}\n`;
        text += next;
        count++;
        this.#open.size += Buffer.byteLength(next);
      }
      if (this.#open !== undefined && this.#open.size >= destination.rotate.bytes && this.#open.lines + count >= this.#open.atLeast) {
        await this.#open.file.write(text);
        this.#open.lines += count;
        text = '';
        count = 0;
        this.#position = record.offset + 1;
        await this.#complete();
      }
    }
    if (count > 0) {
      await this.#open!.file.write(text);
      this.#open!.lines += count;
    }
    if (records.length > 0) this.#position = records.at(-1)!.offset + 1;
  }

  async #create(destination: FileDestination, first: StoredRecord): Promise<OpenFile> {
    const at = new Date(first.timestamp);
    const hour = [at.getUTCFullYear(), at.getUTCMonth() + 1, at.getUTCDate(), at.getUTCHours()]
      .map((n, i) => String(n).padStart(i === 0 ? 4 : 2, '0'))
      .join('/');
    const name = `${this.partition}-${String(first.offset).padStart(20, '0')}.${destination.format}`;
    const path = `${this.#streamDir()}/${hour}/${name}`;
    const gzip = destination.format === 'ndjson.gz';
    const atLeast = (await this.#files.lines(path, gzip)) ?? 0;
    const file = await this.#files.create(path, `${this.#partialDir()}/${name}`, gzip);
    return { file, path, firstOffset: first.offset, openedAt: Date.now(), lines: 0, size: 0, atLeast };
  }

  #due(destination: FileDestination): boolean {
    const open = this.#open!;
    if (open.lines < open.atLeast) return false;
    return open.size >= destination.rotate.bytes || Date.now() - open.openedAt >= destination.rotate.seconds * 1000;
  }

  async #complete(): Promise<void> {
    const open = this.#open!;
    await open.file.complete();
    this.#open = undefined;
    this.#context.archived(open.lines, open.path);
    await this.#commit(this.#position);
  }

  /** Drops the open file and reads again from the last commit. */
  async #reset(): Promise<void> {
    const open = this.#open;
    this.#open = undefined;
    this.#position = this.#committed;
    await open?.file.discard().catch(() => undefined);
  }

  async #commit(offset: number): Promise<void> {
    if (offset <= this.#committed) return;
    try {
      await this.#context.commit(this.stream, this.partition, offset);
      this.#committed = offset;
    } catch (error) {
      // Not this member's partition any more: the new owner goes on from the last commit.
      this.#lost = true;
      this.#stop.abort();
      throw error;
    }
  }

  #destination(): FileDestination {
    const destination = this.#context.doc.destination;
    if (destination.kind !== 'file') throw new Error('a file archive runs only for a file sink');
    return destination;
  }

  #streamDir(): string {
    return `${this.#context.tenant}/${this.#destination().dir}/${this.stream}`;
  }

  #partialDir(): string {
    return `${this.#streamDir()}/.partial`;
  }
}

function line(destination: FileDestination, record: StoredRecord, deadLetter: boolean): string {
  // Data is stored as it arrived, which may be JSON spread over lines; a line of NDJSON may not break.
  const flat = /[\r\n]/.test(record.value) ? { ...record, value: JSON.stringify(JSON.parse(record.value)) } : record;
  if (destination.content === 'cloudevents') return structuredCloudEvent(flat);
  return deadLetter ? errorShaped(flat.value, destination.errorShape) : flat.value;
}
