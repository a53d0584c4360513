import { defineConfig } from 'vite';

// `npm run dev -w web` serves the app with hot reload and sends API calls to `make dev`'s server.
const api = `http://127.0.0.1:${process.env.SERVER_PORT ?? '8080'}`;

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    target: 'es2022',
    // Hashed file names under assets/ are what the server caches for a year.
    assetsDir: 'assets',
    reportCompressedSize: false,
  },
  server: { proxy: { '/v1': api, '/openapi.json': api, '/docs': api } },
});
