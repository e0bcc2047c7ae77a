// The web UI: Vite builds web-ui/ into `out` (dist/web-ui, which httpd serves at `/`), then every
// text file gets a `.gz` and a `.br` beside it, so httpd streams the precompressed file the client
// accepts instead of compressing per request.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'vite';

const TEXT = /\.(html|js|css|svg|json|txt|map)$/;

function files(dir) {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

export async function buildWebUi(out) {
  await build({ configFile: 'web-ui/vite.config.ts', logLevel: 'warn', build: { outDir: join(process.cwd(), out) } });
  for (const f of files(out).filter((f) => TEXT.test(f))) {
    const body = readFileSync(f);
    writeFileSync(`${f}.gz`, gzipSync(body, { level: 9 }));
    writeFileSync(`${f}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }));
  }
}
