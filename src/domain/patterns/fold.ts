/**
 * Folds case for `equals-ignore-case`, close to Unicode full case folding without tables:
 * lower, upper, lower again, so that every spelling of a letter lands on one form
 * (`ß`, `ẞ`, `SS` and `ss` all fold to `ss`; `ſ` to `s`; `Σ`, `σ`, `ς` to one sigma; the
 * Kelvin sign `K` to `k`). JavaScript's case mappings do not depend on the locale, so the
 * result is the same on every machine. Strings are not otherwise normalised (NFC/NFD).
 *
 * @example foldCase('Straße') === foldCase('STRASSE') // true
 */
export function foldCase(text: string): string {
  return text.toLowerCase().toUpperCase().toLowerCase();
}
