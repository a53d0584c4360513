import { z } from 'zod';

/** A configuration that cannot start the service; its message names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads a service's configuration from environment variables, all problems at once, so an
 * operator fixes a broken deployment in one round instead of one variable per crash.
 */
export function loadConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: Record<string, string | undefined> = process.env,
): z.infer<z.ZodObject<Shape>> {
  // Empty strings come from templated manifests with a missing value: treat them as unset.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = z.object(shape).safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `  ${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  }
  return result.data;
}

const missingOr = (otherwise: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : otherwise;

export const env = {
  string: () => z.string({ error: missingOr('must be a string') }).min(1, 'must not be empty'),
  int: (min: number, max: number) =>
    z.coerce
      .number({ error: missingOr(`must be an integer from ${min} to ${max}`) })
      .int(`must be an integer from ${min} to ${max}`)
      .min(min, `must be an integer from ${min} to ${max}`)
      .max(max, `must be an integer from ${min} to ${max}`),
  port: () => env.int(1, 65535),
  /** host:port, as in the seed's service DNS names (order.staging.svc.cluster.local:50051). */
  address: () =>
    z
      .string({ error: missingOr('must be host:port') })
      .regex(
        /^[A-Za-z0-9.-]+:\d{1,5}$/,
        'must be host:port, such as order.staging.svc.cluster.local:50051',
      ),
  url: (protocols: string[]) =>
    z.string({ error: missingOr(`must be a ${protocols.join(' or ')} URL`) }).refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol.slice(0, -1));
        } catch {
          return false;
        }
      },
      `must be a ${protocols.join(' or ')} URL`,
    ),
  logLevel: () =>
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'must be one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
};
