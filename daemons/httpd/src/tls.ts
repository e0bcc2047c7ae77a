import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface TlsMaterial {
  key: string;
  cert: string;
}

/**
 * The HTTPS certificate until certd exists: a self-signed EC P-256 certificate made at first boot,
 * CN and SANs the host name, `localhost` and the device's addresses, EKU serverAuth + clientAuth,
 * subject serialNumber = the device serial. Stored mode 0600 in httpd's state folder.
 */
export async function ensureSelfSigned(dir: string, opts: { hostname: string; serial: string; addresses: string[] }): Promise<TlsMaterial> {
  const keyFile = join(dir, 'https.key');
  const certFile = join(dir, 'https.crt');
  if (existsSync(keyFile) && existsSync(certFile)) {
    const m = { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
    if (valid(m)) return m;
  }
  const m = await makeInWorker(opts);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [file, text] of [
    [keyFile, m.key],
    [certFile, m.cert],
  ] as const) {
    writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
  return m;
}

/**
 * The certificate maker (@peculiar/x509 and reflect-metadata, ~3 MB of heap) runs in a worker
 * thread (cert-worker.ts) that exits when done: httpd never holds it. Bundled, the worker is
 * dist/cert-worker.mjs next to this chunk's folder; from source (tests), cert-worker.ts through tsx.
 */
function makeInWorker(opts: Parameters<typeof ensureSelfSigned>[1]): Promise<TlsMaterial> {
  const fromSource = import.meta.url.endsWith('.ts');
  return new Promise((resolve, reject) => {
    // (not the parent's execArgv: a test runner's loaders, --input-type)
    const w = fromSource
      ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((api) => api.tsImport(${JSON.stringify(new URL('./cert-worker.ts', import.meta.url).href)}, __filename))`, { eval: true, workerData: opts, execArgv: [] })
      : new Worker(new URL('../cert-worker.mjs', import.meta.url), { workerData: opts, execArgv: [] });
    w.once('message', (m: TlsMaterial) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`certificate worker exited (${code}) without a certificate`)));
  });
}

function valid(m: TlsMaterial): boolean {
  try {
    createPrivateKey(m.key);
    const c = new X509Certificate(m.cert);
    return new Date(c.validTo).getTime() > Date.now();
  } catch {
    return false;
  }
}

/**
 * Calls `onChange` with the new material whenever a valid key and certificate pair appears in `dir`
 * (certd, or an operator, replaces the files); half-written or mismatched pairs are ignored.
 */
export function watchTls(dir: string, onChange: (m: TlsMaterial) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let last = '';
  const check = () => {
    try {
      const m = { key: readFileSync(join(dir, 'https.key'), 'utf8'), cert: readFileSync(join(dir, 'https.crt'), 'utf8') };
      if (m.cert === last || !valid(m) || !matches(m)) return;
      last = m.cert;
      onChange(m);
    } catch {
      /* files in the middle of being replaced */
    }
  };
  try {
    last = readFileSync(join(dir, 'https.crt'), 'utf8');
  } catch {
    last = '';
  }
  const w = watch(dir, () => {
    clearTimeout(timer);
    timer = setTimeout(check, 100);
  });
  return () => {
    clearTimeout(timer);
    w.close();
  };
}

function matches(m: TlsMaterial): boolean {
  try {
    return new X509Certificate(m.cert).checkPrivateKey(createPrivateKey(m.key));
  } catch {
    return false;
  }
}
