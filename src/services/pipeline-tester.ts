import { randomUUID } from 'node:crypto';
import type { ErrorDetail } from '../domain/errors.ts';
import { SluiceError } from '../domain/errors.ts';
import { toEventInput } from '../domain/event-input.ts';
import type { PipelineConfig } from '../domain/pipeline-config.ts';
import { runPipeline } from '../domain/pipeline.ts';
import type { TypeRegistry } from './registry.ts';

export type SampleResult =
  | { index: number; outcome: 'accepted'; outputs: { stream: string; key: string | null; data: unknown }[] }
  | { index: number; outcome: 'filtered' }
  | { index: number; outcome: 'dead-letter'; error: { stage: string; code: string; message: string; details?: ErrorDetail[] } };

const maxSamples = 100;

/**
 * Runs sample events through a type's pipeline (the stored one, or one being drafted) and
 * says what each would become, storing nothing.
 *
 * @example await tester.test('acme', 'user-login', [{ data: { user_id: 'u1', timestamp: 1700000000 } }])
 */
export class PipelineTester {
  readonly #registry: TypeRegistry;

  constructor(registry: TypeRegistry) {
    this.#registry = registry;
  }

  async test(tenant: string, type: string, samples: readonly unknown[], pipeline?: PipelineConfig): Promise<SampleResult[]> {
    if (samples.length === 0 || samples.length > maxSamples) {
      throw new SluiceError('invalid_request', `send from 1 to ${maxSamples} sample events`, {
        details: [{ path: '/events', reason: `got ${samples.length}` }],
      });
    }
    const compiled = pipeline === undefined ? this.#registry.compiled(tenant, type) : await this.#registry.compileWith(tenant, type, pipeline);
    if (compiled === undefined) throw new SluiceError('not_found', `tenant "${tenant}" has no event type "${type}"`);
    const receivedAt = new Date().toISOString();
    return samples.map((sample, index): SampleResult => {
      let input;
      try {
        const envelope = typeof sample === 'object' && sample !== null && !Array.isArray(sample) ? { ...sample, type } : sample;
        input = toEventInput(envelope, () => JSON.stringify(sample));
      } catch (error) {
        if (!(error instanceof SluiceError)) throw error;
        return { index, outcome: 'dead-letter', error: withDetails({ stage: 'ingest', code: error.code, message: error.message }, error.details) };
      }
      const outcome = runPipeline(input, compiled, { tenant, receivedAt, newId: randomUUID });
      if (outcome.kind === 'filtered') return { index, outcome: 'filtered' };
      if (outcome.kind === 'rejected') {
        const { stage, code, message, details } = outcome.rejection;
        return { index, outcome: 'dead-letter', error: withDetails({ stage, code, message }, details) };
      }
      return {
        index,
        outcome: 'accepted',
        outputs: outcome.events.map((event) => ({ stream: event.stream, key: event.key, data: JSON.parse(event.data) as unknown })),
      };
    });
  }
}

function withDetails<T extends object>(error: T, details: ErrorDetail[] | undefined): T & { details?: ErrorDetail[] } {
  return details === undefined ? error : { ...error, details };
}
