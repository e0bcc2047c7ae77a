// The web UI's build: static assets for httpd to serve at `/` (scripts/build.mjs runs it into
// dist/web-ui). Hashed file names under assets/ (served immutable), no inline script or style (the
// CSP forbids them), nothing fetched from elsewhere at run time.
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false })],
  build: {
    outDir: '../dist/web-ui',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
  // `npx vite web-ui` against a running device: BELFRY_DEVICE=http://127.0.0.1:8080
  server: { proxy: Object.fromEntries(['/api', '/axis-cgi', '/vapix', '/config'].map((p) => [p, process.env.BELFRY_DEVICE ?? 'http://127.0.0.1:80'])) },
});
