// Every call to the server: JSON in and out, the access token refreshed once when it expires,
// problems turned into ApiError, and whether the server can be reached at all.
import { session, signIn, signOut, storedSession } from './session.ts';
import { createStore } from './store.ts';
import type { Problem, Tokens } from './types.ts';

/** False while the server cannot be reached or its services answer 503. */
export const serverReachable = createStore(true);

export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
    this.problem = problem;
  }
  get status(): number {
    return this.problem.status;
  }
  /** The message for one field of a form, if the server named it. */
  fieldError(field: string): string | undefined {
    return this.problem.errors?.find((error) => error.field === field)?.message;
  }
}

/** The server did not answer: down, restarting or the network is gone. */
export class UnreachableError extends Error {
  constructor() {
    super('The server cannot be reached. Retrying…');
    this.name = 'UnreachableError';
  }
}

export const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : 'Something went wrong.';

interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** A display key instead of the signed-in user's token. */
  token?: string;
  signal?: AbortSignal;
  /** How the browser's HTTP cache takes part (fetch's `cache`); by default as the answer says. */
  cache?: RequestCache;
}

let refreshing: Promise<boolean> | undefined;

/**
 * One refresh at a time however many requests found the access token expired, across tabs too:
 * a refresh token is spent when used, and the server ends the session when it sees one twice.
 */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    const stale = session.get()?.refreshToken;
    try {
      return await oneTabAtATime(async () => {
        // Another tab may have refreshed while this one waited: take its tokens.
        const current = storedSession();
        if (current?.refreshToken !== stale) {
          session.set(current);
          return current !== undefined;
        }
        if (!current) return false;
        const response = await fetch('/v1/auth/refresh', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken: current.refreshToken }),
        });
        if (response.status === 401) {
          signOut();
          return false;
        }
        if (!response.ok) return false;
        signIn((await response.json()) as Tokens);
        return true;
      });
    } catch {
      return false;
    } finally {
      refreshing = undefined;
    }
  })();
  return refreshing;
}

async function oneTabAtATime<T>(work: () => Promise<T>): Promise<T> {
  return 'locks' in navigator ? await navigator.locks.request('everything.refresh', work) : work();
}

/** Signs out here, and ends the session on the server so its refresh token is worth nothing. */
export function logOut(): void {
  const current = session.get();
  signOut();
  if (!current) return;
  void fetch('/v1/auth/logout', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken: current.refreshToken }),
  }).catch(() => undefined);
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const token = options.token ?? session.get()?.accessToken;
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    return await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      cache: options.cache,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    serverReachable.set(false);
    throw new UnreachableError();
  }
}

async function problemOf(response: Response): Promise<Problem> {
  const fallback = {
    type: 'about:blank',
    title: response.statusText || 'Error',
    status: response.status,
    detail: `The server answered ${response.status}.`,
    instance: response.url,
  };
  try {
    const body = (await response.json()) as Partial<Problem>;
    return { ...fallback, ...body };
  } catch {
    return fallback;
  }
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let response = await send(path, options);
  if (response.status === 401 && !options.token && session.get() && (await refreshSession())) {
    response = await send(path, options);
  }
  // A 502 to 504 is the server or a service behind it being down; both recover by themselves.
  serverReachable.set(response.status < 502 || response.status > 504);
  if (!response.ok) throw new ApiError(await problemOf(response));
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
