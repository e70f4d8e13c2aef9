/**
 * The file a worker thread runs, next to the module that starts it: in a checkout Node runs
 * the .ts sources, and a published package runs the built .js files, so the extension follows
 * the starting module's own. `relative` is the path without its extension.
 *
 * @example
 * new Worker(threadModule(import.meta.url, './store-thread'))
 */
export function threadModule(startingModule: string, relative: string): URL {
  return new URL(`${relative}${startingModule.endsWith('.ts') ? '.ts' : '.js'}`, startingModule);
}
