/** What the REST API answered: the status, the headers, and the body (JSON parsed, else text). */
export interface JsonAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * One call to the REST API as the tests, benches and drills make it: a JSON body, a bearer
 * token, a deadline. A body the server marks as JSON is parsed; any other comes back as text
 * (a proxy's 502 page), and an empty one as undefined. Network failures are the caller's to
 * count or retry, so they are thrown, not turned into a status.
 */
export async function callJson<T = unknown>(
  base: string,
  method: string,
  route: string,
  options: {
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
    timeoutMs?: number;
  } = {},
): Promise<JsonAnswer<T>> {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? null : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json');
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? (json ? JSON.parse(text) : text) : undefined) as T,
  };
}
