import 'reflect-metadata';
import { webcrypto, createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

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
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = new Date();
  const names = [
    { type: 'dns' as const, value: opts.hostname },
    { type: 'dns' as const, value: 'localhost' },
    ...opts.addresses.map((a) => ({ type: 'ip' as const, value: a })),
  ];
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(12))).toString('hex').replace(/^[89a-f]/, '1'),
    name: `CN=${opts.hostname}, 2.5.4.5=${opts.serial}, O=Belfry`,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + 10 * 365 * 86400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const m: TlsMaterial = {
    key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n').trim()}\n-----END PRIVATE KEY-----\n`,
    cert: cert.toString('pem') + '\n',
  };
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
