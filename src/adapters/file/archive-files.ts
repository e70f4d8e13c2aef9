import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { createGunzip, gzip } from 'node:zlib';
import type { ArchiveFile, ArchiveFiles } from '../../ports/archive-files.ts';

const gzipAsync = promisify(gzip);

/** File sinks' files on the local file system, under one root directory. */
export class LocalArchiveFiles implements ArchiveFiles {
  readonly #root: string;

  constructor(root: string) {
    this.#root = resolve(root);
  }

  async create(path: string, partial: string, gzip: boolean): Promise<ArchiveFile> {
    const final = this.#inside(path);
    const temporary = this.#inside(partial);
    await mkdir(dirname(temporary), { recursive: true });
    const handle = await open(temporary, 'w');
    return new LocalArchiveFile(handle, temporary, final, gzip);
  }

  async lines(path: string, gzip: boolean): Promise<number | undefined> {
    const file = this.#inside(path);
    try {
      await stat(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const raw = createReadStream(file);
    const input = gzip ? raw.pipe(createGunzip()) : raw;
    let count = 0;
    for await (const line of createInterface({ input, crlfDelay: Infinity })) if (line !== '') count++;
    return count;
  }

  async removePartial(dir: string, prefix: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.#inside(dir));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await Promise.all(names.filter((name) => name.startsWith(prefix)).map((name) => unlink(join(this.#inside(dir), name)).catch(() => undefined)));
  }

  /** An absolute path inside the root; a path that would leave it is a programming error. */
  #inside(path: string): string {
    const full = resolve(this.#root, path);
    if (!full.startsWith(this.#root + sep)) throw new Error(`archive path ${path} leaves the archive directory`);
    return full;
  }
}

class LocalArchiveFile implements ArchiveFile {
  readonly #handle: FileHandle;
  readonly #temporary: string;
  readonly #final: string;
  readonly #gzip: boolean;
  #closed = false;

  constructor(handle: FileHandle, temporary: string, final: string, gzip: boolean) {
    this.#handle = handle;
    this.#temporary = temporary;
    this.#final = final;
    this.#gzip = gzip;
  }

  async write(text: string): Promise<void> {
    // Concatenated gzip members are one valid gzip stream (RFC 1952); gunzip, zcat and the usual libraries read them whole.
    const bytes = this.#gzip ? await gzipAsync(text) : Buffer.from(text);
    await this.#handle.write(bytes);
  }

  async complete(): Promise<void> {
    await this.#handle.sync();
    await this.#close();
    await mkdir(dirname(this.#final), { recursive: true });
    await rename(this.#temporary, this.#final);
    await syncFolder(dirname(this.#final));
  }

  async discard(): Promise<void> {
    await this.#close();
    await unlink(this.#temporary).catch(() => undefined);
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#handle.close();
  }
}

/** A rename is durable once the folder holding the new name is synced. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
