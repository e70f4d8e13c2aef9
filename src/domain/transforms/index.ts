/**
 * Declarative transform steps: rename, set, remove, default, keep, hash, mask, convert and
 * validate, compiled once per pipeline and run once per event. Pure: the clock, the
 * tenant's salt and the schema compiler are injected. See docs/pipelines.md.
 */
export { compileSteps } from './compile.ts';
export { InvalidPathError, missing, parsePath, readPath, type FieldPath } from './paths.ts';
export type { StepConfig, StepName, TransformDeps, TransformOutcome, ValueSpec } from './types.ts';
