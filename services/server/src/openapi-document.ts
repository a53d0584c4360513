import 'fastify';
import { Problem } from './schemas.ts';

interface Response {
  description: string;
  content?: Record<string, unknown>;
}

interface Operation {
  parameters?: unknown[];
  requestBody?: { required?: boolean };
  responses?: Record<string, Response>;
  security?: unknown[];
  [extension: `x-${string}`]: unknown;
}

interface Document {
  security?: unknown[];
  paths?: Record<string, Record<string, Operation>>;
}

const PROBLEM_JSON = 'application/problem+json';

/**
 * A route schema's marker for a body the route may go without (it then takes its defaults):
 * Fastify's document generator marks every declared body required.
 */
export const OPTIONAL_BODY = 'x-optional-body';

declare module 'fastify' {
  interface FastifySchema {
    [OPTIONAL_BODY]?: boolean;
  }
}

const problem = (description: string): Response => ({
  description,
  content: { [PROBLEM_JSON]: { schema: Problem } },
});

/**
 * Answers every route can give, whatever its schema lists, because of what runs before and
 * around every handler: the rate limiter, input validation, the token check, and a peer
 * service (or this server, shutting down) being unavailable.
 */
const everywhere = {
  input: problem('The request does not match this document; `errors` names each field.'),
  unauthenticated: problem('No valid access token (or display key) was sent.'),
  rateLimited: problem('Too many requests; wait for Retry-After.'),
  unavailable: problem('A service behind this one is unavailable, or the server is stopping.'),
};

/**
 * Makes the generated OpenAPI document say exactly what the server answers: errors leave as RFC
 * 9457 problem details (`application/problem+json`, never `application/json`), and the answers
 * every route can give are listed on every route, so a route added later is described alike.
 */
export function exactDocument<T extends object>(generated: T): T {
  const document = generated as Document;
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const responses = (operation.responses ??= {});
      for (const [status, response] of Object.entries(responses)) {
        const json = response.content?.['application/json'];
        if (Number(status) >= 400 && json !== undefined)
          response.content = { [PROBLEM_JSON]: json };
      }
      if (operation[OPTIONAL_BODY] === true && operation.requestBody)
        operation.requestBody.required = false;
      delete operation['x-optional-body'];
      const takesInput =
        (operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined;
      const needsToken = (operation.security ?? document.security ?? []).length > 0;
      if (takesInput) responses['400'] ??= everywhere.input;
      if (needsToken) responses['401'] ??= everywhere.unauthenticated;
      responses['429'] ??= everywhere.rateLimited;
      responses['503'] ??= everywhere.unavailable;
    }
  }
  return generated;
}
