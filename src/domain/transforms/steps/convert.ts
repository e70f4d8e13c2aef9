import { commonIsoMillis, isoTextWriter, maxMillis, minMillis, realDay } from '../../iso-timestamp.ts';
import type { ConfigReader, PlacedPath } from '../config.ts';
import { describeType, missing, readPath } from '../paths.ts';
import type { CompiledStep, ConvertFormat, IsoPrecision } from '../types.ts';

const timeFormats = ['epoch-seconds', 'epoch-millis', 'iso8601'] as const;
const valueFormats = ['string', 'number'] as const;
const formats: readonly string[] = [...timeFormats, ...valueFormats];

const epochText = /^-?\d+(\.\d+)?$/;
const decimalText = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const offsetText = /^([+-])([01]\d|2[0-3]):([0-5]\d)$/;
const isoText = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** A conversion: the new value, or why the value does not convert. */
type Converter = (value: unknown) => { value: unknown } | string;

/** How `iso8601` is written: the default is milliseconds and `Z`. */
interface IsoStyle {
  precision: IsoPrecision;
  /** `Z`, nothing (UTC wall time), or a fixed offset such as `+02:00`. */
  suffix: string;
  offsetMillis: number;
}

/**
 * `convert: {created_at: {from: epoch-seconds, to: iso8601}, amount: {from: string, to: number}}`.
 * Times convert between `epoch-seconds`, `epoch-millis` and `iso8601`; values between
 * `string` and `number`. `iso8601` is written in UTC with milliseconds and `Z`
 * (`2023-09-12T00:45:51.000Z`); `precision: seconds` drops the fraction
 * (`2023-09-12T00:45:51Z`), `zone: none` drops the zone (UTC wall time:
 * `2023-09-12T00:45:51.000`), and a fixed offset writes the wall time there
 * (`zone: '+02:00'`: `2023-09-12T02:45:51.000+02:00`). A value that does not convert fails the event,
 * and so does a missing or null field unless the conversion says `optional: true`.
 */
export function compileConvert(config: unknown, where: string, reader: ConfigReader): CompiledStep | undefined {
  const entries = reader.fieldMap(config, where, '{from, to} (formats: epoch-seconds, epoch-millis, iso8601, string, number)');
  if (entries === undefined) return undefined;
  const placed: PlacedPath[] = [];
  const converters: Converter[] = [];
  const optional: boolean[] = [];
  for (const entry of entries) {
    const options = reader.options(entry.option, entry.at, ['from', 'to', 'optional', 'precision', 'zone'], 'a mapping {from, to, optional, precision, zone}');
    if (options === undefined) continue;
    const from = format(options.from, `${entry.at}/from`, reader);
    const to = format(options.to, `${entry.at}/to`, reader);
    const isOptional = reader.optionalFlag(options, entry.at);
    const style = isoStyle(options, to, entry.at, reader);
    if (from === undefined || to === undefined || style === undefined) continue;
    const converter = converterFor(from, to, style);
    if (typeof converter === 'string') {
      reader.problem(entry.at, converter);
      continue;
    }
    placed.push({ path: entry.path, at: entry.at });
    converters.push(converter);
    optional.push(isOptional);
  }
  reader.noOverlaps(placed, 'path');
  const paths = placed.map((entry) => entry.path);

  return (draft) => {
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i]!;
      const value = readPath(draft.root, path);
      if (value === missing || value === null) {
        if (optional[i]) continue;
        return { path: path.pointer, reason: value === null ? 'is null; nothing to convert' : 'missing: there is no field to convert' };
      }
      const result = converters[i]!(value);
      if (typeof result === 'string') return { path: path.pointer, reason: result };
      draft.replace(path, result.value);
    }
    return undefined;
  };
}

function format(value: unknown, where: string, reader: ConfigReader): ConvertFormat | undefined {
  if (typeof value === 'string' && formats.includes(value)) return value as ConvertFormat;
  return reader.problem(where, `must be one of ${formats.join(', ')}`);
}

/** `precision` and `zone`, which only `to: iso8601` takes; `undefined` after a problem. */
function isoStyle(options: Record<string, unknown>, to: ConvertFormat | undefined, where: string, reader: ConfigReader): IsoStyle | undefined {
  const { precision, zone } = options;
  let ok = true;
  const refuse = (name: string, reason: string) => {
    reader.problem(`${where}/${name}`, reason);
    ok = false;
  };
  if (to !== undefined && to !== 'iso8601') {
    if (precision !== undefined) refuse('precision', `applies only to \`to: iso8601\`, not to ${to}`);
    if (zone !== undefined) refuse('zone', `applies only to \`to: iso8601\`, not to ${to}`);
  }
  if (precision !== undefined && precision !== 'millis' && precision !== 'seconds') refuse('precision', 'must be millis or seconds');
  let suffix = 'Z';
  let offsetMillis = 0;
  if (zone === 'none') suffix = '';
  else if (zone !== undefined && zone !== 'utc') {
    const match = typeof zone === 'string' ? offsetText.exec(zone) : null;
    if (match === null) refuse('zone', 'must be utc, none, or a fixed offset such as +02:00 or -05:30');
    else {
      suffix = match[0];
      offsetMillis = (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) * 60_000;
    }
  }
  if (!ok) return undefined;
  return { precision: precision === 'seconds' ? 'seconds' : 'millis', suffix, offsetMillis };
}

function converterFor(from: ConvertFormat, to: ConvertFormat, style: IsoStyle): Converter | string {
  const isTime = (name: ConvertFormat) => (timeFormats as readonly string[]).includes(name);
  if (isTime(from) !== isTime(to)) return `cannot convert ${from} to ${to}; times convert among ${timeFormats.join(', ')}, values between string and number`;
  if (from === to && from !== 'iso8601') return `converts ${from} to itself`;
  if (from === 'string') return stringToNumber;
  if (from === 'number') return numberToString;
  const read = from === 'epoch-seconds' ? readEpoch(1000) : from === 'epoch-millis' ? readEpoch(1) : readIso;
  const write = to === 'epoch-seconds' ? (ms: number) => ({ value: ms / 1000 }) : to === 'epoch-millis' ? (ms: number) => ({ value: ms }) : isoWriter(style);
  return (value) => {
    const millis = read(value);
    return typeof millis === 'string' ? millis : write(millis);
  };
}

/** Writes an instant as `iso8601` in a style; the seconds form truncates, as clocks do. */
function isoWriter(style: IsoStyle): (millis: number) => { value: string } | string {
  const length = style.precision === 'seconds' ? 19 : 23; // YYYY-MM-DDTHH:MM:SS(.sss)
  // The default style is the text as it is written.
  const plainUtc = length === 23 && style.suffix === 'Z';
  const isoText = isoTextWriter();
  return (millis) => {
    const wall = millis + style.offsetMillis;
    if (wall < minMillis || wall > maxMillis) return `is outside the years 0000 to 9999 at offset ${style.suffix}`;
    const text = isoText(wall);
    return { value: plainUtc ? text : text.slice(0, length) + style.suffix };
  };
}

/** Epoch numbers, also sent as decimal text ("1700000000"), to milliseconds. */
function readEpoch(unit: number): (value: unknown) => number | string {
  const name = unit === 1 ? 'epoch milliseconds' : 'epoch seconds';
  return (value) => {
    let number: number;
    if (typeof value === 'number') number = value;
    else if (typeof value === 'string' && epochText.test(value)) number = Number(value);
    else return `is ${describeType(value)}, not ${name}`;
    const millis = Math.round(number * unit);
    if (!Number.isFinite(millis) || millis < minMillis || millis > maxMillis) return `is ${name} outside the years 0000 to 9999`;
    // Rounding -0.0001 gives -0; write it as the plain 0 it means.
    return millis === 0 ? 0 : millis;
  };
}

function readIso(value: unknown): number | string {
  if (typeof value !== 'string') return `is ${describeType(value)}, not an ISO-8601 timestamp`;
  const quick = commonIsoMillis(value);
  if (quick !== undefined) return quick;
  const match = isoText.exec(value);
  if (match === null) return 'is not an ISO-8601 timestamp with a time zone, such as 2026-01-31T12:00:00Z';
  const millis = Date.parse(value);
  if (Number.isNaN(millis) || !realDay(Number(match[1]), Number(match[2]), Number(match[3]))) return 'is not a real date and time';
  if (millis < minMillis || millis > maxMillis) return 'is outside the years 0000 to 9999 once moved to UTC';
  return millis;
}

function stringToNumber(value: unknown): { value: unknown } | string {
  if (typeof value !== 'string') return `is ${describeType(value)}, not a string`;
  if (!decimalText.test(value)) return 'is not a decimal number';
  const number = Number(value);
  return Number.isFinite(number) ? { value: number } : 'is a number too large to represent';
}

function numberToString(value: unknown): { value: unknown } | string {
  if (typeof value !== 'number') return `is ${describeType(value)}, not a number`;
  return { value: String(value) };
}
