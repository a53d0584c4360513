// The café's phones reach the app through a real ingress controller (issue 16), in the local
// cluster after `make cluster-up`: Traefik (k8s/local/ingress/) serves HTTPS on 127.0.0.1:30443
// for the staging and prod hosts with certificates from the project's CA (`make tls`, CA in
// .dev/cluster/ca.crt), and HTTP on 127.0.0.1:30480 only to redirect. Run on the node itself.
//
// Shown: the menu over HTTPS with a valid chain for each host; HTTP redirected; HSTS; an SSE
// stream through the controller delivering an event after 60 s of idle; the client address the
// rate limiter keys on is the real one and a forged X-Forwarded-For is ignored; request bodies
// limited as the server limits them; and in Chromium, trusting the CA, the app's page is a
// secure context with navigator.serviceWorker.
//
// Variables: KUBECTL (default kubectl; the cluster's own kubectl), CHROMIUM_PATH
// (default /usr/bin/chromium), INGRESS_HTTPS_PORT / INGRESS_HTTP_PORT (30443 / 30480).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { networkInterfaces, tmpdir } from 'node:os';
import { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../../', import.meta.url));
const kubeconfig = join(root, '.dev/cluster/kubeconfig');
const caPath = join(root, '.dev/cluster/ca.crt');
const httpsPort = Number(process.env.INGRESS_HTTPS_PORT ?? 30443);
const httpPort = Number(process.env.INGRESS_HTTP_PORT ?? 30480);
const address = '127.0.0.1';
/** The hosts of k8s/values/apps/server/{staging,prod}.yaml. */
const hosts = { staging: 'staging.coffee.home', prod: 'coffee.home' } as const;
/** The server's request body limit (Fastify's bodyLimit default, which the server keeps). */
const serverBodyLimit = 1024 * 1024;

const run = promisify(execFile);
const kubectl = async (...args: string[]) =>
  (
    await run(process.env.KUBECTL ?? 'kubectl', ['--kubeconfig', kubeconfig, ...args], {
      maxBuffer: 16 * 1024 * 1024,
    })
  ).stdout;

let ca = '';
before(async () => {
  ca = await readFile(caPath, 'utf8');
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The certificate the controller presented, for HTTPS answers. */
  peer?: { subjectaltname?: string };
}

/** One HTTPS request to the controller for HOST: SNI and Host name it, the CA is the only trust. */
function request(
  host: string,
  path: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = https.request(
      {
        host: address,
        port: httpsPort,
        servername: host,
        ca,
        method: options.method ?? 'GET',
        path,
        headers: { host, ...options.headers },
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const socket = response.socket;
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            peer: socket instanceof TLSSocket ? socket.getPeerCertificate() : undefined,
          });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the body it expects
const json = <T>(answer: Answer) => JSON.parse(answer.body) as T;

async function newCustomer(host: string) {
  const registered = await request(host, '/v1/auth/register', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `ingress-${randomUUID()}@example.com`,
      password: 'correct horse battery',
      displayName: 'Ingress',
    }),
  });
  assert.equal(registered.status, 201, registered.body);
  return json<{ accessToken: string }>(registered).accessToken;
}

async function placeOrder(host: string, token: string) {
  const menu = json<{ items: { id: string; available: boolean }[] }>(
    await request(host, '/v1/menu'),
  );
  const item = menu.items.find((candidate) => candidate.available);
  assert.ok(item, 'an available menu item');
  const placed = await request(host, '/v1/orders', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify({ items: [{ menuItemId: item.id, quantity: 1 }] }),
  });
  assert.equal(placed.status, 201, placed.body);
  return json<{ id: string }>(placed).id;
}

for (const [environment, host] of Object.entries(hosts)) {
  describe(`${environment} through the ingress controller (https://${host}:${httpsPort})`, () => {
    test('the menu over HTTPS, with a chain the project CA verifies for the host', async () => {
      const menu = await request(host, '/v1/menu');
      assert.equal(menu.status, 200, menu.body);
      assert.ok(json<{ items: unknown[] }>(menu).items.length > 0, 'a menu with items');
      // Node checked the chain against the CA alone and the name against SNI; say what it saw.
      assert.match(
        menu.peer?.subjectaltname ?? '',
        new RegExp(`DNS:${host.replaceAll('.', '\\.')}(,|$)`),
      );
      // And a client without the CA refuses it: the chain is the project's, not a public one.
      await assert.rejects(
        new Promise((resolve, reject) => {
          https
            .get(
              { host: address, port: httpsPort, servername: host, headers: { host }, agent: false },
              resolve,
            )
            .on('error', reject);
        }),
        /self-signed|unable to get local issuer|UNABLE_TO_VERIFY/i,
      );
    });

    test('plain HTTP is redirected to HTTPS, permanently', async () => {
      const answer = await new Promise<http.IncomingMessage>((resolve, reject) => {
        http
          .get(
            {
              host: address,
              port: httpPort,
              path: '/v1/menu?x=1',
              headers: { host },
              agent: false,
            },
            resolve,
          )
          .on('error', reject);
      });
      answer.resume();
      assert.ok([301, 308].includes(answer.statusCode ?? 0), `status ${answer.statusCode}`);
      assert.equal(answer.headers.location, `https://${host}/v1/menu?x=1`);
    });

    test('HSTS on HTTPS answers', async () => {
      for (const path of ['/', '/v1/menu']) {
        const answer = await request(host, path);
        const hsts = answer.headers['strict-transport-security'] ?? '';
        const maxAge = Number(/max-age=(\d+)/.exec(hsts)?.[1] ?? 0);
        assert.ok(maxAge >= 15_552_000, `${path}: Strict-Transport-Security "${hsts}"`);
      }
    });

    test('request bodies: the controller passes what the server accepts, the server refuses more', async () => {
      const token = await newCustomer(host);
      const post = (body: string) =>
        request(host, '/v1/orders', {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'idempotency-key': randomUUID(),
          },
          body,
        });
      const padded = (size: number) => {
        const shell = JSON.stringify({ items: [], note: '' });
        return shell.replace('"note":""', `"note":"${'x'.repeat(size - shell.length)}"`);
      };
      // At the limit: it reaches the server, whose validation answers (no items).
      const atLimit = await post(padded(serverBodyLimit));
      assert.equal(atLimit.status, 400, atLimit.body.slice(0, 300));
      // Above it: the server's own 413, as problem details. Fastify answers an oversized body
      // at once and closes the connection (it will not read what it refuses); Traefik, still
      // sending the body, now and then sees the close first and answers 502 instead. That
      // race is the proxy's, not a limit that fails to apply, so a 502 is asked again.
      let above = await post(padded(serverBodyLimit + 1));
      for (let retry = 0; retry < 3 && above.status === 502; retry++)
        above = await post(padded(serverBodyLimit + 1));
      assert.equal(above.status, 413, above.body.slice(0, 300));
      assert.match(String(above.headers['content-type']), /application\/problem\+json/);
    });
  });
}

describe('the client address behind the controller', () => {
  /** Addresses of this machine: a client on the node reaches Traefik from one of them (kube-proxy's NAT). */
  const ownAddresses = () =>
    new Set(
      Object.values(networkInterfaces())
        .flat()
        .map((entry) => entry?.address)
        .filter((entry): entry is string => Boolean(entry)),
    );

  /** The addresses the server's rate limiter has counted requests for (Valkey keys `…rate-limit:ip:<address>`). */
  async function rateLimitedAddresses(): Promise<string[]> {
    const scan =
      'exec "$(command -v valkey-cli || command -v redis-cli)" --scan --pattern "*rate-limit:ip:*"';
    const keys = await kubectl('exec', '-n', 'infra', 'svc/valkey', '--', 'sh', '-c', scan);
    return keys
      .split('\n')
      .filter(Boolean)
      .map((key) => key.slice(key.indexOf('rate-limit:ip:') + 'rate-limit:ip:'.length));
  }

  test('rate limits key on the real client address; a forged X-Forwarded-For is ignored', async () => {
    const host = hosts.staging;
    const forged = ['203.0.113.7', '198.51.100.23', '192.0.2.99'];
    const remaining: number[] = [];
    for (const address of forged) {
      // A public route the server rate-limits (the menu is served from memory, unlimited).
      const answer = await request(host, '/openapi.json', {
        headers: { 'x-forwarded-for': address, 'x-real-ip': address, forwarded: `for=${address}` },
      });
      assert.equal(answer.status, 200, answer.body);
      remaining.push(Number(answer.headers['x-ratelimit-remaining']));
    }
    // One key for all three: each request counts against the same budget. Had the forged
    // addresses been believed, each would have started a fresh budget of its own.
    assert.ok(
      remaining.every((left, index) => index === 0 || left < (remaining[index - 1] ?? 0)),
      `x-ratelimit-remaining ${remaining.join(', ')}`,
    );
    const counted = await rateLimitedAddresses();
    for (const address of forged) assert.ok(!counted.includes(address), `${address} was believed`);
    // The address counted is this machine's, as Traefik saw it; not Traefik's own pod address,
    // which is what the server would key on if it trusted no proxy hop.
    const mine = ownAddresses();
    const traefikPods = (
      await kubectl(
        'get',
        'pods',
        '-n',
        'kube-system',
        '-l',
        'app.kubernetes.io/name=traefik',
        '-o',
        'jsonpath={.items[*].status.podIP}',
      )
    ).split(/\s+/);
    assert.ok(
      counted.some((address) => mine.has(address)),
      `counted ${counted.join(', ')}; this machine has ${[...mine].join(', ')}`,
    );
    for (const pod of traefikPods.filter(Boolean))
      assert.ok(!counted.includes(pod), `keyed on Traefik's own address ${pod}`);
  });
});

describe('an event stream through the controller', () => {
  test(
    'an SSE stream idle for 65 s still delivers the next event',
    { timeout: 150_000 },
    async () => {
      const host = hosts.staging;
      const token = await newCustomer(host);
      const orderId = await placeOrder(host, token);
      const received: string[] = [];
      const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
        https
          .get(
            {
              host: address,
              port: httpsPort,
              servername: host,
              ca,
              path: `/v1/orders/${orderId}/events`,
              headers: { host, authorization: `Bearer ${token}`, accept: 'text/event-stream' },
              agent: false,
            },
            resolve,
          )
          .on('error', reject);
      });
      try {
        assert.equal(stream.statusCode, 200);
        assert.match(String(stream.headers['content-type']), /text\/event-stream/);
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => received.push(chunk));
        // What the stream sends at once (retry, the order's history) has arrived by then.
        await new Promise((resolve) => setTimeout(resolve, 65_000));
        assert.equal(
          stream.destroyed || stream.complete,
          false,
          'the stream was closed while idle',
        );
        const seenBefore = received.join('').length;
        const cancelled = await request(host, `/v1/orders/${orderId}/cancel`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
        });
        assert.ok(cancelled.status < 300, cancelled.body);
        const deadline = Date.now() + 15_000;
        while (
          !/^event: .*cancel/im.test(received.join('').slice(seenBefore)) &&
          Date.now() < deadline
        )
          await new Promise((resolve) => setTimeout(resolve, 200));
        assert.match(received.join('').slice(seenBefore), /^event: .*cancel/im);
      } finally {
        stream.destroy();
      }
    },
  );
});

describe('in Chromium, trusting the project CA', () => {
  // A bound, so that a service worker that never gets ready fails the test, not hangs the run.
  test(
    'the app page is a secure context whose service worker registers, on both hosts',
    { timeout: 120_000 },
    async () => {
      // Chromium ignores certificate errors only for chains holding a key on this list: the CA's.
      const spki = createHash('sha256')
        .update(new X509Certificate(ca).publicKey.export({ type: 'spki', format: 'der' }))
        .digest('base64');
      const profile = await mkdtemp(join(tmpdir(), 'everything-chromium-'));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: [
          '--no-sandbox',
          '--disable-dev-shm-usage',
          `--ignore-certificate-errors-spki-list=${spki}`,
          `--host-resolver-rules=${Object.values(hosts)
            .map((host) => `MAP ${host} ${address}`)
            .join(', ')}`,
        ],
      });
      try {
        for (const host of Object.values(hosts)) {
          const page = await context.newPage();
          const response = await page.goto(`https://${host}:${httpsPort}/`);
          assert.equal(response?.status(), 200);
          assert.equal(response.url(), `https://${host}:${httpsPort}/`);
          const state = await page.evaluate<{ secure: boolean; serviceWorker: boolean }>(
            "({ secure: window.isSecureContext, serviceWorker: 'serviceWorker' in navigator })",
          );
          assert.deepEqual(state, { secure: true, serviceWorker: true });
          // The app's service worker (which "Tell me when it's ready" registers) registers here:
          // served over this TLS, with a JavaScript type, for the whole app's scope.
          const scope = await page.evaluate<string>(
            "navigator.serviceWorker.register('/sw.js', { scope: '/' }).then(() => navigator.serviceWorker.ready).then((registration) => registration.scope)",
          );
          assert.equal(scope, `https://${host}:${httpsPort}/`);
          await page.close();
        }
      } finally {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      }
    },
  );
});
