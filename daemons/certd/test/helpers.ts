import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '@belfry/core';
import { makeFactoryHttps } from '../src/store/factory.js';
import { FACTORY_HTTPS_ALIAS, FileCertStore } from '../src/store/file-store.js';

export function tempDir(t: { teardown(fn: () => void): void }, prefix = 'certd-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A store on a temporary folder with a fixed KEK, the selection and the policy in memory. */
export async function testStore(dir: string, opts: { kek?: Buffer; policy?: string; deviceId?: ConstructorParameters<typeof FileCertStore>[0]['deviceId'] } = {}) {
  const env = { selected: FACTORY_HTTPS_ALIAS, policy: opts.policy };
  const kek = opts.kek ?? randomBytes(32);
  const audit = new AuditLog(join(dir, 'log'), 'certd');
  const store = new FileCertStore({
    dir: join(dir, 'state'),
    kek,
    audit,
    selection: { get: () => env.selected, set: async (a) => void (env.selected = a) },
    policy: () => env.policy,
    deviceId: opts.deviceId,
    factoryHttps: () => makeFactoryHttps({ hostname: 'belfry-test', serial: '02BE1F000001', addresses: ['127.0.0.1'] }),
  });
  await store.open();
  return { store, env, kek, audit, stateDir: join(dir, 'state') };
}

export function openssl(args: string[], cwd: string, input?: string): string {
  return execFileSync('openssl', args, { cwd, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A CA made with openssl in `dir` (ca.key, ca.pem), and a signer of CSRs with it. */
export function opensslCa(dir: string, cn = 'Test CA') {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', `/CN=${cn}`, '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return {
    pem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    sign(csrPem: string, sans: string): string {
      writeFileSync(join(dir, 'req.csr'), csrPem);
      writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${sans}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyAgreement,keyEncipherment\n`);
      openssl(['x509', '-req', '-in', 'req.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'signed.pem', '-days', '10', '-extfile', 'ext.cnf'], dir);
      return readFileSync(join(dir, 'signed.pem'), 'utf8');
    },
  };
}

/** Every file under `dir` whose bytes contain `PRIVATE KEY`. */
export function filesWith(dir: string, needle = 'PRIVATE KEY'): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const s = statSync(p, { throwIfNoEntry: false });
      if (!s) continue;
      if (s.isDirectory()) walk(p);
      else if (s.isFile() && readFileSync(p).includes(needle)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}
