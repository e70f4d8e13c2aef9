import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

/**
 * A JSON Schema validator straight from ajv (2020-12, ajv-formats, every error collected), with
 * no layer of Sluice's around it: what the floors the benchmark compares Sluice with validate
 * with.
 */
export function bareJsonValidator(schema: object): (data: unknown) => boolean {
  const ajv = new Ajv2020({ allErrors: true, strict: false, allowUnionTypes: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (data) => validate(data);
}
