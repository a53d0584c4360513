import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * The web app's pages may only load what the server itself serves: injected or third-party
 * script cannot run, and no other site may frame the app.
 */
const pageHeaders = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // The pickup display's key travels in its first URL; no other site should ever see it.
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

/** Paths the app does not own: an unknown one there is an API 404, never the app's page. */
const apiPath = /^\/(v1|docs|openapi\.json|healthz|readyz)(\/|$|\?)/;

/** The default build location: `npm run build -w web` writes web/dist in the repository and the image. */
export const defaultWebRoot = path.resolve(import.meta.dirname, '../../../web/dist');

/**
 * Serves the built web app: hashed assets cached for a year (their name changes with their
 * content), pages and the service-free files revalidated on every load so a deploy reaches
 * everyone at once, brotli or gzip from files compressed at build time.
 *
 * Returns the handler for requests no route matched: a browser asking for a page of the app
 * (/orders/…, /barista) gets index.html and the app's router takes over.
 */
export async function registerWebApp(
  app: FastifyInstance,
  root: string,
): Promise<
  ((request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined) | undefined
> {
  if (!existsSync(path.join(root, 'index.html'))) {
    app.log.warn({ root }, 'the web app is not built (npm run build -w web); serving the API only');
    return undefined;
  }
  await app.register(fastifyStatic, {
    root,
    // Routes for the files present at start: unknown paths fall through to the not-found handler.
    wildcard: false,
    preCompressed: true,
    cacheControl: false,
    schemaHide: true,
    setHeaders: (reply, file) => {
      if (file.includes(`${path.sep}assets${path.sep}`)) {
        reply.header('cache-control', 'public, max-age=31536000, immutable');
      } else {
        reply.header('cache-control', 'no-cache');
        // The file sent may be the precompressed index.html.br or .gz.
        if (/\.html(\.br|\.gz)?$/.test(file)) reply.headers(pageHeaders);
      }
    },
  });
  return (request, reply) => {
    const wantsPage =
      (request.method === 'GET' || request.method === 'HEAD') &&
      !apiPath.test(request.url) &&
      (request.headers.accept ?? '').includes('text/html');
    if (!wantsPage) return undefined;
    return reply.header('cache-control', 'no-cache').headers(pageHeaders).sendFile('index.html');
  };
}
