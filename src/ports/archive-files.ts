/**
 * Files for file sinks (docs/sinks.md). A file is written under a partial name and appears
 * under its final name only once it is complete and on disk, so a reader of the archive
 * never sees half a file. Paths are relative to the installation's archive directory.
 */
export interface ArchiveFile {
  /** Appends text (whole lines); gzip files compress each write as a gzip member of its own. */
  write(text: string): Promise<void>;
  /** Flushes and fsyncs the file, renames it to its final name and fsyncs the folder. */
  complete(): Promise<void>;
  /** Removes the partial file. */
  discard(): Promise<void>;
}

export interface ArchiveFiles {
  /**
   * Starts a file that becomes `path` when complete, written meanwhile as `partial` (both
   * relative to the archive root and on its file system).
   */
  create(path: string, partial: string, gzip: boolean): Promise<ArchiveFile>;
  /** How many lines the complete file at `path` holds, or `undefined` when there is none. */
  lines(path: string, gzip: boolean): Promise<number | undefined>;
  /** Removes partial files left in `dir` whose names start with `prefix` (a writer that stopped without finishing). */
  removePartial(dir: string, prefix: string): Promise<void>;
}
