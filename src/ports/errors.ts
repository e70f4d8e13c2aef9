/**
 * Errors any port may throw, whatever store is behind it, so that services and edges test
 * for them by class and never by a store client's error codes. (`CatalogConflict`, thrown by
 * `Catalog.put`, lives with the catalog port.)
 */

/** The store could not be reached, or did not answer in time; the call may be tried again. */
export class StoreUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailable';
  }
}
