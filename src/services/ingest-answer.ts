import type { ErrorDetail } from '../domain/errors.ts';
import type { Planned } from './ingest.ts';

/** Where one stored copy of an event went. */
export interface StoredPosition {
  stream: string;
  partition: number;
  offset: number;
  duplicate?: true;
}

export type IngestResult =
  | { id: string; stream: string; partition: number; offset: number; duplicate?: true; routes?: StoredPosition[] }
  | { id: string; filtered: true }
  | { index: number; id?: string; error: { code: string; message: string; details?: ErrorDetail[] }; deadLetter: { stream: string; offset: number } };

export interface IngestOutcome {
  /** Events stored by this request. */
  readonly accepted: number;
  /** Events whose id (a CloudEvent's source and id) was stored already, by an earlier request or earlier in this one: not stored again; their result gives the first copy's position. */
  readonly duplicates: number;
  readonly rejected: number;
  /** Events a pipeline filter dropped on purpose: counted, not dead-lettered. */
  readonly filtered: number;
  /** One result per event, in request order (read back from `json`: for callers that want objects). */
  readonly results: IngestResult[];
  /** The answer the HTTP API gives, as JSON text: the four counts, then `results`. */
  readonly json: string;
}

/** The log's answer for one record of an append. */
export interface RecordPosition {
  partition: number;
  offset: number;
  duplicate: boolean;
}

export interface AnswerCounts {
  accepted: number;
  duplicates: number;
  rejected: number;
  filtered: number;
}

/**
 * An ingest request's outcome as the plan and the positions the log gave, with its JSON text
 * written straight from them when first asked for. An answer holds one result per event and
 * is the largest thing the HTTP thread writes; building the result objects and then
 * stringifying them cost about twice as much. A caller that never answers over HTTP (a Kafka
 * source) pays for neither.
 */
export class IngestAnswer implements IngestOutcome {
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly filtered: number;
  readonly #plan: readonly Planned[];
  readonly #positions: readonly RecordPosition[];
  readonly #deadStream: string;
  #json: string | undefined;
  #results: IngestResult[] | undefined;

  constructor(counts: AnswerCounts, plan: readonly Planned[], positions: readonly RecordPosition[], deadStream: string) {
    this.accepted = counts.accepted;
    this.duplicates = counts.duplicates;
    this.rejected = counts.rejected;
    this.filtered = counts.filtered;
    this.#plan = plan;
    this.#positions = positions;
    this.#deadStream = deadStream;
  }

  get json(): string {
    this.#json ??= this.#write();
    return this.#json;
  }

  get results(): IngestResult[] {
    this.#results ??= (JSON.parse(this.json) as { results: IngestResult[] }).results;
    return this.#results;
  }

  /** `JSON.stringify(outcome)` and Fastify's serializer see the same answer as `json`. */
  toJSON(): AnswerCounts & { results: IngestResult[] } {
    return { accepted: this.accepted, duplicates: this.duplicates, rejected: this.rejected, filtered: this.filtered, results: this.results };
  }

  /**
   * The keys in the order the object form has them, so the text equals `JSON.stringify` of it.
   * Appended piece by piece (V8 joins such strings lazily, once, when the answer is written):
   * 0.12–0.24 µs per accepted event against 0.35–0.40 for objects and `JSON.stringify`, and
   * 0.31 for a template literal per result joined at the end (docs/BENCHMARKS.md).
   */
  #write(): string {
    const plan = this.#plan;
    const positions = this.#positions;
    let lastStream = '';
    let lastQuoted = '""';
    const stream = (name: string): string => {
      if (name !== lastStream) {
        lastStream = name;
        lastQuoted = quoted(name);
      }
      return lastQuoted;
    };
    let text = `{"accepted":${this.accepted},"duplicates":${this.duplicates},"rejected":${this.rejected},"filtered":${this.filtered},"results":[`;
    for (let i = 0; i < plan.length; i++) {
      const planned = plan[i]!;
      if (i > 0) text += ',';
      if (planned.kind === 'accepted') {
        const { streams, first } = planned;
        text += '{"id":' + quoted(planned.id) + ',' + where(stream(streams[0]!), positions[first]!);
        if (streams.length > 1) {
          text += ',"routes":[';
          for (let copy = 0; copy < streams.length; copy++) text += (copy > 0 ? ',{' : '{') + where(stream(streams[copy]!), positions[first + copy]!) + '}';
          text += ']';
        }
        text += '}';
      } else if (planned.kind === 'filtered') {
        text += '{"id":' + quoted(planned.id) + ',"filtered":true}';
      } else {
        const { code, message, details } = planned.rejection;
        text += '{"index":' + planned.index + ',"error":{"code":' + quoted(code) + ',"message":' + quoted(message);
        if (details !== undefined) text += ',"details":' + JSON.stringify(details);
        text += '},"deadLetter":{"stream":' + stream(this.#deadStream) + ',"offset":' + positions[planned.record]!.offset + '}';
        if (planned.id !== undefined) text += ',"id":' + quoted(planned.id);
        text += '}';
      }
    }
    return text + ']}';
  }
}

/** Text that `JSON.stringify` writes as it is, between quotes: no quote, backslash, control character or surrogate. */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const plainText = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** `JSON.stringify(text)`, without its cost for the usual id or name that needs no escape. */
export function quoted(text: string): string {
  return plainText.test(text) ? '"' + text + '"' : JSON.stringify(text);
}

function where(quotedStream: string, position: RecordPosition): string {
  return '"stream":' + quotedStream + ',"partition":' + position.partition + ',"offset":' + position.offset + (position.duplicate ? ',"duplicate":true' : '');
}
