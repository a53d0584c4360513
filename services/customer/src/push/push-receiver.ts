// A local push service for tests: https on loopback with a certificate made for the run, that
// decrypts each message with the subscribing browser's keys (RFC 8291, aes128gcm) and checks
// its VAPID signature (RFC 8292), as a real push service and browser would between them.
import { execFileSync } from 'node:child_process';
import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  hkdfSync,
  randomBytes,
  verify,
  type ECDH,
} from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ReceivedPush {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The decrypted payload. */
  payload: string;
  /** The VAPID JWT's claims, after its signature was verified with the `k` key. */
  vapid: { aud: string; exp: number; sub: string; publicKey: string };
}

/** A browser's side of a subscription: its key pair and auth secret. */
export interface TestBrowser {
  ecdh: ECDH;
  auth: Buffer;
  keys: { p256dh: string; auth: string };
}

export function testBrowser(): TestBrowser {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    ecdh,
    auth,
    keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
  };
}

/** Decrypts an aes128gcm body (RFC 8188 framing, RFC 8291 keys) for `browser`. */
export function decrypt(body: Buffer, browser: TestBrowser): string {
  const salt = body.subarray(0, 16);
  const idLength = body.readUInt8(20);
  const senderPublic = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  const shared = browser.ecdh.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([
    Buffer.from('WebPush: info\0'),
    browser.ecdh.getPublicKey(),
    senderPublic,
  ]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, browser.auth, keyInfo, 32));
  const cek = Buffer.from(
    hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16),
  );
  const nonce = Buffer.from(
    hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12),
  );
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
    decipher.final(),
  ]);
  // The last record ends with the delimiter 0x02, then zero padding.
  const end = padded.lastIndexOf(2);
  if (end < 0) throw new Error('no padding delimiter');
  return padded.subarray(0, end).toString('utf8');
}

/** Verifies `Authorization: vapid t=…, k=…` and returns the token's claims and key. */
export function verifyVapid(authorization: string): ReceivedPush['vapid'] {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization);
  if (!match) throw new Error(`not a VAPID authorization: ${authorization}`);
  const [token = '', publicKey = ''] = [match[1], match[2]];
  const [header = '', claims = '', signature = ''] = token.split('.');
  if ((JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string }).alg !== 'ES256')
    throw new Error('VAPID token is not ES256');
  const point = Buffer.from(publicKey, 'base64url');
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  const valid = verify(
    'sha256',
    Buffer.from(`${header}.${claims}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!valid) throw new Error('VAPID signature does not verify');
  return {
    ...(JSON.parse(Buffer.from(claims, 'base64url').toString()) as ReceivedPush['vapid']),
    publicKey,
  };
}

/** The receiver: each path answers the statuses queued for it (201 once the queue is empty). */
export async function startPushReceiver(browsers: Map<string, TestBrowser>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'push-receiver-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-days',
      '1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const cert = readFileSync(path.join(dir, 'cert.pem'));
  const key = readFileSync(path.join(dir, 'key.pem'));
  rmSync(dir, { recursive: true });

  const received: ReceivedPush[] = [];
  const attempts: string[] = [];
  const answers = new Map<string, number[]>();
  const server: Server = createServer({ cert, key }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = request.url ?? '/';
      attempts.push(url);
      const status = answers.get(url)?.shift() ?? 201;
      if (status === 201) {
        const browser = browsers.get(url);
        if (!browser) throw new Error(`no browser subscribed at ${url}`);
        received.push({
          path: url,
          headers: request.headers,
          payload: decrypt(Buffer.concat(chunks), browser),
          vapid: verifyVapid(String(request.headers.authorization)),
        });
      }
      response.writeHead(status, status === 429 ? { 'retry-after': '0' } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    /** Trusts only this receiver's certificate. */
    agent: new Agent({ ca: cert }),
    received,
    attempts,
    /** Makes `path` answer these statuses first. */
    answer(pathname: string, ...statuses: number[]) {
      answers.set(pathname, statuses);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
