// `node scripts/api-roles.ts http://127.0.0.1:PORT`: waits until the server is ready, then signs
// in once as each role the API knows and prints `role=accessToken` lines for scripts/schemathesis.sh:
// a new customer, a new customer made barista by the bootstrap admin, and that admin
// (BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD from the environment).
import { randomUUID } from 'node:crypto';

const base = process.argv[2];
const adminEmail = process.env.BOOTSTRAP_ADMIN_EMAIL;
const adminPassword = process.env.BOOTSTRAP_ADMIN_PASSWORD;
if (!base || !adminEmail || !adminPassword) {
  console.error(
    'usage: BOOTSTRAP_ADMIN_EMAIL=… BOOTSTRAP_ADMIN_PASSWORD=… node scripts/api-roles.ts http://host:port',
  );
  process.exit(2);
}

async function send<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const response = await fetch(new URL(path, base), {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok)
    throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

async function untilReady(seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1_000;
  for (;;) {
    const ready = await fetch(new URL('/readyz', base)).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`${base}/readyz was not 200 within ${seconds}s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

type Tokens = { accessToken: string };
const signIn = (email: string, password: string) =>
  send<Tokens>('POST', '/v1/auth/login', { email, password });
const register = async (displayName: string) => {
  const credentials = {
    email: `${displayName}-${randomUUID()}@example.com`,
    password: 'correct horse',
  };
  await send('POST', '/v1/auth/register', { ...credentials, displayName });
  return credentials;
};

/** The server puts the bootstrap admin in place just after it starts listening. */
async function signInAdmin(email: string, password: string, seconds: number): Promise<string> {
  const deadline = Date.now() + seconds * 1_000;
  for (;;) {
    try {
      return (await signIn(email, password)).accessToken;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

await untilReady(60);
const admin = await signInAdmin(adminEmail, adminPassword, 30);
const customer = await register('customer');
const barista = await register('barista');
const { id } = await send<{ id: string }>(
  'GET',
  '/v1/customers/me',
  undefined,
  (await signIn(barista.email, barista.password)).accessToken,
);
await send('PUT', `/v1/customers/${id}/role`, { role: 'barista' }, admin);
console.log(`customer=${(await signIn(customer.email, customer.password)).accessToken}`);
console.log(`barista=${(await signIn(barista.email, barista.password)).accessToken}`);
console.log(`admin=${admin}`);
