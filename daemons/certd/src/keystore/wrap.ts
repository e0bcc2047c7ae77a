import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Keys at rest: AES-256-GCM under the board's key-encryption key, a fresh 96-bit nonce per wrap,
 * the key's id as additional data (a wrapped key moved to another entry does not open).
 * `v1.<nonce>.<tag>.<ciphertext>`, base64url.
 */
export function wrap(kek: Buffer, id: string, plain: Buffer): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', kek, iv);
  c.setAAD(Buffer.from(id, 'utf8'));
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return ['v1', iv, c.getAuthTag(), ct].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

/** Throws on a wrong KEK, a wrong id or any tampering (GCM's tag). */
export function unwrap(kek: Buffer, id: string, wrapped: string): Buffer {
  const [v, iv, tag, ct] = wrapped.split('.');
  if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('not a wrapped key');
  const d = createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64url'));
  d.setAAD(Buffer.from(id, 'utf8'));
  d.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]);
}
