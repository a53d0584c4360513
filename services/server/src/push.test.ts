// The Web Push routes: the VAPID key for the browser, subscribing and unsubscribing it, with
// the SSRF guard's refusals as problem+json naming the field.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import webpush from 'web-push';
import { serverTestStack } from './testing.ts';

describe('web push subscriptions over REST', () => {
  const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:barista@example.com' };
  let stack: Awaited<ReturnType<typeof serverTestStack>>;
  let app: FastifyInstance;
  let token: string;

  const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) => {
    const response = await app.inject({
      method,
      url,
      ...(payload ? { payload } : {}),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return {
      status: response.statusCode,
      contentType: response.headers['content-type'] ?? '',
      body: response.body ? response.json<Record<string, unknown>>() : {},
    };
  };
  /** A subscription as a browser's PushSubscription.toJSON() gives it. */
  const subscription = (endpoint = `https://fcm.googleapis.com/fcm/send/${randomUUID()}`) => ({
    endpoint,
    expirationTime: null,
    keys: {
      p256dh: Buffer.concat([Buffer.from([4]), randomBytes(64)]).toString('base64url'),
      auth: randomBytes(16).toString('base64url'),
    },
  });

  before(async () => {
    stack = await serverTestStack({
      push: {
        vapid,
        allowedOrigins: ['https://fcm.googleapis.com'],
        attempts: 1,
        retryBaseMs: 10,
        pickupTimeoutMs: 1_800_000,
        remindBeforeMs: 300_000,
      },
    });
    app = await stack.build();
    const registered = await call('POST', '/v1/auth/register', {
      email: `ada-${randomUUID()}@example.com`,
      password: 'a long password',
      displayName: 'Ada',
    });
    token = registered.body.accessToken as string;
  });
  after(async () => {
    await stack.close();
  });

  test('GET /v1/push/vapid-public-key gives the application server key', async () => {
    const answer = await call('GET', '/v1/push/vapid-public-key');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { publicKey: vapid.publicKey });
  });

  test('POST /v1/push/subscriptions saves the browser: 201; DELETE with its endpoint removes it: 204', async () => {
    const browser = subscription();
    const saved = await call('POST', '/v1/push/subscriptions', browser);
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    assert.equal((await call('POST', '/v1/push/subscriptions', browser)).status, 201);
    const removed = await call('DELETE', '/v1/push/subscriptions', { endpoint: browser.endpoint });
    assert.equal(removed.status, 204);
    const again = await call('DELETE', '/v1/push/subscriptions', { endpoint: browser.endpoint });
    assert.equal(again.status, 404);
    assert.match(again.contentType, /^application\/problem\+json/);
  });

  test('an endpoint that is not https on a known push service is refused, naming it: 400 when not https, 422 on another origin', async () => {
    for (const [endpoint, status] of [
      ['http://fcm.googleapis.com/fcm/send/x', 400],
      ['https://order.prod.svc.cluster.local:50051/', 422],
      ['https://169.254.169.254/latest/meta-data', 422],
      ['https://updates.push.services.mozilla.com/wpush/v2/x', 422],
    ] as const) {
      const refused = await call('POST', '/v1/push/subscriptions', subscription(endpoint));
      assert.equal(refused.status, status, endpoint);
      assert.match(refused.contentType, /^application\/problem\+json/);
      assert.equal((refused.body.errors as { field: string }[])[0]?.field, 'endpoint', endpoint);
    }
    const shortKey = subscription();
    shortKey.keys.p256dh = 'short';
    const refused = await call('POST', '/v1/push/subscriptions', shortKey);
    assert.equal(refused.status, 400);
    assert.equal((refused.body.errors as { field: string }[])[0]?.field, 'keys.p256dh');
    // Long enough for the document, yet 66 bytes: not a P-256 public key.
    const offCurve = subscription();
    offCurve.keys.p256dh = 'A'.repeat(88);
    const notAKey = await call('POST', '/v1/push/subscriptions', offCurve);
    assert.equal(notAKey.status, 422);
    assert.equal((notAKey.body.errors as { field: string }[])[0]?.field, 'keys.p256dh');
  });

  test('subscribing needs a signed-in customer', async () => {
    const signedIn = token;
    token = '';
    try {
      const refused = await call('POST', '/v1/push/subscriptions', subscription());
      assert.equal(refused.status, 401);
      assert.match(refused.contentType, /^application\/problem\+json/);
    } finally {
      token = signedIn;
    }
  });
});
