import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The SIP TLS listener's certificate: a self-signed EC P-256 one of sipd's own, made with the
 * openssl tool at first start (`<state>/sip-tls.key`, `sip-tls.crt`, mode 0600), until certd hands
 * out the device's certificate. Without openssl there is no TLS listener (outgoing TLS still works).
 */
export async function sipTlsMaterial(dir: string, address: string): Promise<{ key: string; cert: string } | undefined> {
  const keyFile = join(dir, 'sip-tls.key');
  const certFile = join(dir, 'sip-tls.crt');
  const read = () => ({ key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') });
  if (existsSync(keyFile) && existsSync(certFile)) {
    try {
      const m = read();
      if (new Date(new X509Certificate(m.cert).validTo) > new Date()) return m;
    } catch {
      // damaged: made again below
    }
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const san = /^\d+\.\d+\.\d+\.\d+$/.test(address) ? `IP:${address}` : `DNS:${address}`;
  try {
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650', '-subj', '/CN=belfry-sip', '-addext', `subjectAltName=${san}`, '-keyout', `${keyFile}.tmp`, '-out', `${certFile}.tmp`], { timeout: 20_000 });
  } catch {
    return undefined;
  }
  chmodSync(`${keyFile}.tmp`, 0o600);
  renameSync(`${keyFile}.tmp`, keyFile);
  renameSync(`${certFile}.tmp`, certFile);
  return read();
}
