import { X509Certificate } from 'node:crypto';
import { BelfryError } from '@belfry/core';

/** PEM as AXIS OS 12.11 emits it: 64-character lines, each ending in `\n` (§9.2). */
export function toPem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** The PEM blocks of a text (any line length, CRLF, with or without a final newline). */
export function pemBlocks(text: string): { label: string; der: Buffer }[] {
  const out: { label: string; der: Buffer }[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const body = m[2]!.replace(/[\r\n\t ]/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new BelfryError('invalid_argument', `malformed PEM block ${m[1]}`);
    out.push({ label: m[1]!, der: Buffer.from(body, 'base64') });
  }
  return out;
}

/**
 * Certificates from an upload: PEM (a leaf followed by its chain), or one DER/CER certificate
 * (binary, or base64 without armour as some tools send CER). Each is parsed; garbage is a 400.
 */
export function parseCertificates(input: string | Buffer): X509Certificate[] {
  const text = typeof input === 'string' ? input : input.toString('latin1');
  let ders: Buffer[];
  if (text.includes('-----BEGIN')) {
    const blocks = pemBlocks(text).filter((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE');
    ders = blocks.map((b) => b.der);
  } else if (typeof input === 'string') {
    const b64 = input.replace(/\s/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new BelfryError('invalid_argument', 'the certificate is neither PEM nor base64 DER');
    ders = [Buffer.from(b64, 'base64')];
  } else ders = [input];
  if (!ders.length) throw new BelfryError('invalid_argument', 'no certificate in the upload');
  if (ders.length > 10) throw new BelfryError('invalid_argument', 'a chain of at most 10 certificates');
  return ders.map((der) => {
    try {
      return new X509Certificate(der);
    } catch {
      throw new BelfryError('invalid_argument', 'the certificate cannot be parsed (truncated or not X.509)');
    }
  });
}

/** A chain as stored and served: each certificate as 64-column PEM. */
export function chainPem(certs: X509Certificate[]): string {
  return certs.map((c) => toPem('CERTIFICATE', c.raw)).join('');
}

/** The SANs of a certificate in the API's `DNS:`/`IP:` form. */
export function sansOf(c: X509Certificate): string[] {
  return (c.subjectAltName ?? '')
    .split(/,\s*/)
    .filter(Boolean)
    .map((s) => s.replace(/^IP Address:/, 'IP:'))
    .filter((s) => /^(DNS|IP):/.test(s));
}
