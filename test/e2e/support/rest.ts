/**
 * The REST API as a browser test uses it behind the browser's back, to set up or check what the
 * pages show: JSON in and out, a bearer token, and an error naming the call on any non-2xx.
 */
export function restClient(base: string) {
  async function rest<T>(path: string, token?: string, init: RequestInit = {}): Promise<T> {
    const response = await fetch(`${base}${path}`, {
      ...init,
      headers: {
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  const login = async (email: string, password: string) =>
    (
      await rest<{ accessToken: string }>('/v1/auth/login', undefined, {
        method: 'POST',
        body: JSON.stringify({ email, password }),
      })
    ).accessToken;
  return { rest, login };
}
