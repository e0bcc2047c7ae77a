import { createHash } from 'node:crypto';

/** A host key's fingerprints as OpenSSH shows them: MD5 as hex, SHA-256 as unpadded base64. */
export function fingerprints(key: Buffer): { md5: string; sha256: string } {
  return {
    md5: createHash('md5').update(key).digest('hex'),
    sha256: createHash('sha256').update(key).digest('base64').replace(/=+$/, ''),
  };
}

/**
 * Whether a host key matches the configured fingerprints: every one configured must match (MD5 with
 * or without colons, any case; SHA-256 with or without the `SHA256:` prefix), and at least one must be.
 */
export function keyMatches(key: Buffer, md5: string, sha256: string): boolean {
  const f = fingerprints(key);
  const wantMd5 = md5.replace(/:/g, '').toLowerCase();
  const wantSha = sha256.replace(/^SHA256:/, '').replace(/=+$/, '');
  if (!wantMd5 && !wantSha) return false;
  return (!wantMd5 || wantMd5 === f.md5) && (!wantSha || wantSha === f.sha256);
}
