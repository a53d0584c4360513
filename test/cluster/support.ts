// What the deployment tests share: kubectl against the local cluster, and a client of the public
// API of one environment (staging on node port 30080, prod on 30081).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { eventually } from '@everything/test-support';
import { callJson, type JsonAnswer } from '@everything/test-support/http';

export { eventually };

const run = promisify(execFile);

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through \`make test-cluster\``);
  return value;
}

/** kubectl of the local cluster; resolves with stdout, rejects with stderr in the message. */
export async function kubectl(
  args: string[],
  options: { timeoutMs?: number } = {},
): Promise<string> {
  try {
    const { stdout } = await run(`${required('CLUSTER_BIN')}/kubectl`, args, {
      env: { ...process.env, KUBECONFIG: required('KUBECONFIG') },
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(' ')}: ${failure.stderr?.trim() || failure.message}`, {
      cause: error,
    });
  }
}

export async function kubectlJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
}

/** Runs a command in a container; resolves with its exit code and output (never rejects on exit code). */
export async function exec(
  namespace: string,
  target: string,
  command: string[],
  timeoutMs = 30_000,
): Promise<{ code: number; output: string }> {
  try {
    const output = await kubectl(['exec', '-n', namespace, target, '--', ...command], {
      timeoutMs,
    });
    return { code: 0, output };
  } catch (error) {
    const text = (error as Error).message;
    const code = /exit code (\d+)/.exec(text);
    return { code: code ? Number(code[1]) : 1, output: text };
  }
}

export interface Pod {
  metadata: {
    name: string;
    namespace: string;
    creationTimestamp: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
  };
  spec: {
    containers: {
      name: string;
      resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    }[];
  };
  status: {
    phase: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      name: string;
      ready: boolean;
      restartCount: number;
      lastState?: { terminated?: { reason?: string } };
      state?: { terminated?: { reason?: string } };
    }[];
  };
}

export async function pods(namespace: string, selector?: string): Promise<Pod[]> {
  const args = ['get', 'pods', '-n', namespace];
  if (selector) args.push('-l', selector);
  return (await kubectlJson<{ items: Pod[] }>(args)).items;
}

export const environments = {
  staging: { namespace: 'staging', base: 'http://127.0.0.1:30080' },
  prod: { namespace: 'prod', base: 'http://127.0.0.1:30081' },
} as const;
export type Environment = keyof typeof environments;

export const admin = {
  email: process.env.BOOTSTRAP_ADMIN_EMAIL ?? 'admin@everything.local',
  password: process.env.BOOTSTRAP_ADMIN_PASSWORD ?? 'coffee-admin',
};

export interface Order {
  id: string;
  status: string;
  totalCents: number;
}

/** The public API of one environment, as a phone or the barista's tablet uses it. */
export class Api {
  readonly environment: Environment;
  readonly base: string;
  constructor(environment: Environment) {
    this.environment = environment;
    this.base = environments[environment].base;
  }

  /** A call as the other suites make it (`callJson`): a proxy's non-JSON page comes back as text. */
  call<T = unknown>(
    method: string,
    route: string,
    options: Parameters<typeof callJson>[3] = {},
  ): Promise<JsonAnswer<T>> {
    return callJson<T>(this.base, method, route, options);
  }

  async register(
    email = `guest-${randomUUID()}@example.com`,
  ): Promise<{ token: string; email: string }> {
    const response = await this.call<{ accessToken: string }>('POST', '/v1/auth/register', {
      body: { email, password: 'correct horse battery', displayName: 'Guest' },
    });
    assert.equal(
      response.status,
      201,
      `register on ${this.environment}: ${JSON.stringify(response.body)}`,
    );
    return { token: response.body.accessToken, email };
  }

  async login(email: string, password: string): Promise<string> {
    const response = await this.call<{ accessToken: string }>('POST', '/v1/auth/login', {
      body: { email, password },
    });
    assert.equal(
      response.status,
      200,
      `login on ${this.environment}: ${JSON.stringify(response.body)}`,
    );
    return response.body.accessToken;
  }

  /**
   * Waits until the environment's server is ready behind its node port. After a peer's pods are
   * replaced the server reports itself not ready until it reaches them again, and meanwhile the
   * Service has no ready endpoint: kube-proxy refuses connections.
   */
  async ready(timeoutMs = 180_000): Promise<void> {
    await eventually(
      `${this.environment} answers /readyz`,
      async () => {
        try {
          return (await this.call('GET', '/readyz', { timeoutMs: 5_000 })).status === 200;
        } catch {
          return false;
        }
      },
      timeoutMs,
    );
  }

  async menuItemId(name = 'Caffè latte'): Promise<string> {
    const menu = await this.call<{ items: { id: string; name: string }[] }>('GET', '/v1/menu');
    const item = menu.body.items.find((entry) => entry.name === name);
    assert.ok(item, `${name} is on the ${this.environment} menu`);
    return item.id;
  }

  async placeOrder(
    token: string,
    menuItemId: string,
    key = randomUUID(),
  ): Promise<JsonAnswer<Order>> {
    return this.call<Order>('POST', '/v1/orders', {
      token,
      headers: { 'idempotency-key': key },
      body: { items: [{ menuItemId, quantity: 1 }] },
    });
  }

  async profile(token: string) {
    return (
      await this.call<{
        tabBalanceCents: number;
        loyaltyPoints: number;
        stats: { ordersCompleted: number };
      }>('GET', '/v1/customers/me', { token })
    ).body;
  }
}

/**
 * Retries a request through connection resets and 502–504 while pods come and go: what a phone
 * does. A request with an Idempotency-Key is retried with the same key, so it stays one request.
 * The answer says how many attempts were retried and which 5xx answers (status and detail) came before it, for a
 * caller that holds the system to a stricter standard than "it worked in the end".
 */
export async function retrying<T>(
  what: string,
  attempt: () => Promise<JsonAnswer<T>>,
  { timeoutMs = 60_000 } = {},
): Promise<JsonAnswer<T> & { retries: number; serverErrors: string[] }> {
  const deadline = Date.now() + timeoutMs;
  let retries = 0;
  const serverErrors: string[] = [];
  for (;;) {
    try {
      const response = await attempt();
      if (![502, 503, 504].includes(response.status)) return { ...response, retries, serverErrors };
      const detail = (response.body as { detail?: unknown } | undefined)?.detail;
      serverErrors.push(`${response.status}${typeof detail === 'string' ? ` (${detail})` : ''}`);
      if (Date.now() > deadline)
        throw new Error(`${what}: still ${response.status} after ${timeoutMs} ms`);
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`${what}: ${(error as Error).message}`, { cause: error });
    }
    retries++;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
