import { SluiceError } from '../errors.ts';
import { isoTextWriter } from '../iso-timestamp.ts';
import { at, ConfigReader, isPlainObject } from './config.ts';
import { Draft } from './draft.ts';
import { compileAssign } from './steps/assign.ts';
import { compileConvert } from './steps/convert.ts';
import { compileHash } from './steps/hash.ts';
import { compileKeep } from './steps/keep.ts';
import { compileMask } from './steps/mask.ts';
import { compileRemove } from './steps/remove.ts';
import { compileRename } from './steps/rename.ts';
import { compileValidate } from './steps/validate.ts';
import type { CompiledStep, StepName, TransformDeps, TransformOutcome } from './types.ts';

type StepCompiler = (config: unknown, where: string, reader: ConfigReader) => CompiledStep | undefined;

const compilers: Record<StepName, StepCompiler> = {
  rename: compileRename,
  set: (config, where, reader) => compileAssign(config, where, reader, false),
  remove: compileRemove,
  default: (config, where, reader) => compileAssign(config, where, reader, true),
  keep: compileKeep,
  hash: compileHash,
  mask: compileMask,
  convert: compileConvert,
  validate: compileValidate,
};
const stepNames = Object.keys(compilers);
const maxSteps = 100;

/**
 * Checks a list of transform steps once and compiles it into a function that runs them
 * over one event's `data`. The input is never mutated; the output shares the parts no
 * step touched with it (treat both as read-only).
 *
 * @example
 * const transform = compileSteps([{ rename: { timestamp: 'created_at' } }, { set: { processed_at: { now: true } } }], deps);
 * transform({ timestamp: 1 }) // { ok: true, data: { created_at: 1, processed_at: '2026-…Z' } }
 *
 * @throws SluiceError `invalid_pipeline`, with one detail (`/steps/<i>/<step>/…`) per problem.
 */
export function compileSteps(steps: unknown, deps: TransformDeps): (data: unknown) => TransformOutcome {
  const reader = new ConfigReader(deps);
  const compiled: CompiledStep[] = [];
  const names: string[] = [];
  if (!Array.isArray(steps)) {
    reader.problem('/steps', 'must be a list of steps, each a mapping with one key naming the step');
  } else if (steps.length > maxSteps) {
    reader.problem('/steps', `must have at most ${maxSteps} steps`);
  } else {
    steps.forEach((step: unknown, index) => {
      const where = at('/steps', index);
      const keys = isPlainObject(step) ? Object.keys(step) : [];
      if (!isPlainObject(step) || keys.length !== 1) {
        reader.problem(where, `must be a mapping with exactly one key naming the step (${stepNames.join(', ')})`);
        return;
      }
      const name = keys[0]!;
      if (!Object.hasOwn(compilers, name)) {
        reader.problem(at(where, name), `unknown step "${name}"; the steps are ${stepNames.join(', ')}`);
        return;
      }
      const compiledStep = compilers[name as StepName](step[name], at(where, name), reader);
      if (compiledStep !== undefined) {
        compiled.push(compiledStep);
        names.push(name);
      }
    });
  }
  if (reader.problems.length > 0) {
    const [first] = reader.problems;
    const more = reader.problems.length > 1 ? ` (and ${reader.problems.length - 1} more)` : '';
    throw new SluiceError('invalid_pipeline', `the pipeline is not valid: ${first!.path} ${first!.reason}${more}`, { details: reader.problems });
  }
  if (compiled.length === 0) return (data) => ({ ok: true, data });

  // A writer of its own formats the clock once per millisecond, which many events share,
  // whatever other instants a `convert` in the same pipeline writes.
  const clockText = isoTextWriter();
  const clock = (): string => clockText(deps.now().getTime());
  return (data) => {
    const draft = new Draft(data, clock);
    for (let i = 0; i < compiled.length; i++) {
      const failure = compiled[i]!(draft);
      if (failure !== undefined) return { ok: false, step: i, stepName: names[i]!, ...failure };
    }
    return { ok: true, data: draft.root };
  };
}
