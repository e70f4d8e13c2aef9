/**
 * How client commands print answers: `json` (the default, indented), `table` (lists as
 * columns, one object as field and value), or `quiet` (nothing; the exit code tells). Chosen
 * once with the global `--output` option or SLUICE_OUTPUT.
 */
export const outputFormats = ['json', 'table', 'quiet'] as const;
export type OutputFormat = (typeof outputFormats)[number];

let format: OutputFormat = 'json';
let chosen = false;

export function setOutputFormat(value: string | undefined): void {
  if (value === undefined) return;
  if (!(outputFormats as readonly string[]).includes(value)) throw new Error(`--output ${value}: expected ${outputFormats.join(', ')}`);
  format = value as OutputFormat;
  chosen = true;
}

/** The format the user chose, or undefined when none was: commands with a format of their own (produce's summary) keep it then. */
export function chosenOutputFormat(): OutputFormat | undefined {
  return chosen ? format : undefined;
}

export function print(value: unknown): void {
  if (format === 'quiet') return;
  process.stdout.write(format === 'table' ? table(value) : `${JSON.stringify(value, null, 2)}\n`);
}

const maxColumns = 8;
const maxCell = 48;

/** A list (an array, or an answer's `items`) as aligned columns; anything else as field / value rows. */
export function table(value: unknown): string {
  const rows = Array.isArray(value) ? value : isObject(value) && Array.isArray(value.items) ? value.items : undefined;
  if (rows === undefined) {
    if (!isObject(value)) return `${cell(value)}\n`;
    return aligned(Object.entries(value).map(([field, inner]) => [field, cell(inner)]));
  }
  if (rows.length === 0) return '(none)\n';
  const objects = rows.every(isObject);
  if (!objects) return aligned(rows.map((row) => [cell(row)]));
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].slice(0, maxColumns);
  const next = isObject(value) && !Array.isArray(value) && value.next !== undefined && value.next !== null ? `next: ${cell(value.next)}\n` : '';
  return aligned([columns.map((column) => column.toUpperCase()), ...rows.map((row) => columns.map((column) => cell(row[column])))]) + next;
}

function aligned(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((text, i) => (widths[i] = Math.max(widths[i] ?? 0, text.length)));
  return rows.map((row) => row.map((text, i) => (i === row.length - 1 ? text : text.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function cell(value: unknown): string {
  const text = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > maxCell ? `${flat.slice(0, maxCell - 1)}…` : flat;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
