/**
 * `JSON.parse` turns some numbers into other values without a word: an integer beyond 2^53
 * loses digits (`9007199254740993` becomes `…992`), `1e400` becomes Infinity (written back as
 * `null`), `1e-400` becomes 0, and `-0` is written back as `0`. An event holding such a number
 * would be stored different from what was acknowledged, so `parseExactJson` parses like
 * `JSON.parse` but leaves an `InexactNumber` where such a number was; the guard that walks
 * every event (`json-guard.ts`) then refuses the event with `inexact_number` and the path.
 *
 * Most texts cannot hold such a number: a cheap scan decides, and only the others take the
 * slower parse that looks at each number's source text.
 */

/**
 * Where a JSON number may start (after `:`, `,`, `[`, white space or at the very start; never
 * after a quote or a letter): sixteen digits or more, a three-digit exponent, or a negative
 * zero. Text inside strings rarely looks like that, and then costs only the slower parse.
 */
const inexactAfterDelimiter = /[:,[\s](?:-?\d{16}|-?\d+(?:\.\d+)?[eE][+-]?\d{3}|-0(?![1-9]))/;
const inexactAtStart = /^(?:-?\d{16}|-?\d+(?:\.\d+)?[eE][+-]?\d{3}|-0(?![1-9]))/;

/**
 * Two expressions, not one with `(?:^|[:,[\s])` in front: with the start-of-text alternative
 * the engine tried both at every position, which took 40% longer on ingest bodies.
 */
function mayBeInexact(text: string): boolean {
  return inexactAtStart.test(text) || inexactAfterDelimiter.test(text);
}

/** Where a number was that cannot be kept exactly; written back as the text it was sent as. */
export class InexactNumber {
  readonly source: string;
  readonly reason: string;

  constructor(source: string, reason: string) {
    this.source = source;
    this.reason = reason;
  }

  /** A dead letter keeps the number as it was sent. */
  toJSON(): unknown {
    return rawJson(this.source);
  }
}

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

const rawJson = (JSON as unknown as { rawJSON: (text: string) => unknown }).rawJSON;

const markInexact: Reviver = (_key, value, context) => {
  if (typeof value !== 'number' || context?.source === undefined) return value;
  const reason = inexactReason(value, context.source);
  return reason === undefined ? value : new InexactNumber(context.source, reason);
};

/** Parses JSON text like `JSON.parse`, with an `InexactNumber` for each number it would change. */
export function parseExactJson(text: string): unknown {
  if (!mayBeInexact(text)) return JSON.parse(text) as unknown;
  return JSON.parse(text, markInexact) as unknown;
}

function inexactReason(value: number, source: string): string | undefined {
  if (!Number.isFinite(value)) return `${source} is beyond the range of a 64-bit floating-point number`;
  if (Object.is(value, -0)) return 'negative zero cannot be kept (it is written back as 0); send 0';
  if (value === 0 && /[1-9]/.test(source.split(/[eE]/, 1)[0]!)) return `${source} is too small for a 64-bit floating-point number and would become 0`;
  if (!Number.isSafeInteger(value) && /^-?\d+$/.test(source))
    return `${source} is an integer beyond ±9007199254740991 (2^53 − 1) and cannot be kept exactly; send it as a string`;
  return undefined;
}
