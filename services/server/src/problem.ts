import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * RFC 9457 problem details. `type` is a stable, relative URI a client may switch on; the
 * human-readable `title` and `detail` may change.
 */
export class Problem extends Error {
  override name = 'Problem';
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    slug: string,
    title: string,
    detail?: string,
    options: { extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail ?? title);
    this.status = status;
    this.type = `/problems/${slug}`;
    this.title = title;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

export const problems = {
  serviceUnavailable: (detail: string) =>
    new Problem(503, 'service-unavailable', 'Service unavailable', detail, {
      headers: { 'retry-after': '5' },
    }),
  notFound: (detail: string) => new Problem(404, 'not-found', 'Not found', detail),
  validation: (errors: { field: string; message: string }[]) =>
    new Problem(
      400,
      'validation-failed',
      'Invalid request',
      errors.map((error) => `${error.field}: ${error.message}`).join('; '),
      {
        extensions: { errors },
      },
    ),
};

/** Answers with the problem as RFC 9457 problem+json. */
export function send(reply: FastifyReply, instance: string, problem: Problem): FastifyReply {
  return reply
    .code(problem.status)
    .headers(problem.headers)
    .type('application/problem+json')
    .send({
      type: problem.type,
      title: problem.title,
      status: problem.status,
      detail: problem.message,
      instance,
      ...problem.extensions,
    });
}

/** JSON-pointer paths as clients write them: /items/0/quantity → items[0].quantity. */
function fieldName(context: string | undefined, path: string, missing?: unknown): string {
  const segments = [...path.split('/').slice(1), ...(typeof missing === 'string' ? [missing] : [])];
  const field = segments.reduce(
    (name, segment) =>
      /^\d+$/.test(segment) ? `${name}[${segment}]` : name ? `${name}.${segment}` : segment,
    '',
  );
  return field || (context ?? 'body');
}

/** Every error leaves the server as problem+json; unexpected ones without their internals. */
export function registerProblemHandlers(
  app: FastifyInstance,
  pageFallback?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined,
): void {
  app.setErrorHandler((error: FastifyError | Problem, request, reply) => {
    if (error instanceof Problem) return send(reply, request.url, error);
    if ('validation' in error && error.validation) {
      const errors = error.validation.map((issue) => ({
        field: fieldName(error.validationContext, issue.instancePath, issue.params.missingProperty),
        message: issue.message ?? 'is invalid',
      }));
      return send(reply, request.url, problems.validation(errors));
    }
    const status = error.statusCode ?? 500;
    if (status === 429)
      return send(
        reply,
        request.url,
        new Problem(429, 'rate-limited', 'Too many requests', error.message),
      );
    if (status < 500)
      return send(
        reply,
        request.url,
        new Problem(status, 'bad-request', 'Bad request', error.message),
      );
    request.log.error({ err: error }, 'unhandled error');
    return send(
      reply,
      request.url,
      new Problem(500, 'internal', 'Internal error', 'Something went wrong on our side.'),
    );
  });
  app.setNotFoundHandler(
    (request, reply) =>
      pageFallback?.(request, reply) ??
      send(reply, request.url, problems.notFound(`No route for ${request.method} ${request.url}.`)),
  );
}
