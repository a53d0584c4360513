import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: object }> }>;
}

/**
 * Checks responses against the OpenAPI document the server itself serves, so the document can
 * never drift from what the API answers. Returns the problems found, empty when it conforms.
 */
export async function openApiContract(app: FastifyInstance) {
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
    paths: Record<string, Record<string, Operation>>;
  }>();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const routes = Object.entries(document.paths).map(([path, operations]) => ({
    pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    literal: !path.includes('{'),
    operations,
  }));

  return (method: string, url: string, status: number, body: unknown): string[] => {
    const path = url.split('?')[0] ?? url;
    const candidates = routes.filter(
      (route) => route.pattern.test(path) && route.operations[method.toLowerCase()],
    );
    const route = candidates.find((candidate) => candidate.literal) ?? candidates[0];
    if (!route) return [`${method} ${path} is not in the OpenAPI document`];
    const response = route.operations[method.toLowerCase()]?.responses?.[String(status)];
    if (!response)
      return [`${method} ${path} answered ${status}, which the document does not list`];
    const schema =
      response.content?.['application/json']?.schema ??
      response.content?.['application/problem+json']?.schema;
    if (!schema || body === undefined) return [];
    const validate = ajv.compile(schema);
    return validate(body)
      ? []
      : (validate.errors ?? []).map(
          (error) => `${method} ${path} ${status}: ${error.instancePath} ${error.message ?? ''}`,
        );
  };
}
