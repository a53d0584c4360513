// The built web app as the server serves it: caching, compression, security headers, and
// which requests get the app's page rather than an API problem.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerProblemHandlers } from './problem.ts';
import { registerWebApp } from './web-app.ts';

describe('the web app as served', () => {
  let root: string;
  let app: FastifyInstance;
  const script = 'console.log("the app");'.repeat(20);

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'web-'));
    await mkdir(path.join(root, 'assets'));
    const page = '<!doctype html><title>app</title>';
    await writeFile(path.join(root, 'index.html'), page);
    await writeFile(path.join(root, 'index.html.br'), brotliCompressSync(page));
    await writeFile(path.join(root, 'assets', 'index-abc123.js'), script);
    await writeFile(path.join(root, 'assets', 'index-abc123.js.br'), brotliCompressSync(script));
    app = Fastify();
    registerProblemHandlers(app, await registerWebApp(app, root));
    app.get('/v1/menu', () => ({ items: [] }));
    await app.ready();
  });

  after(async () => {
    await app.close();
    await rm(root, { recursive: true });
  });

  test('hashed assets are cached for a year and sent brotli-compressed', async () => {
    const response = await app.inject({
      url: '/assets/index-abc123.js',
      headers: { 'accept-encoding': 'br, gzip' },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(response.headers['content-encoding'], 'br');
    assert.ok(response.rawPayload.length < script.length);
  });

  test('the page is revalidated on every load and locked down by a content security policy', async () => {
    const response = await app.inject({
      url: '/',
      headers: { accept: 'text/html', 'accept-encoding': 'br, gzip' },
    });
    assert.equal(response.headers['content-encoding'], 'br');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'no-cache');
    assert.match(String(response.headers['content-security-policy']), /script-src 'self'/);
    assert.equal(response.headers['referrer-policy'], 'no-referrer');
  });

  test("a browser opening one of the app's pages gets the app", async () => {
    const response = await app.inject({
      url: '/orders/0b7d6f0e-3a55-4f67-9d44-5d1c1b0f6a11',
      headers: { accept: 'text/html,application/xhtml+xml' },
    });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /<title>app<\/title>/);
    assert.equal(response.headers['cache-control'], 'no-cache');
  });

  test('an unknown API path stays a problem+json 404, even for a browser', async () => {
    const response = await app.inject({ url: '/v1/nothing', headers: { accept: 'text/html' } });
    assert.equal(response.statusCode, 404);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
  });

  test('a missing asset is a 404, not the page', async () => {
    const response = await app.inject({ url: '/assets/gone-000.js', headers: { accept: '*/*' } });
    assert.equal(response.statusCode, 404);
  });

  test('the API still answers beside the app', async () => {
    const response = await app.inject({ url: '/v1/menu' });
    assert.deepEqual(response.json(), { items: [] });
  });
});
