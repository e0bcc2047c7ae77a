// Build: check the param definitions against their schema, then bundle the launcher and the daemon
// host with esbuild (daemons become chunks loaded on demand; shared code is one chunk), then the
// web UI (Vite) into dist/web-ui, precompressed.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { validateDefs } from './validate-defs.mjs';
import { buildWebUi } from './build-web-ui.mjs';

validateDefs();
rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { launcher: 'launcher/src/main.ts', host: 'launcher/src/host.ts', 'bus-setup': 'launcher/src/bus-setup.ts' },
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
  // ssh2 (eventd's SFTP recipient) tries this optional native module and does without it; its
  // install script is not run (package.json allowScripts), so there is nothing to bundle
  external: ['cpu-features'],
  // CommonJS dependencies (mqtt, pino) call require(), and ssh2 reads __dirname at load: give the
  // ESM bundle both (a chunk's own folder, which nothing reads files from)
  banner: {
    js: "import { createRequire as __belfryCreateRequire } from 'node:module'; import { fileURLToPath as __belfryPath } from 'node:url'; const require = __belfryCreateRequire(import.meta.url); const __filename = __belfryPath(import.meta.url); const __dirname = __belfryPath(new URL('.', import.meta.url));",
  },
});
await buildWebUi('dist/web-ui');
// daemons/core/native/: the broker's idle tick (preloaded into mosquitto) and malloc_trim (httpd's idle trim)
execFileSync('cc', ['-O2', '-Wall', '-shared', '-fPIC', '-o', 'dist/broker-tick.so', 'daemons/core/native/broker-tick.c'], { stdio: 'inherit' });
execFileSync('cc', ['-O2', '-Wall', '-shared', '-fPIC', '-I/usr/include/node', '-o', 'dist/malloc-trim.node', 'daemons/core/native/malloc-trim.c'], { stdio: 'inherit' });
console.log('build: dist/ ready');
