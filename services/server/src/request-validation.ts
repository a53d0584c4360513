import { Ajv, type AnySchema } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Fastify's request validator with Fastify's own settings but one: a JSON body is taken as
 * sent, never coerced, so `"available": "false"` or `"displayName": false` is a 400 as the
 * document says, not a silent conversion. The query string, path and headers arrive as text,
 * so there numbers and lists are still read from it (`?limit=20`).
 */
export function requestValidator(): FastifySchemaCompiler<AnySchema> {
  const validatorFor = (coerceTypes: boolean | 'array') => {
    const ajv = new Ajv({
      coerceTypes,
      useDefaults: true,
      removeAdditional: true,
      addUsedSchema: false,
      // One error at a time, as Fastify does: every error of a large body is a denial of service.
      allErrors: false,
    });
    addFormats.default(ajv);
    // OpenAPI's serialization of query parameters (`style: form, explode: false` is
    // `status=placed,accepted`): annotations here, copied onto the document's parameters.
    ajv.addKeyword('style');
    ajv.addKeyword('explode');
    return ajv;
  };
  const body = validatorFor(false);
  const text = validatorFor('array');
  return ({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema);
}
