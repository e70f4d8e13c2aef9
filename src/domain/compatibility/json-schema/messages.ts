import type { Roles } from '../types.ts';
import type { JsonDiff } from './diff.ts';

/** Kinds where the reader enforces a keyword the writer did not, or enforces it harder. */
const tightened = new Set([
  'MAX_LENGTH_ADDED',
  'MAX_LENGTH_DECREASED',
  'MIN_LENGTH_ADDED',
  'MIN_LENGTH_INCREASED',
  'PATTERN_ADDED',
  'PATTERN_CHANGED',
  'MAXIMUM_ADDED',
  'MAXIMUM_DECREASED',
  'MINIMUM_ADDED',
  'MINIMUM_INCREASED',
  'EXCLUSIVE_MAXIMUM_ADDED',
  'EXCLUSIVE_MAXIMUM_DECREASED',
  'EXCLUSIVE_MINIMUM_ADDED',
  'EXCLUSIVE_MINIMUM_INCREASED',
  'MULTIPLE_OF_ADDED',
  'MULTIPLE_OF_EXPANDED',
  'MULTIPLE_OF_CHANGED',
  'MAX_PROPERTIES_ADDED',
  'MAX_PROPERTIES_DECREASED',
  'MIN_PROPERTIES_ADDED',
  'MIN_PROPERTIES_INCREASED',
  'MAX_ITEMS_ADDED',
  'MAX_ITEMS_DECREASED',
  'MIN_ITEMS_ADDED',
  'MIN_ITEMS_INCREASED',
  'UNIQUE_ITEMS_ADDED',
  'MAX_CONTAINS_ADDED',
  'MAX_CONTAINS_DECREASED',
  'MIN_CONTAINS_ADDED',
  'MIN_CONTAINS_INCREASED',
  'DEPENDENCY_ARRAY_ADDED',
  'DEPENDENCY_ARRAY_EXTENDED',
  'DEPENDENCY_ARRAY_CHANGED',
  'DEPENDENCY_SCHEMA_ADDED',
]);

/**
 * Why a JSON Schema difference breaks compatibility, and how to evolve the schema instead.
 * The writer is the schema the data was written with; the reader is the one reading it.
 */
export function explainJson(found: JsonDiff, at: string, roles: Roles): string {
  const { reader, writer, newIsReader } = roles;
  const { keyword, was, now, property, missing } = found.detail;
  const name = `"${property ?? ''}"`;
  if (tightened.has(found.kind)) {
    const word = keyword ?? found.path[found.path.length - 1] ?? 'the constraint';
    return (
      `"${word}" at ${at} is stricter in ${reader} (${show(now)}) than in ${writer} (${show(was)}), so data valid under ${writer} can fail ${reader}. ` +
      (newIsReader
        ? `Keep "${word}" in the new schema no stricter than before: only loosening a constraint is backward compatible.`
        : `Keep "${word}" in the new schema at least as strict as in ${reader}: only tightening a constraint is forward compatible.`)
    );
  }
  switch (found.kind) {
    case 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL':
      return newIsReader
        ? `The new schema declares property ${name} at ${at}, but ${writer} has an open content model (no "additionalProperties": false), so data written with it may already hold ${name} with any value. ` +
            `To add properties under BACKWARD, give the object a closed content model ("additionalProperties": false) from its first version, or a partially open one ("additionalProperties" or "patternProperties" with a schema the new property fits); ` +
            `declare the property with an empty schema ({}); register it under FORWARD compatibility (not FULL, which checks BACKWARD too); or use a new event type. A "default" does not help: the old data may hold any value under that name.`
        : `The new schema drops property ${name} at ${at} but keeps an open content model, so it lets data carry ${name} with any value, which ${reader} rejects unless it matches its declaration. ` +
            `Keep the property, or close the new schema's model ("additionalProperties": false) so ${name} can no longer be written.`;
    case 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL':
      return newIsReader
        ? `The new schema requires property ${name} at ${at}, which data written with ${writer} never has (its model is closed to it). Add it as an optional property, or give it a "default".`
        : `The new schema drops property ${name} at ${at}, which ${reader} requires. Keep writing it, or first register a version that makes it optional.`;
    case 'REQUIRED_ATTRIBUTE_ADDED':
      return newIsReader
        ? `Property ${name} is required in the new schema but optional in ${writer}, so data written without it would be rejected. Keep it optional, or give its schema a "default".`
        : `Property ${name} is required in ${reader} but optional in the new schema, so data written without it would be rejected. Keep it required in the new schema.`;
    case 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL':
      return newIsReader
        ? `The new schema removes property ${name} at ${at} while its content model is closed, so data written with ${writer} that has ${name} would be rejected. Keep the property (it can stay optional), or let an "additionalProperties" schema cover it.`
        : `The new schema adds property ${name} at ${at}, but ${reader} has a closed content model without it, so it rejects the new data. Adding to a closed model is only backward compatible: register under BACKWARD, or keep the property out.`;
    case 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL':
    case 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL':
      return `Property ${name} at ${at} is declared in one schema and left to the "additionalProperties"/"patternProperties" schema of the other, and the two do not agree, so ${reader} can reject data written with ${writer}. Make the property's schema fit the partially open model's schema, or keep the property declared in both.`;
    case 'ADDITIONAL_PROPERTIES_REMOVED':
      return newIsReader
        ? `The new schema closes the content model at ${at} ("additionalProperties": false) that ${writer} left open, so data with extra properties would be rejected. Keep the model open; a model can only start closed.`
        : `The new schema opens the content model at ${at} that ${reader} keeps closed, so data with extra properties would be rejected by it. Keep "additionalProperties": false in the new schema.`;
    case 'ADDITIONAL_PROPERTIES_NARROWED':
      return `At ${at} ${reader} restricts additional properties with a schema while ${writer} allows any, so extra properties written with ${writer} may be rejected. Keep additional properties unrestricted${newIsReader ? ' in the new schema' : ''}, or declare the properties you mean.`;
    case 'ADDITIONAL_ITEMS_REMOVED':
    case 'ADDITIONAL_ITEMS_NARROWED':
      return `At ${at} ${reader} limits items beyond the tuple more than ${writer} does, so longer arrays written with ${writer} may be rejected. Keep "additionalItems" as permissive in ${newIsReader ? 'the new schema' : reader} as in ${writer}.`;
    case 'ITEM_ADDED_TO_OPEN_CONTENT_MODEL':
    case 'ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL':
      return `${reader} constrains tuple item ${at} that ${writer} left to its additional items, so arrays written with ${writer} may be rejected. Constrain a new tuple position only when the array's additional items are closed ("additionalItems": false) or already match it.`;
    case 'ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL':
    case 'ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL':
      return `${reader} has no tuple item ${at} and does not allow it as an additional item, so arrays written with ${writer} that have it are rejected. Keep the tuple position, or allow additional items that match it.`;
    case 'TYPE_CHANGED':
    case 'TYPE_NARROWED':
      return (
        `The type at ${at} is ${show(now)} in ${reader} but ${show(was)} in ${writer}, so values written with ${writer} do not fit ${reader}. ` +
        (newIsReader
          ? 'Only widening is backward compatible (integer to number, one type to a union that includes it); add a new property for the new type instead of changing this one.'
          : 'Only narrowing is forward compatible (number to integer, a union to one of its types); add a new property for the new type instead of changing this one.')
      );
    case 'SCHEMA_ADDED':
      return `${reader} constrains ${at}, which ${writer} left unconstrained, so values written with ${writer} may not fit. Leave it unconstrained${newIsReader ? ' in the new schema' : ''}.`;
    case 'ENUM_ARRAY_NARROWED':
    case 'ENUM_ARRAY_CHANGED':
      return (
        `At ${at} ${reader} allows ${show(now)} but ${writer} allows ${show(was)}, so ${missing === undefined ? 'a value' : missing} written with ${writer} would be rejected. ` +
        (newIsReader ? 'Only add enum values; never remove or rename one.' : 'Do not add enum values under FORWARD compatibility; add them under BACKWARD.')
      );
    case 'COMBINED_TYPE_CHANGED':
    case 'PRODUCT_TYPE_EXTENDED':
    case 'SUM_TYPE_NARROWED':
    case 'COMBINED_TYPE_SUBSCHEMAS_CHANGED':
      return (
        `The allOf/anyOf/oneOf at ${at} accepts less in ${reader} than in ${writer} (${show(was)} to ${show(now)} subschemas, or a subschema no longer matches), so data written with ${writer} can be rejected. ` +
        (newIsReader
          ? 'Only add anyOf/oneOf branches or drop allOf parts; keep every existing branch accepting what it did.'
          : 'Only drop anyOf/oneOf branches or add allOf parts under FORWARD compatibility.')
      );
    case 'NOT_TYPE_EXTENDED':
      return `The "not" at ${at} forbids more in ${reader} than in ${writer}, so data written with ${writer} can be rejected. Keep the forbidden schema as narrow as it was.`;
    default:
      return `${found.kind} at ${at}: ${reader} may reject data written with ${writer}. Make the new schema ${newIsReader ? 'accept everything the previous one accepted' : 'write nothing the previous one rejects'}.`;
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'none';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
