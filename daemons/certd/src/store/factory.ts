import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey } from './keys.js';

export interface FactoryHttpsOptions {
  hostname: string;
  serial: string;
  addresses: string[];
}

/**
 * The factory HTTPS certificate (§9.4 factory state): EC P-256, CN = the host name with the subject
 * serialNumber = the device serial (KF's check), SANs the host name, `localhost` and the device's
 * addresses, EKU serverAuth + clientAuth, ten years (httpd's certificate before certd had the same).
 */
export async function makeFactoryHttps(o: FactoryHttpsOptions): Promise<{ key: KeyObject; cert: X509Certificate }> {
  const { parseSans, parseSubject, selfSigned } = await import('./x509.js');
  const keys = await generateKey('EC-P256');
  const now = Date.now();
  const host = /^[A-Za-z0-9-]{1,63}$/.test(o.hostname) ? o.hostname : 'belfry';
  const cert = await selfSigned(keys, {
    subject: parseSubject(`CN=${host},2.5.4.5=${o.serial},O=Belfry`),
    sans: parseSans([`DNS:${host}`, 'DNS:localhost', ...[...new Set(o.addresses)].slice(0, 28).map((a) => `IP:${a}`)]),
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 10 * 365 * 86400_000),
    keyType: 'EC-P256',
  });
  const key = createPrivateKey({ key: Buffer.from(await globalThis.crypto.subtle.exportKey('pkcs8', keys.privateKey)), format: 'der', type: 'pkcs8' });
  return { key, cert };
}

/**
 * The key httpd made before certd existed (`httpd/https.key`, plain PEM, with `https.crt`): taken as
 * the factory certificate when it is valid and matching, and the plain files deleted either way, so
 * no plain private key stays on the device. (The one time certd opens httpd's folder.)
 */
export function takeLegacyHttpdKey(stateRoot: string): { key: KeyObject; cert: X509Certificate } | undefined {
  const dir = join(stateRoot, 'httpd');
  const keyFile = join(dir, 'https.key');
  const certFile = join(dir, 'https.crt');
  if (!existsSync(keyFile)) return undefined;
  try {
    const key = createPrivateKey(readFileSync(keyFile, 'utf8'));
    const cert = new X509Certificate(readFileSync(certFile, 'utf8'));
    if (!cert.checkPrivateKey(key) || new Date(cert.validTo).getTime() <= Date.now()) return undefined;
    return { key, cert };
  } catch {
    return undefined;
  }
}

export function removeLegacyHttpdKey(stateRoot: string): void {
  for (const f of ['https.key', 'https.crt', 'https.key.tmp', 'https.crt.tmp']) rmSync(join(stateRoot, 'httpd', f), { force: true });
}
