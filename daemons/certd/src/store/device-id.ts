import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { BoardSecurity } from '@belfry/board';
import { wrap } from '../keystore/wrap.js';
import { generateKey } from './keys.js';
import { chainPem } from './pem.js';
// the crypto provider x509 signs with
import './x509.js';
import { DEVICE_ID_KEY } from './device-id-source.js';

/** IEEE 802.1AR: an IDevID has no well-defined expiry (GeneralizedTime 99991231235959Z) */
const FOREVER = new Date(Date.UTC(9999, 11, 31, 23, 59, 59));

/**
 * The simulated board's "factory": a Belfry device-ID root and one intermediate, both made here,
 * issue the device's IEEE 802.1AR-style identity (EC P-256, subject `serialNumber=<serial>`,
 * AKI/SKI on every certificate). The CA keys exist only for the issuing and are then dropped, as a
 * factory keeps its keys in its own HSM; the device keeps its leaf, the chain, and its key wrapped
 * under `kek('device-id')` in the board's factory data. A real board comes provisioned.
 */
export async function provisionSimDeviceId(security: BoardSecurity, serial: string): Promise<void> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const [root, inter, leaf] = await Promise.all([generateKey('EC-P256'), generateKey('EC-P256'), generateKey('EC-P256')]);
  const ca = (pathLen: number) => [new x509.BasicConstraintsExtension(true, pathLen, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)];
  const now = new Date();
  const rootCert = await x509.X509CertificateGenerator.create({
    subject: 'CN=Belfry Simulated Device ID Root CA, O=Belfry',
    issuer: 'CN=Belfry Simulated Device ID Root CA, O=Belfry',
    notBefore: now,
    notAfter: FOREVER,
    publicKey: root.publicKey,
    signingKey: root.privateKey,
    signingAlgorithm: alg,
    extensions: [...ca(1), await x509.SubjectKeyIdentifierExtension.create(root.publicKey), await x509.AuthorityKeyIdentifierExtension.create(root.publicKey)],
  });
  const interCert = await x509.X509CertificateGenerator.create({
    subject: 'CN=Belfry Simulated Device ID Issuing CA, O=Belfry',
    issuer: rootCert.subject,
    notBefore: now,
    notAfter: FOREVER,
    publicKey: inter.publicKey,
    signingKey: root.privateKey,
    signingAlgorithm: alg,
    extensions: [...ca(0), await x509.SubjectKeyIdentifierExtension.create(inter.publicKey), await x509.AuthorityKeyIdentifierExtension.create(root.publicKey)],
  });
  const leafCert = await x509.X509CertificateGenerator.create({
    subject: `2.5.4.5=${serial}`,
    issuer: interCert.subject,
    notBefore: now,
    notAfter: FOREVER,
    publicKey: leaf.publicKey,
    signingKey: inter.privateKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth, x509.ExtendedKeyUsage.serverAuth]),
      await x509.SubjectKeyIdentifierExtension.create(leaf.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(inter.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await globalThis.crypto.subtle.exportKey('pkcs8', leaf.privateKey));
  const node = (c: x509.X509Certificate) => new X509Certificate(Buffer.from(c.rawData));
  security.provisionDeviceId({
    certificate: chainPem([node(leafCert)]),
    chain: [node(interCert), node(rootCert)].map((c) => chainPem([c])),
    wrappedKey: wrap(await security.kek(DEVICE_ID_KEY), DEVICE_ID_KEY, pkcs8),
  });
}
