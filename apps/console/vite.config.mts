// The web console's build: apps/console/web → dist/apps/console/web (served by the console app).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: '/',
  // The live counter uses the gateway's own encoder library (browser-safe: no Node import).
  resolve: { alias: { '@smsgw/gsm/util-encoding': `${root}libs/gsm/util-encoding/src/index.ts` } },
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: `${root}dist/apps/console/web`,
    emptyOutDir: true,
    target: 'es2022',
    // No inline script or data: module: the CSP is script-src 'self'.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  // `npx vite -c apps/console/vite.config.mts`: the page with hot reload against npm start's API.
  server: { proxy: { '/v1': { target: 'http://127.0.0.1:8080' } } },
  logLevel: 'warn',
});
