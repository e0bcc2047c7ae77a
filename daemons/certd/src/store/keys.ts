import { createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { BelfryError } from '@belfry/core';
import { KEY_TYPES, type KeyType } from './types.js';
import { pemBlocks } from './pem.js';

/**
 * The cryptographic policy (param `Cert.CryptoPolicy`): which key types may be made or imported, and
 * the lowest TLS version httpd accepts. `default` is OpenSSL's balance without RSA-1024 (a VMS wants
 * RSA ≥ 2048); `fips` keeps FIPS 140-2's curves (P-256, P-384) and RSA ≥ 2048; `modern` is TLS 1.3
 * only with RSA ≥ 3072; `legacy` admits RSA-1024 for old clients.
 */
export const POLICIES = {
  default: { keyTypes: ['EC-P256', 'EC-P384', 'EC-P521', 'RSA-2048', 'RSA-3072', 'RSA-4096'], minVersion: 'TLSv1.2' },
  fips: { keyTypes: ['EC-P256', 'EC-P384', 'RSA-2048', 'RSA-3072', 'RSA-4096'], minVersion: 'TLSv1.2' },
  modern: { keyTypes: ['EC-P256', 'EC-P384', 'EC-P521', 'RSA-3072', 'RSA-4096'], minVersion: 'TLSv1.3' },
  legacy: { keyTypes: [...KEY_TYPES], minVersion: 'TLSv1.2' },
} as const satisfies Record<string, { keyTypes: readonly KeyType[]; minVersion: 'TLSv1.2' | 'TLSv1.3' }>;
export type PolicyName = keyof typeof POLICIES;
export const policyOf = (name: string | undefined) => POLICIES[name && name in POLICIES ? (name as PolicyName) : 'default'];

/** The key type named in a request (`NIST-P256` = `EC-P256`), before any key is made. */
export function parseKeyType(name: string | undefined): KeyType {
  const n = name === undefined || name === '' ? 'EC-P256' : name === 'NIST-P256' ? 'EC-P256' : name === 'NIST-P384' ? 'EC-P384' : name;
  if ((KEY_TYPES as readonly string[]).includes(n)) return n as KeyType;
  throw new BelfryError('invalid_argument', `key type ${JSON.stringify(String(name).slice(0, 32))}: the keystore has ${KEY_TYPES.join(', ')}`);
}

export function checkPolicy(type: string, policy: string | undefined): void {
  const p = policyOf(policy);
  if (!(p.keyTypes as readonly string[]).includes(type)) throw new BelfryError('invalid_argument', `key type ${type} is not allowed by the cryptographic policy (${p.keyTypes.join(', ')})`);
}

const CURVES: Record<string, { curve: string; hash: string }> = { 'EC-P256': { curve: 'P-256', hash: 'SHA-256' }, 'EC-P384': { curve: 'P-384', hash: 'SHA-384' }, 'EC-P521': { curve: 'P-521', hash: 'SHA-512' } };

/** The webcrypto algorithm that signs with a key of `type` (RSA: PKCS#1 v1.5 with SHA-256). */
export function signingAlgorithm(type: string): { name: string; hash: string; namedCurve?: string } {
  const ec = CURVES[type];
  if (ec) return { name: 'ECDSA', namedCurve: ec.curve, hash: ec.hash };
  return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

/** A new key pair, off the event loop (webcrypto's key generation runs in libuv's pool). */
export async function generateKey(type: KeyType): Promise<webcrypto.CryptoKeyPair> {
  const ec = CURVES[type];
  const alg = ec ? { name: 'ECDSA', namedCurve: ec.curve } : { name: 'RSASSA-PKCS1-v1_5', modulusLength: Number(type.slice(4)), publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  return (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

/** `RSA-2048`, `EC-P256`, … of a key (public or private); other kinds (Ed25519, DSA) are refused. */
export function keyTypeOf(k: KeyObject): string {
  const d = k.asymmetricKeyDetails ?? {};
  if (k.asymmetricKeyType === 'rsa') return `RSA-${d.modulusLength}`;
  if (k.asymmetricKeyType === 'ec') {
    const curve = { prime256v1: 'P256', secp384r1: 'P384', secp521r1: 'P521' }[d.namedCurve ?? ''];
    if (curve) return `EC-${curve}`;
  }
  throw new BelfryError('invalid_argument', `key type ${k.asymmetricKeyType}${d.namedCurve ? ` ${d.namedCurve}` : ''} is not supported (RSA or EC P-256/P-384/P-521)`);
}

/** The largest key accepted from outside (RSA ≤ 4096: a 16,384-bit key is refused before use). */
export function checkKeySize(type: string): void {
  if (!(KEY_TYPES as readonly string[]).includes(type)) throw new BelfryError('invalid_argument', `key type ${type} is not supported (${KEY_TYPES.join(', ')})`);
}

/**
 * A private key from an upload: PEM (`PRIVATE KEY` PKCS#8, `RSA PRIVATE KEY` PKCS#1, `EC PRIVATE KEY`
 * SEC1) or DER of any of those. Encrypted keys are refused (no passphrase in this API).
 */
export function parsePrivateKey(input: string | Buffer): KeyObject {
  const text = typeof input === 'string' ? input : input.toString('latin1');
  const tries: Parameters<typeof createPrivateKey>[0][] = [];
  if (text.includes('-----BEGIN')) {
    const blocks = pemBlocks(text);
    if (blocks.some((b) => b.label === 'ENCRYPTED PRIVATE KEY')) throw new BelfryError('invalid_argument', 'the private key is encrypted: upload it unencrypted or as PKCS#12');
    const b = blocks.find((x) => /^(RSA |EC )?PRIVATE KEY$/.test(x.label));
    if (!b) throw new BelfryError('invalid_argument', 'no private key in the upload');
    tries.push(b.label === 'PRIVATE KEY' ? { key: b.der, format: 'der', type: 'pkcs8' } : b.label === 'RSA PRIVATE KEY' ? { key: b.der, format: 'der', type: 'pkcs1' } : { key: b.der, format: 'der', type: 'sec1' });
  } else {
    const der = typeof input === 'string' ? Buffer.from(input.replace(/\s/g, ''), 'base64') : input;
    for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) tries.push({ key: der, format: 'der', type });
  }
  for (const t of tries) {
    try {
      const k = createPrivateKey(t);
      checkKeySize(keyTypeOf(k));
      return k;
    } catch (err) {
      if (err instanceof BelfryError) throw err;
    }
  }
  throw new BelfryError('invalid_argument', 'the private key cannot be parsed (truncated, or not PKCS#8, PKCS#1 or SEC1)');
}

export function pkcs8Of(k: KeyObject): Buffer {
  return k.export({ format: 'der', type: 'pkcs8' });
}

const spki = (k: KeyObject) => (k.type === 'public' ? k : createPublicKey(k)).export({ format: 'der', type: 'spki' });
export const samePublicKey = (a: KeyObject, b: KeyObject) => spki(a).equals(spki(b));
