// Compiles each service into plain JavaScript with esbuild, for the images (docker/Dockerfile)
// and `make bench`: services/<name>/dist/main.js, plus migrate.js for the services that have
// migrations. Running JavaScript spares each process Node's type stripping (SWC as
// WebAssembly, tens of MiB) and the loading of hundreds of small modules. `make dev` and the
// tests keep running the TypeScript sources.
//
// Telemetry still starts first: main.ts starts it, then imports serve.ts dynamically; with
// code splitting that import stays a separate chunk, evaluated only after telemetry started.
// The libraries OpenTelemetry instruments by hooking their import (gRPC, pg, ioredis) stay
// outside the bundle, loaded from node_modules through those hooks, and so do packages that
// read their own files at run time or load native code.
// dist/ sits beside src/, at the same depth, so paths resolved from import.meta.url (proto/,
// migrations/, web/dist) are the same from either.
// Usage: node scripts/bundle.ts [server|order|customer …]   (default: all three)
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const services = ['server', 'order', 'customer'];

/** Loaded from node_modules at run time, not bundled (why: see the header). */
export const external = [
  // instrumented through import hooks
  '@grpc/grpc-js',
  'pg',
  'pg-pool',
  'ioredis',
  // the import hooks themselves (a loader registered by file URL)
  'import-in-the-middle',
  // native code, and a worker that loads its own files into a sandbox
  '@temporalio/*',
  // read their own files at run time
  'grpc-health-check',
  '@platformatic/wasm-utils',
  '@grpc/reflection',
  '@fastify/swagger-ui',
  'node-pg-migrate',
  'pino',
  'thread-stream',
];

// @platformatic/kafka's entry also loads its schema registries (Ajv's JSON Schema drafts, Avro:
// tens of MiB once loaded) that the services never use; its exports map allows no deeper
// import, so the bundle takes what the services import from the package's own inner entries:
// the clients (Producer, Consumer, Admin, serdes) and the protocol's enumerations
// (FetchIsolationLevels).
const kafkaClientsOnly: Plugin = {
  name: 'kafka-clients-only',
  setup(bundler) {
    bundler.onResolve({ filter: /^@platformatic\/kafka$/ }, async (args) => {
      if (args.pluginData === 'resolved') return undefined;
      const entry = await bundler.resolve('@platformatic/kafka', {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: 'resolved',
      });
      return { path: path.dirname(entry.path), namespace: 'kafka-clients-only' };
    });
    bundler.onLoad({ filter: /.*/, namespace: 'kafka-clients-only' }, (args) => ({
      contents: [
        `export * from ${JSON.stringify(path.join(args.path, 'clients', 'index.js'))};`,
        `export * from ${JSON.stringify(path.join(args.path, 'apis', 'enumerations.js'))};`,
      ].join('\n'),
      resolveDir: args.path,
      loader: 'js',
    }));
  },
};

// CommonJS modules inside an ES module bundle still call require() for Node's built-ins.
const banner = [
  "import { createRequire as __createRequire } from 'node:module';",
  'const require = __createRequire(import.meta.url);',
].join('\n');

export async function bundleService(service: string): Promise<string> {
  const source = path.join(root, 'services', service, 'src');
  const outdir = path.join(root, 'services', service, 'dist');
  const entryPoints: Record<string, string> = { main: path.join(source, 'main.ts') };
  if (existsSync(path.join(source, 'migrate.ts'))) {
    entryPoints.migrate = path.join(source, 'migrate.ts');
  }
  await rm(outdir, { recursive: true, force: true });
  await build({
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    external,
    plugins: [kafkaClientsOnly],
    banner: { js: banner },
    // Files beside the code; read only when Node runs with --enable-source-maps.
    sourcemap: 'linked',
    // Chunks beside the entries: every module of the bundle sits at the depth of src/*.ts.
    chunkNames: '[name]-[hash]',
    logLevel: 'warning',
  });
  return outdir;
}

if (import.meta.main) {
  const chosen = process.argv.slice(2);
  const unknown = chosen.filter((service) => !services.includes(service));
  if (unknown.length > 0) {
    console.error(`usage: bundle.ts [${services.join('|')} …]; unknown: ${unknown.join(', ')}`);
    process.exit(2);
  }
  for (const service of chosen.length > 0 ? chosen : services) {
    const outdir = await bundleService(service);
    console.log(`bundled ${service} into ${path.relative(root, outdir)}`);
  }
}
