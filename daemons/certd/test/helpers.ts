import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '@belfry/core';
import { sim } from '@belfry/board';
import { deviceRegistry, ParamDb } from '@belfry/param-db';
import type { SoapEnv } from '../src/soap/index.js';
import { makeFactoryHttps } from '../src/store/factory.js';
import { FACTORY_HTTPS_ALIAS, FileCertStore } from '../src/store/file-store.js';

export function tempDir(t: { teardown(fn: () => void): void }, prefix = 'certd-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A store on a temporary folder with a fixed KEK, the selection and the policy in memory. */
export async function testStore(dir: string, opts: { kek?: Buffer; policy?: string; deviceId?: ConstructorParameters<typeof FileCertStore>[0]['deviceId']; selection?: ConstructorParameters<typeof FileCertStore>[0]['selection'] } = {}) {
  const env = { selected: FACTORY_HTTPS_ALIAS, policy: opts.policy };
  const kek = opts.kek ?? randomBytes(32);
  const audit = new AuditLog(join(dir, 'log'), 'certd');
  const store = new FileCertStore({
    dir: join(dir, 'state'),
    kek,
    audit,
    selection: opts.selection ?? { get: () => env.selected, set: async (a) => void (env.selected = a) },
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

/**
 * The real parameter store (the device's definitions) on a temporary folder, and certd's SOAP
 * environment on it: params read and written as paramd would (one all-or-nothing batch), the HTTPS
 * selection in `HTTPS.Certificate`, audit lines and TLS holds recorded.
 */
export async function paramsEnv(dir: string, opts: Parameters<typeof testStore>[1] = {}) {
  const db = new ParamDb({ registry: deviceRegistry(sim.simIdentity({ serialNumber: '02BE1F000001', mac: '02:BE:1F:00:00:01' })), dir: join(dir, 'params') });
  db.open();
  const audits: { action: string; fields: Record<string, unknown> }[] = [];
  const holds = { taken: 0, released: 0 };
  const env: SoapEnv = {
    params: {
      get: async (names) => db.get(names, 'internal'),
      update: async (changes) => void db.update(changes, 'internal'),
    },
    audit: (action, fields) => void audits.push({ action, fields }),
    holdTls: () => {
      holds.taken++;
      return () => void holds.released++;
    },
  };
  const selection = { get: () => db.get(['HTTPS.Certificate'], 'internal')['HTTPS.Certificate']!, set: async (alias: string, also?: Record<string, string>) => void db.update({ ...also, 'HTTPS.Certificate': alias }, 'internal') };
  const s = await testStore(dir, { ...opts, selection });
  return { ...s, db, env, audits, holds };
}
