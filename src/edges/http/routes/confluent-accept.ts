import { confluentContentType } from './confluent-schemas.ts';

/**
 * The content type to answer with for an Accept header, as Confluent negotiates it: its own
 * type unless the client prefers plain JSON; `undefined` when the client accepts neither.
 */
export function answerType(accept: string | undefined): string | undefined {
  if (accept === undefined || accept.trim() === '') return confluentContentType;
  const ranges = accept
    .split(',')
    .map((part, order) => {
      const [range = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { range, q: q === undefined ? 1 : Number(q.slice(2)), order };
    })
    .filter((entry) => entry.range !== '' && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { range } of ranges) {
    if (range === confluentContentType || range === 'application/vnd.schemaregistry+json' || range === '*/*' || range === 'application/*')
      return confluentContentType;
    if (range === 'application/json') return 'application/json';
  }
  return undefined;
}

/** Distinct Accept headers remembered; clients send one or two each, so this is far beyond need. */
const maxRemembered = 256;

/**
 * The Content-Type header of the registry's answers for an Accept header (`answerType`, with
 * the charset Fastify gives JSON answers), remembered per distinct header: a client sends the
 * same one on every call. `undefined` when the client accepts neither type (406).
 */
export class AnswerContentTypes {
  readonly #known = new Map<string, string | undefined>();

  of(accept: string | undefined): string | undefined {
    if (accept === undefined) return withCharset(confluentContentType);
    if (this.#known.has(accept)) return this.#known.get(accept);
    const type = answerType(accept);
    const header = type === undefined ? undefined : withCharset(type);
    // Past the bound the answer is computed each time: a client that varies its header pays for it.
    if (this.#known.size < maxRemembered) this.#known.set(accept, header);
    return header;
  }
}

function withCharset(type: string): string {
  return `${type}; charset=utf-8`;
}
