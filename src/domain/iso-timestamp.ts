/**
 * RFC 3339 timestamps (ISO-8601's common profile) read from their characters, and written.
 * The pipeline's `convert` step reads them into milliseconds; JSON Schema's `date-time` format
 * (services/schemas/quick-formats.ts) takes one that reads as valid without ajv-formats'
 * regular expressions. Ingest's receive time, records as readers see them, Kafka sources'
 * record times, the clock of `set`, `convert` and correlations' aggregates write them with
 * `isoTextWriter`.
 */

// Years 0000–9999: what RFC 3339 (and so ISO-8601 without extensions) can write.
export const minMillis = -62167219200000; // 0000-01-01T00:00:00.000Z
export const maxMillis = 253402300799999; // 9999-12-31T23:59:59.999Z

/**
 * The common shape (`2026-01-31T12:00:00.123Z`, any year from 0000 to 9999, any fraction,
 * `Z` or `±HH:MM`) read from its characters: the same milliseconds as `Date.parse` (a fraction
 * past milliseconds is cut off), at a fraction of its cost and with no match array.
 * `undefined` for everything else, valid or not: the caller's slower check decides.
 */
export function commonIsoMillis(text: string): number | undefined {
  if (text.length < 20 || text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a)
    return undefined;
  const separator = text.charCodeAt(10);
  if (separator !== 0x54 && separator !== 0x74 && separator !== 0x20) return undefined;
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  // A non-digit makes its field 10,000 or more, past every bound checked here.
  if (year > 9999 || month < 1 || day < 1 || hour > 23 || minute > 59 || second > 59 || !realDay(year, month, day)) return undefined;
  let at = 19;
  let millis = 0;
  if (text.charCodeAt(at) === 0x2e) {
    const start = ++at;
    while (at < text.length && isDigit(text.charCodeAt(at))) {
      if (at - start < 3) millis = millis * 10 + (text.charCodeAt(at) - 0x30);
      at++;
    }
    if (at === start) return undefined;
    for (let kept = at - start; kept < 3; kept++) millis *= 10;
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(at);
  if (zone === 0x5a || zone === 0x7a) {
    if (at + 1 !== text.length) return undefined;
  } else if (zone === 0x2b || zone === 0x2d) {
    if (at + 6 !== text.length || text.charCodeAt(at + 3) !== 0x3a) return undefined;
    const hours = twoDigits(text, at + 1);
    const minutes = twoDigits(text, at + 4);
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (zone === 0x2d ? -1 : 1) * (hours * 60 + minutes);
  } else return undefined;
  const utc = daysSinceEpoch(year, month, day) * 86_400_000 + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
  return utc < minMillis || utc > maxMillis ? undefined : utc;
}

const twoDigitTexts = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const threeDigitTexts = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));

/**
 * A function that writes an instant as `Date.prototype.toISOString` does
 * (`2026-01-31T12:00:00.123Z`), the same text for every time it can take, without its cost:
 * V8 formats each date through a general printf (docs/BENCHMARKS.md, "Writing instants as
 * text"). A fraction of a millisecond is cut off towards zero, as `Date` does. Outside the
 * years 0000 to 9999 (never a clock's time) `toISOString` writes it, and throws as it does
 * for NaN.
 *
 * Each writer keeps the last instant it wrote and the last day's date part: the records of
 * one request or commit share their time, and a day's instants share their date. A caller on
 * a hot path makes its own, so that other callers' instants do not push out its last one.
 */
export function isoTextWriter(): (millis: number) => string {
  let lastMillis = Number.NaN;
  let lastText = '';
  let lastEpochDay = Number.NaN;
  let lastDate = '';
  return (millis) => {
    if (millis === lastMillis) return lastText;
    const whole = Math.trunc(millis);
    if (!(whole >= minMillis && whole <= maxMillis)) return new Date(millis).toISOString();
    const epochDay = Math.floor(whole / 86_400_000);
    if (epochDay !== lastEpochDay) {
      lastEpochDay = epochDay;
      lastDate = dateText(epochDay);
    }
    let rest = whole - epochDay * 86_400_000;
    const hour = Math.floor(rest / 3_600_000);
    rest -= hour * 3_600_000;
    const minute = Math.floor(rest / 60_000);
    rest -= minute * 60_000;
    const second = Math.floor(rest / 1000);
    lastMillis = millis;
    lastText = `${lastDate}T${twoDigitTexts[hour]!}:${twoDigitTexts[minute]!}:${twoDigitTexts[second]!}.${threeDigitTexts[rest - second * 1000]!}Z`;
    return lastText;
  };
}

/** A writer for callers without one of their own (`isoTextWriter`). */
export const isoFromMillis = isoTextWriter();

/**
 * `YYYY-MM-DD` of a day counted from 1970-01-01: `daysSinceEpoch` the other way round, in the
 * same 400-year cycles of years that start in March.
 */
function dateText(days: number): string {
  const fromMarch0000 = days + 719_468;
  const cycle = Math.floor(fromMarch0000 / 146_097);
  const dayOfCycle = fromMarch0000 - cycle * 146_097;
  // Take out the leap days before this day (one per 1,460 days, none per 36,524, and the
  // cycle's last day) so that dividing by 365 gives the year of the cycle.
  const yearOfCycle = Math.floor((dayOfCycle - Math.floor(dayOfCycle / 1460) + Math.floor(dayOfCycle / 36_524) - Math.floor(dayOfCycle / 146_096)) / 365);
  const dayOfYear = dayOfCycle - (365 * yearOfCycle + Math.floor(yearOfCycle / 4) - Math.floor(yearOfCycle / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = cycle * 400 + yearOfCycle + (month <= 2 ? 1 : 0);
  return `${twoDigitTexts[Math.floor(year / 100)]!}${twoDigitTexts[year % 100]!}-${twoDigitTexts[month]!}-${twoDigitTexts[day]!}`;
}

/**
 * Days from 1970-01-01 to a day of the proleptic Gregorian calendar, years 0 to 9999: what
 * `Date.UTC` works out, without its general date arithmetic. Years are counted from March,
 * so the leap day closes a year, and in 400-year cycles of 146,097 days.
 */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const marchYear = month > 2 ? year : year - 1;
  const cycle = Math.floor(marchYear / 400);
  const yearOfCycle = marchYear - cycle * 400;
  // Days before the month, counted from March: months alternate 31 and 30 days in runs of five.
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfCycle = yearOfCycle * 365 + Math.floor(yearOfCycle / 4) - Math.floor(yearOfCycle / 100) + dayOfYear;
  // 719,468 days from 0000-03-01 to 1970-01-01.
  return cycle * 146_097 + dayOfCycle - 719_468;
}

/** Two decimal digits at `at`, or a number too large for any field when they are not digits. */
function twoDigits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 0x30;
  const ones = text.charCodeAt(at + 1) - 0x30;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : 10_000;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function realDay(year: number, month: number, day: number): boolean {
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month >= 1 && month <= 12 && day <= daysInMonth[month - 1]! + (leap ? 1 : 0);
}
