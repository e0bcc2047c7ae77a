import { rootCertificates } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { chainPem } from './pem.js';

/**
 * The preinstalled CA certificates: Node's built-in root store, which is Mozilla's CA list (what
 * Firefox and Debian's ca-certificates trust for TLS servers), so it ships with the runtime, needs no
 * package, and is updated with Node. Each alias is the root's CN (or O, or OU), made unique.
 * Computed on demand, never stored: the store keeps only which bundled ones were deleted.
 */
let cached: { alias: string; certificate: string }[] | undefined;

export function bundledCas(): { alias: string; certificate: string }[] {
  if (cached) return cached;
  const seen = new Set<string>();
  cached = rootCertificates.map((pem) => {
    const c = new X509Certificate(pem);
    const field = (k: string) => new RegExp(`^${k}=(.+)$`, 'm').exec(c.subject)?.[1];
    const base = (field('CN') ?? field('O') ?? field('OU') ?? c.fingerprint256.slice(0, 23)).slice(0, 120);
    let alias = base;
    for (let i = 2; seen.has(alias); i++) alias = `${base} ${i}`;
    seen.add(alias);
    return { alias, certificate: chainPem([c]) };
  });
  return cached;
}
