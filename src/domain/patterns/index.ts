/**
 * Content patterns: EventBridge-style JSON patterns that filters, routes and subscriptions
 * use to pick events. See docs/patterns.md.
 */
export { compilePattern } from './compile.ts';
export type { CompiledPattern, Pattern } from './types.ts';
