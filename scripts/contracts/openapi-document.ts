// `openapi-document.ts SERVER_APP OUT`: writes the OpenAPI document that the server built by
// SERVER_APP (a services/server/src/app.ts, of this tree or of an older release's) serves at
// /openapi.json. The app is built with peers that are never called, so no stack is needed:
// scripts/generate.sh turns the document into web/src/types.ts and `make contracts` compares it
// with the last release's.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { customerV1, menuV1, orderV1 } from '@everything/contracts';
import { insecure } from '@everything/grpc';
import { createLogger } from '@everything/logger';

const [appModule, out] = process.argv.slice(2);
if (!appModule || !out) {
  console.error('usage: openapi-document.ts SERVER_APP OUT');
  process.exit(2);
}

interface ServerApp {
  createApp: (deps: Record<string, unknown>) => Promise<{
    inject(request: { method: 'GET'; url: string }): Promise<{ statusCode: number; body: string }>;
    close(): Promise<void>;
  }>;
}

const { createApp } = (await import(pathToFileURL(path.resolve(appModule)).href)) as ServerApp;
// Nothing answers here and nothing is asked: building the app only declares its routes.
const nowhere = '127.0.0.1:9';
const valkey = new Redis({ lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
// The rate limiter may try it; nothing is there, and nothing needs it.
valkey.on('error', () => undefined);
const app = await createApp({
  logger: createLogger('openapi-document', 'silent'),
  menu: new menuV1.MenuServiceClient(nowhere, insecure()),
  orders: new orderV1.OrderServiceClient(nowhere, insecure()),
  customers: new customerV1.CustomerServiceClient(nowhere, insecure()),
  valkey,
  peers: [],
  tokens: { secret: 'x'.repeat(64), accessTtlSeconds: 300, refreshTtlSeconds: 3_600 },
  rateLimits: { perMinute: 1, authPerMinute: 1 },
  upstreamTimeoutMs: 1_000,
  trustProxyHops: 0,
  isAccepting: () => true,
});
const response = await app.inject({ method: 'GET', url: '/openapi.json' });
if (response.statusCode !== 200) throw new Error(`/openapi.json answered ${response.statusCode}`);
await writeFile(out, `${JSON.stringify(JSON.parse(response.body), null, 2)}\n`);
await app.close();
valkey.disconnect();
// The gRPC clients hold no connection (none was made); nothing else keeps the process alive.
process.exit(0);
