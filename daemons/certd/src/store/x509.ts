import 'reflect-metadata';
import { createPublicKey, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { BelfryError } from '@belfry/core';
import { keyTypeOf, signingAlgorithm } from './keys.js';
import { toPem } from './pem.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const SUBJECT_MAX = 1024;
export const SAN_MAX = 32;

/**
 * A subject in RFC 4514 (`C=SE,CN=example.com`): at most 1024 characters, no control characters
 * (they would end up in logs and in other devices' parsers), at least one attribute.
 */
export function parseSubject(subject: string): x509.Name {
  if (subject.length > SUBJECT_MAX) throw new BelfryError('invalid_argument', `subject: at most ${SUBJECT_MAX} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(subject)) throw new BelfryError('invalid_argument', 'subject: control characters are not allowed');
  let name: x509.Name;
  try {
    name = new x509.Name(subject);
  } catch {
    throw new BelfryError('invalid_argument', 'subject: not an RFC 4514 distinguished name');
  }
  if (!name.toJSON().length) throw new BelfryError('invalid_argument', 'subject: empty');
  return name;
}

/** `DNS:name`, `IP:addr` → x509 general names. */
export function parseSans(items: string[]): { type: 'dns' | 'ip'; value: string }[] {
  if (items.length > SAN_MAX) throw new BelfryError('invalid_argument', `subject_alt_names: at most ${SAN_MAX}`);
  return items.map((s) => {
    const m = /^(DNS|IP):(.+)$/i.exec(s);
    const value = m?.[2] ?? '';
    if (m && m[1]!.toUpperCase() === 'IP' && isIP(value)) return { type: 'ip' as const, value };
    if (m && m[1]!.toUpperCase() === 'DNS' && /^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}\.)*[A-Za-z0-9_-]{0,63}$/.test(value) && value.length <= 253) return { type: 'dns' as const, value };
    throw new BelfryError('invalid_argument', `subject_alt_names: ${JSON.stringify(s.slice(0, 64))} is not DNS:<name> or IP:<address>`);
  });
}

/** The webcrypto pair of a stored key (the private key stays inside this process). */
export async function cryptoPair(key: KeyObject): Promise<webcrypto.CryptoKeyPair> {
  const alg = signingAlgorithm(keyTypeOf(key));
  const privateKey = await webcrypto.subtle.importKey('pkcs8', key.export({ format: 'der', type: 'pkcs8' }), alg, false, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', createPublicKey(key).export({ format: 'der', type: 'spki' }), alg, true, ['verify']);
  return { privateKey, publicKey };
}

export interface SelfSignedOptions {
  subject: x509.Name;
  sans: { type: 'dns' | 'ip'; value: string }[];
  notBefore: Date;
  notAfter: Date;
  keyType: string;
}

/** A self-signed TLS certificate: key usage by key type, EKU serverAuth + clientAuth, SKI. */
export async function selfSigned(keys: webcrypto.CryptoKeyPair, o: SelfSignedOptions): Promise<X509Certificate> {
  const usage = o.keyType.startsWith('RSA') ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: o.subject,
    notBefore: o.notBefore,
    notAfter: o.notAfter,
    keys,
    signingAlgorithm: signingAlgorithm(o.keyType),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usage, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      ...(o.sans.length ? [new x509.SubjectAlternativeNameExtension(o.sans)] : []),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return new X509Certificate(Buffer.from(cert.rawData));
}

/** A PKCS#10 request for `keys`, bare PEM (64-character lines). */
export async function csr(keys: webcrypto.CryptoKeyPair, keyType: string, subject: x509.Name | undefined, sans: { type: 'dns' | 'ip'; value: string }[]): Promise<string> {
  const req = await x509.Pkcs10CertificateRequestGenerator.create({
    ...(subject ? { name: subject } : {}),
    keys,
    signingAlgorithm: signingAlgorithm(keyType),
    extensions: sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : [],
  });
  return toPem('CERTIFICATE REQUEST', Buffer.from(req.rawData));
}

/** The subject of a certificate as RFC 4514 (for a CSR that copies it). */
export function subjectOf(c: X509Certificate): x509.Name {
  return new x509.X509Certificate(c.raw).subjectName;
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(12))).toString('hex').replace(/^[89a-f]/, '1');
}
