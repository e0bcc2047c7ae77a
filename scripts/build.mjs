// Build: check the param definitions against their schema, then bundle the launcher and the daemon
// host with esbuild (daemons become chunks loaded on demand; shared code is one chunk), then the
// web UI (Vite) into dist/web-ui, precompressed.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { validateDefs } from './validate-defs.mjs';
import { buildWebUi } from './build-web-ui.mjs';

validateDefs();
rmSync('dist', { recursive: true, force: true });
await build({
  // cert-worker: httpd's certificate maker, run in a worker thread (daemons/httpd/src/tls.ts)
  entryPoints: { launcher: 'launcher/src/main.ts', host: 'launcher/src/host.ts', 'bus-setup': 'launcher/src/bus-setup.ts', 'cert-worker': 'daemons/httpd/src/cert-worker.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  legalComments: 'none',
  // whitespace and syntax only: readable names in stack traces, and no per-call renaming cost
  // (esbuild's keepNames wraps every function made per request: −20% HTTP throughput)
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  // CommonJS dependencies (mqtt, pino) call require(); give the ESM bundle one
  banner: { js: "import { createRequire as __belfryCreateRequire } from 'node:module'; const require = __belfryCreateRequire(import.meta.url);" },
});
await buildWebUi('dist/web-ui');
console.log('build: dist/ ready');
