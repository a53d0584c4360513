// Writes .br and .gz beside every text asset of the build, so the server sends them compressed
// without compressing on each request (@fastify/static's preCompressed). Node's zlib does both.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = path.join(import.meta.dirname, '..', 'dist');
const compressible = /\.(html|js|css|svg|json|webmanifest|txt)$/;

let saved = 0;
for (const entry of await readdir(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !compressible.test(entry.name)) continue;
  const file = path.join(entry.parentPath, entry.name);
  const content = await readFile(file);
  const brotli = brotliCompressSync(content, {
    params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY },
  });
  await writeFile(`${file}.br`, brotli);
  await writeFile(`${file}.gz`, gzipSync(content, { level: 9 }));
  saved += content.length - brotli.length;
}
console.log(`precompressed the web app: ${Math.round(saved / 1024)} KiB saved with brotli`);
