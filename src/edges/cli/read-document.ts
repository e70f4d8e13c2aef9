import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** Reads a JSON or YAML document from a file, or stdin for `-`. */
export function readDocument(file: string): unknown {
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new Error(`${file === '-' ? 'stdin' : file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML or JSON'}: ${(error as Error).message}`);
  }
}

/** Reads JSON values from text: one value, a JSON array, or NDJSON. */
export function readValues(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    const whole = JSON.parse(trimmed) as unknown;
    return Array.isArray(whole) ? whole : [whole];
  } catch {
    return trimmed
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, index) => {
        try {
          return JSON.parse(line) as unknown;
        } catch (error) {
          throw new Error(`line ${index + 1} is not JSON: ${(error as Error).message}`);
        }
      });
  }
}
