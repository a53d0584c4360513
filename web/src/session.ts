// Who is signed in, kept in localStorage so a reload or a new tab stays signed in.
import type { Role, Tokens } from './types.ts';
import { createStore } from './store.ts';

export interface Session {
  accessToken: string;
  refreshToken: string;
  userId: string;
  name: string;
  role: Role;
}

const KEY = 'everything.session';

/** The claims the server put in the token; the server verifies them, the app only reads them. */
function claimsOf(token: string): { sub: string; name: string; role: Role } {
  const payload = token.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(json, (char) => char.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as { sub: string; name: string; role: Role };
}

/** The session as localStorage holds it now, which another tab may have changed. */
export function storedSession(): Session | undefined {
  try {
    const stored = localStorage.getItem(KEY);
    return stored ? (JSON.parse(stored) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export const session = createStore<Session | undefined>(storedSession());

export function signIn(tokens: Tokens): Session {
  const claims = claimsOf(tokens.accessToken);
  const next: Session = {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    userId: claims.sub,
    name: claims.name,
    role: claims.role,
  };
  localStorage.setItem(KEY, JSON.stringify(next));
  session.set(next);
  return next;
}

export function signOut(): void {
  localStorage.removeItem(KEY);
  session.set(undefined);
}

// Another tab signed in or out.
addEventListener('storage', (event) => {
  if (event.key === KEY) session.set(storedSession());
});

const rank: Record<Role, number> = { customer: 0, barista: 1, admin: 2 };
export const hasRole = (current: Session | undefined, least: Role): boolean =>
  current !== undefined && rank[current.role] >= rank[least];
