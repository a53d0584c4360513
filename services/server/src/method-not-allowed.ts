import type { FastifyInstance, HTTPMethods } from 'fastify';
import { Problem } from './problem.ts';

/** The methods a client may try on a path; each one a path lacks is answered 405. */
const METHODS: HTTPMethods[] = [
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'QUERY',
  'TRACE',
];

/**
 * A path of the API asked with a method it does not have answers 405 with an Allow header (RFC 9110
 * §15.5.6), as problem details, instead of 404: the path exists, and the client is told what
 * it takes. Call before any route is added: it watches them, and the function it returns adds
 * the 405 routes, once every other route is in.
 */
export function methodNotAllowed(app: FastifyInstance): () => void {
  const allowedByPath = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    // The API's paths: those the document describes (files, docs and probes hide themselves).
    if (route.schema?.hide === true || route.url.includes('*')) return;
    const allowed = allowedByPath.get(route.url) ?? new Set<string>();
    for (const method of [route.method].flat()) allowed.add(method.toUpperCase());
    // Fastify answers HEAD for every GET route by itself.
    if (allowed.has('GET')) allowed.add('HEAD');
    allowedByPath.set(route.url, allowed);
  });
  return () => {
    for (const [url, allowed] of [...allowedByPath].map(
      ([path, set]) => [path, [...set]] as const,
    )) {
      const missing = METHODS.filter((method) => !allowed.includes(method));
      if (missing.length === 0) continue;
      const allow = METHODS.filter((method) => allowed.includes(method)).join(', ');
      const refuse = (method: string) =>
        new Problem(
          405,
          'method-not-allowed',
          'Method not allowed',
          `${method} is not one of ${allow} on this path.`,
          { headers: { allow } },
        );
      app.route({
        method: missing,
        url,
        schema: { hide: true },
        // Refused before the body is read: whatever it carries, the method is what is wrong.
        onRequest: (request, _reply, done) => done(refuse(request.method)),
        handler: (request) => {
          throw refuse(request.method);
        },
      });
    }
  };
}
