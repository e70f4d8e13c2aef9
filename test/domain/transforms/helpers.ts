import assert from 'node:assert/strict';
import type { Validator } from '../../../src/domain/pipeline.ts';
import { compileSteps, type TransformDeps, type TransformOutcome } from '../../../src/domain/transforms/index.ts';
import { SluiceError } from '../../../src/domain/errors.ts';

export const fixedNow = new Date('2026-03-04T05:06:07.089Z');
export const salt = 'tenant-acme-secret-salt-0123456789';

/** A stand-in for ajv: `{required: [...]}` checks top-level fields; `{invalid: true}` throws. */
export function fakeCompileSchema(schema: unknown): Validator {
  const spec = schema as { required?: string[]; invalid?: boolean; details?: boolean };
  if (spec.invalid === true) throw new Error('schema is invalid: type must be a string');
  if (spec.details === true) throw new SluiceError('invalid_schema', 'bad', { details: [{ path: '/properties/a/type', reason: 'must be a known type' }] });
  return (data) => {
    const missingFields = (spec.required ?? []).filter((field) => typeof data !== 'object' || data === null || !Object.hasOwn(data, field));
    return missingFields.length === 0 ? undefined : missingFields.map((field) => ({ path: `/${field}`, reason: 'is required' }));
  };
}

export function deps(overrides: Partial<TransformDeps> = {}): TransformDeps {
  return { now: () => fixedNow, salt, compileSchema: fakeCompileSchema, ...overrides };
}

export function run(steps: unknown, data: unknown, overrides: Partial<TransformDeps> = {}): TransformOutcome {
  return compileSteps(steps, deps(overrides))(data);
}

/** Runs the steps and returns the output data, failing the test when the steps failed. */
export function output(steps: unknown, data: unknown, overrides: Partial<TransformDeps> = {}): unknown {
  const outcome = run(steps, data, overrides);
  assert.ok(outcome.ok, `expected success, got ${JSON.stringify(outcome)}`);
  return outcome.data;
}

/** Runs the steps and returns the failure, failing the test when they succeeded. */
export function failure(steps: unknown, data: unknown, overrides: Partial<TransformDeps> = {}) {
  const outcome = run(steps, data, overrides);
  assert.ok(!outcome.ok, `expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome;
}

/** The `invalid_pipeline` details of a config that must not compile. */
export function configProblems(steps: unknown, overrides: Partial<TransformDeps> = {}): Array<{ path: string; reason: string }> {
  try {
    compileSteps(steps, deps(overrides));
  } catch (error) {
    assert.ok(error instanceof SluiceError, `expected a SluiceError, got ${String(error)}`);
    assert.equal(error.code, 'invalid_pipeline');
    assert.ok(error.details !== undefined && error.details.length > 0, 'invalid_pipeline carries details');
    return error.details;
  }
  assert.fail(`expected ${JSON.stringify(steps)} to be refused`);
}

/** Deep-freezes a value, so a transform that writes into its input throws in strict mode. */
export function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) frozen(member);
    Object.freeze(value);
  }
  return value;
}
