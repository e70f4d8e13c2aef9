import { Ajv, type AnySchema } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';

/**
 * Validators for the API's requests. Path and query parameters arrive as text, so they are
 * read as the types their schemas name (`?limit=10` is a number). A JSON body is already
 * typed and is taken as sent: `{"id":false}` is refused, not turned into the tenant "false".
 */
// ajv-formats ships CommonJS with a default export property.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export function requestValidators(app: FastifyInstance): FastifySchemaCompiler<AnySchema> {
  const common = { useDefaults: true, removeAdditional: false, allErrors: false, strict: false, addUsedSchema: false } as const;
  const coercing = withFormats(new Ajv({ ...common, coerceTypes: 'array' }));
  const exact = withFormats(new Ajv({ ...common, coerceTypes: false }));
  let sharedAdded = false;
  return ({ schema, httpPart }) => {
    if (!sharedAdded) {
      // Routes compile when the app is ready, after every shared ($id) schema is known.
      for (const shared of Object.values(app.getSchemas())) {
        coercing.addSchema(shared as AnySchema);
        exact.addSchema(shared as AnySchema);
      }
      sharedAdded = true;
    }
    return (httpPart === 'body' ? exact : coercing).compile(schema);
  };
}

function withFormats(ajv: Ajv): Ajv {
  addFormats(ajv);
  return ajv;
}

/**
 * For a scope whose handlers check their own requests (ingest reads bytes event by event; the
 * registry answers with Confluent's error codes): its schemas document the requests, and
 * validate nothing.
 */
export const documentationOnly: FastifySchemaCompiler<AnySchema> = () => () => true;
