import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { BelfryError } from '@belfry/core';

export const PKCS12_MAX = 128 * 1024;

/**
 * A PKCS#12 file's key and certificates: OpenSSL 3's default (PBES2/AES-256-CBC, SHA-256 MAC) and
 * `-legacy` (RC2-40 and 3DES, SHA-1 MAC) both decode in forge. forge cannot parse EC certificates or
 * keys itself, so each bag's DER goes to node's `X509Certificate` / `createPrivateKey` instead.
 * A wrong password, a damaged file or a file without exactly one key is a 400.
 */
export function readPkcs12(file: Buffer, passphrase: string): { key: KeyObject; certs: X509Certificate[] } {
  if (file.length > PKCS12_MAX) throw new BelfryError('too_large', `a PKCS#12 file of at most ${PKCS12_MAX} bytes`);
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn = forge.asn1.fromDer(forge.util.createBuffer(file.toString('binary')), true);
    p12 = forge.pkcs12.pkcs12FromAsn1(asn, true, passphrase);
  } catch (err) {
    const m = (err as Error).message ?? '';
    if (/password|MAC/i.test(m)) throw new BelfryError('invalid_argument', 'PKCS#12: wrong passphrase');
    throw new BelfryError('invalid_argument', 'PKCS#12: the file cannot be read (truncated, damaged or not PKCS#12)');
  }
  const bagsOf = (type: string) => p12.getBags({ bagType: type })[type] ?? [];
  const keyBags = [...bagsOf(forge.pki.oids.pkcs8ShroudedKeyBag!), ...bagsOf(forge.pki.oids.keyBag!)];
  if (keyBags.length !== 1) throw new BelfryError('invalid_argument', `PKCS#12: expected one private key, found ${keyBags.length}`);
  const kb = keyBags[0]!;
  const keyAsn = kb.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(kb.key)) : (kb as { asn1?: forge.asn1.Asn1 }).asn1;
  if (!keyAsn) throw new BelfryError('invalid_argument', 'PKCS#12: the private key cannot be read');
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(forge.asn1.toDer(keyAsn).getBytes(), 'binary'), format: 'der', type: 'pkcs8' });
  } catch {
    throw new BelfryError('invalid_argument', 'PKCS#12: the private key cannot be read');
  }
  const certs = bagsOf(forge.pki.oids.certBag!).map((b) => {
    const asn = b.cert ? forge.pki.certificateToAsn1(b.cert) : (b as { asn1?: forge.asn1.Asn1 }).asn1;
    try {
      return new X509Certificate(Buffer.from(forge.asn1.toDer(asn!).getBytes(), 'binary'));
    } catch {
      throw new BelfryError('invalid_argument', 'PKCS#12: a certificate cannot be read');
    }
  });
  if (!certs.length) throw new BelfryError('invalid_argument', 'PKCS#12: no certificate');
  return { key, certs };
}
