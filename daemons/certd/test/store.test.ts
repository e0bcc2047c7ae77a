import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALIAS_MAX, FACTORY_HTTPS_ALIAS } from '../src/store/file-store.js';
import { code, filesWith, openssl, opensslCa, tempDir, testStore } from './helpers.js';

const who = { user: 'root', via: 'rest' as const };

/** An RSA private key of `bits` as PKCS#8 PEM, made of random numbers (generating a real 16,384-bit key takes minutes; parsing does not check it). */
function rsaKeyOfBits(bits: number): string {
  const n = randomBytes(bits / 8);
  n[0]! |= 0x80;
  const half = () => randomBytes(bits / 16).toString('base64url');
  const jwk = { kty: 'RSA', n: n.toString('base64url'), e: 'AQAB', d: randomBytes(bits / 8).toString('base64url'), p: half(), q: half(), dp: half(), dq: half(), qi: half() };
  return createPrivateKey({ key: jwk, format: 'jwk' }).export({ format: 'pem', type: 'pkcs8' }) as string;
}

t.test('the factory HTTPS certificate: EC P-256, serialNumber, SAN, EKU; the key only wrapped on disk', async (t) => {
  const dir = tempDir(t);
  const { store, stateDir, kek } = await testStore(dir);
  const c = store.get(FACTORY_HTTPS_ALIAS)!;
  t.equal(c.keystore, 'SOFTWARE0');
  const x = new X509Certificate(c.certificate);
  t.match(x.subject, /CN=belfry-test/);
  t.match(x.subject, /serialNumber=02BE1F000001/);
  t.match(x.subjectAltName, /DNS:belfry-test/);
  t.match(x.subjectAltName, /IP Address:127\.0\.0\.1/);
  t.equal(store.details(FACTORY_HTTPS_ALIAS)!.keyType, 'EC-P256');
  t.match(execFileSync('openssl', ['x509', '-noout', '-ext', 'extendedKeyUsage'], { input: c.certificate, encoding: 'utf8' }), /TLS Web Server Authentication, TLS Web Client Authentication/);
  const m = await store.tlsMaterial();
  t.ok(x.checkPrivateKey(createPrivateKey(m.key)), 'the material matches');
  t.match(c.certificate, /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{64}\n)+[A-Za-z0-9+/=]{1,64}\n-----END CERTIFICATE-----\n$/, '64-column PEM ending in a newline');
  t.same(filesWith(dir), [], 'no plain private key on disk');
  t.notOk(JSON.stringify(store.list()).includes('PRIVATE'), 'no key listed');
  // reopened from disk with the same KEK: the same certificate; another KEK cannot open its key
  const again = await testStore(dir, { kek });
  t.equal(again.store.get(FACTORY_HTTPS_ALIAS)!.certificate, c.certificate);
  t.ok(readFileSync(join(stateDir, 'store.json'), 'utf8').includes('"wrappedKey":"v1.'));
});

t.test('create: key types, the synonym, validity 0 = absent, SANs; bad requests refused before a key is made', async (t) => {
  const dir = tempDir(t);
  const { store, env, stateDir } = await testStore(dir);
  await store.create({ alias: 'rsa', subject: 'C=SE,CN=rsa.example', keyType: 'RSA-2048', subjectAltNames: ['DNS:rsa.example', 'IP:192.168.1.50'], validFrom: 0, validTo: 0 }, who);
  const d = store.details('rsa')!;
  t.equal(d.keyType, 'RSA-2048');
  t.same(d.subjectAltNames, ['DNS:rsa.example', 'IP:192.168.1.50']);
  const days = (Date.parse(d.notAfter) - Date.parse(d.notBefore)) / 86400_000;
  t.ok(days > 364 && days < 367, 'a year by default');
  await store.create({ alias: 'nist', subject: 'CN=nist', keyType: 'NIST-P256' }, who);
  t.equal(store.details('nist')!.keyType, 'EC-P256');
  await store.create({ alias: 'p384', subject: 'CN=p384', keyType: 'EC-P384', validFrom: 1700000000, validTo: 1800000000 }, who);
  t.equal(store.details('p384')!.notAfter, new Date(1800000000 * 1000).toISOString());
  t.match(execFileSync('openssl', ['x509', '-noout', '-ext', 'keyUsage'], { input: store.get('rsa')!.certificate, encoding: 'utf8' }), /Digital Signature, Key Encipherment/);

  const before = readFileSync(join(stateDir, 'store.json'), 'utf8');
  const t0 = performance.now();
  t.equal(await code(store.create({ alias: 'huge', subject: 'CN=huge', keyType: 'RSA-16384' }, who)), 'invalid_argument', 'RSA-16384 refused');
  t.ok(performance.now() - t0 < 1000, 'refused before any key generation');
  t.equal(await code(store.create({ alias: 'ctl', subject: 'CN=evil\u0007name', keyType: 'EC-P256' }, who)), 'invalid_argument', 'control characters in the subject');
  t.equal(await code(store.create({ alias: 'ctl', subject: 'not a dn', keyType: 'EC-P256' }, who)), 'invalid_argument');
  t.equal(await code(store.create({ alias: 'san', subject: 'CN=x', subjectAltNames: ['URI:http://x'] }, who)), 'invalid_argument');
  t.equal(await code(store.create({ alias: 'old', subject: 'CN=x', keyType: 'RSA-1024' }, who)), 'invalid_argument', 'RSA-1024 refused by the default policy');
  t.equal(await code(store.create({ alias: 'rsa', subject: 'CN=x' }, who)), 'already_exists', 'duplicate alias');
  t.equal(await code(store.create({ alias: 'x'.repeat(ALIAS_MAX + 1), subject: 'CN=x' }, who)), 'invalid_argument', 'alias over 128');
  t.equal(await code(store.create({ alias: '', subject: 'CN=x' }, who)), 'invalid_argument', 'empty alias');
  t.equal(await code(store.create({ alias: 'ks', subject: 'CN=x', keystore: 'TPM0' }, who)), 'invalid_argument', 'unknown keystore');
  t.equal(readFileSync(join(stateDir, 'store.json'), 'utf8'), before, 'nothing stored');
  await store.create({ alias: 'x'.repeat(ALIAS_MAX), subject: 'CN=x' }, who);
  t.ok(store.get('x'.repeat(ALIAS_MAX)), 'an alias of 128 characters');
  env.policy = 'legacy';
  await store.create({ alias: 'old', subject: 'CN=old', keyType: 'RSA-1024' }, who);
  t.equal(store.details('old')!.keyType, 'RSA-1024', 'RSA-1024 under the legacy policy');
  env.policy = 'fips';
  t.equal(await code(store.create({ alias: 'p521', subject: 'CN=x', keyType: 'EC-P521' }, who)), 'invalid_argument', 'P-521 outside fips');
  t.same(filesWith(dir), []);
});

t.test('CSR, then the CA-signed certificate for the same key with its chain; another key refused', async (t) => {
  const dir = tempDir(t);
  const { store } = await testStore(dir);
  await store.create({ alias: 'vms-https', subject: 'CN=belfry.example', keyType: 'EC-P256', subjectAltNames: ['DNS:belfry.example'] }, who);
  const csr = await store.csr('vms-https', {});
  t.match(csr, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
  t.match(openssl(['req', '-verify', '-noout', '-subject'], dir, csr), /CN\s*=\s*belfry\.example/, 'signature verifies, subject copied');
  const bare = await store.csr('vms-https', { subject: 'CN=other', subjectAltNames: [] });
  t.notMatch(openssl(['req', '-noout', '-text'], dir, bare), /Subject Alternative Name/, 'an empty list leaves the SANs out');
  t.equal(await code(store.csr('vms-https', { subject: 'CN=a\nb' })), 'invalid_argument', 'control characters in a CSR subject');
  const ca = opensslCa(dir);
  const signed = ca.sign(csr, 'DNS:belfry.example');
  // KF's 76-column lines, no final newline, the CA after the leaf
  const b64 = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');
  const as76 = (pem: string) => `-----BEGIN CERTIFICATE-----\n${b64(pem).replace(/(.{76})/g, '$1\n').trim()}\n-----END CERTIFICATE-----`;
  await store.replace('vms-https', `${as76(signed)}\n${ca.pem}`, who);
  const d = store.details('vms-https')!;
  t.match(d.issuer, /CN=Test CA/);
  t.equal(d.chain.length, 1, 'the chain is kept');
  t.equal(await code(store.replace('vms-https', ca.pem, who)), 'invalid_argument', 'another public key');
  t.equal(await code(store.replace('nope', signed, who)), 'not_found');
  t.equal(await code(store.replace('vms-https', signed.slice(0, 200), who)), 'invalid_argument', 'truncated');
  t.equal(store.details('vms-https')!.issuer, d.issuer, 'unchanged by the refusals');
});

t.test('import certificate + key: PKCS#8, PKCS#1, SEC1, DER; mismatch, garbage, 16,384-bit RSA refused', async (t) => {
  const dir = tempDir(t);
  const { store, stateDir } = await testStore(dir);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa.key', '-out', 'rsa.pem', '-subj', '/CN=rsa', '-days', '5'], dir);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', 'ec.key', '-out', 'ec.pem', '-subj', '/CN=ec', '-days', '5'], dir);
  const rsaKey = readFileSync(join(dir, 'rsa.key'), 'utf8');
  const rsaCert = readFileSync(join(dir, 'rsa.pem'), 'utf8');
  const ecCert = readFileSync(join(dir, 'ec.pem'), 'utf8');
  const pkcs1 = openssl(['rsa', '-traditional', '-in', 'rsa.key'], dir);
  t.match(pkcs1, /BEGIN RSA PRIVATE KEY/);
  const sec1 = openssl(['ec', '-in', 'ec.key'], dir);
  t.match(sec1, /BEGIN EC PRIVATE KEY/);
  await store.importPem({ alias: 'p8', certificate: rsaCert, privateKey: rsaKey }, who);
  await store.importPem({ alias: 'p1', certificate: rsaCert, privateKey: pkcs1 }, who);
  await store.importPem({ alias: 'sec1', certificate: ecCert, privateKey: sec1 }, who);
  const der = new X509Certificate(ecCert).raw;
  await store.importPem({ alias: 'der', certificate: der, privateKey: createPrivateKey(sec1).export({ format: 'der', type: 'pkcs8' }) }, who);
  t.equal(store.details('der')!.keyType, 'EC-P384');

  const before = readFileSync(join(stateDir, 'store.json'), 'utf8');
  t.equal(await code(store.importPem({ alias: 'bad', certificate: rsaCert, privateKey: sec1 }, who)), 'invalid_argument', 'certificate does not match its key');
  t.equal(await code(store.importPem({ alias: 'bad', certificate: 'garbage!!', privateKey: rsaKey }, who)), 'invalid_argument', 'garbage certificate');
  t.equal(await code(store.importPem({ alias: 'bad', certificate: rsaCert.slice(0, rsaCert.length / 2) + '\n-----END CERTIFICATE-----\n', privateKey: rsaKey }, who)), 'invalid_argument', 'truncated certificate');
  t.equal(await code(store.importPem({ alias: 'bad', certificate: rsaCert, privateKey: rsaKey.slice(0, 300) + '\n-----END PRIVATE KEY-----\n' }, who)), 'invalid_argument', 'truncated key');
  const big = rsaKeyOfBits(16384);
  t.equal(await code(store.importPem({ alias: 'bad', certificate: rsaCert, privateKey: big }, who)), 'invalid_argument', '16,384-bit RSA key refused');
  t.equal(readFileSync(join(stateDir, 'store.json'), 'utf8'), before, 'nothing stored');
  t.same(filesWith(join(dir, 'state')), []);
});

t.test('PKCS#12 from openssl: the default (AES) and -legacy (RC2/3DES) encodings, wrong password refused', async (t) => {
  const dir = tempDir(t);
  const { store, stateDir } = await testStore(dir);
  const ca = opensslCa(dir, 'P12 CA');
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=leaf'], dir);
  writeFileSync(join(dir, 'leaf.pem'), ca.sign(readFileSync(join(dir, 'leaf.csr'), 'utf8'), 'DNS:leaf'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa.key', '-out', 'rsa.pem', '-subj', '/CN=rsa12', '-days', '5'], dir);
  openssl(['pkcs12', '-export', '-inkey', 'leaf.key', '-in', 'leaf.pem', '-certfile', 'ca.pem', '-passout', 'pass:s3cret', '-out', 'modern.p12'], dir);
  openssl(['pkcs12', '-export', '-legacy', '-inkey', 'rsa.key', '-in', 'rsa.pem', '-passout', 'pass:s3cret', '-out', 'legacy.p12'], dir);
  const modern = readFileSync(join(dir, 'modern.p12'));
  const legacy = readFileSync(join(dir, 'legacy.p12'));
  await store.importPkcs12({ alias: 'modern', pkcs12: modern, passphrase: 's3cret' }, who);
  const d = store.details('modern')!;
  t.equal(d.keyType, 'EC-P256', 'an EC certificate (forge cannot parse it itself)');
  t.equal(d.chain.length, 1, 'the CA from the file is the chain');
  await store.importPkcs12({ alias: 'legacy', pkcs12: legacy, passphrase: 's3cret' }, who);
  t.equal(store.details('legacy')!.keyType, 'RSA-2048');
  const before = readFileSync(join(stateDir, 'store.json'), 'utf8');
  t.equal(await code(store.importPkcs12({ alias: 'x', pkcs12: modern, passphrase: 'wrong' }, who)), 'invalid_argument', 'wrong password (modern)');
  t.equal(await code(store.importPkcs12({ alias: 'x', pkcs12: legacy, passphrase: 'wrong' }, who)), 'invalid_argument', 'wrong password (legacy)');
  t.equal(await code(store.importPkcs12({ alias: 'x', pkcs12: modern.subarray(0, modern.length - 40), passphrase: 's3cret' }, who)), 'invalid_argument', 'truncated');
  t.equal(await code(store.importPkcs12({ alias: 'x', pkcs12: Buffer.from('garbage garbage'), passphrase: 's3cret' }, who)), 'invalid_argument', 'garbage');
  t.equal(await code(store.importPkcs12({ alias: 'modern', pkcs12: modern, passphrase: 's3cret' }, who)), 'already_exists');
  t.equal(readFileSync(join(stateDir, 'store.json'), 'utf8'), before, 'nothing stored');
});

t.test('CA store: the bundle, add, replace, delete; aliases unique across both; factory default', async (t) => {
  const dir = tempDir(t);
  const { store, env } = await testStore(dir);
  const bundled = store.listCa();
  t.ok(bundled.length > 100 && bundled.every((c) => c.bundled), 'the bundled roots');
  t.equal(new Set(bundled.map((c) => c.alias)).size, bundled.length, 'unique aliases');
  const ca = opensslCa(dir, 'Site CA');
  await store.addCa({ alias: 'site', certificate: ca.pem }, who);
  t.equal(await code(store.addCa({ alias: FACTORY_HTTPS_ALIAS, certificate: ca.pem }, who)), 'already_exists', 'alias unique across both stores');
  t.equal(await code(store.create({ alias: 'site', subject: 'CN=x' }, who)), 'already_exists');
  t.equal(await code(store.addCa({ alias: 'two', certificate: ca.pem + ca.pem }, who)), 'invalid_argument', 'one at a time');
  const first = bundled[0]!.alias;
  await store.deleteCa(first, who);
  t.notOk(store.getCa(first), 'a bundled root deleted');
  await store.create({ alias: 'mine', subject: 'CN=mine' }, who);
  await store.selectHttps('mine', who);
  t.equal(await code(store.delete('mine', who)), 'failed_precondition', 'the HTTPS certificate is not deleted while selected');
  env.selected = FACTORY_HTTPS_ALIAS;
  const factoryBefore = store.get(FACTORY_HTTPS_ALIAS)!.certificate;
  await store.factoryReset({ via: 'system' });
  t.same(store.list().map((c) => c.alias), [FACTORY_HTTPS_ALIAS], 'only a factory certificate');
  t.not(store.get(FACTORY_HTTPS_ALIAS)!.certificate, factoryBefore, 'a new one');
  t.ok(store.getCa(first), 'the bundle is back');
  t.notOk(store.getCa('site'), 'added CAs gone');
});

t.test('limit: at most 64 certificates', async (t) => {
  const dir = tempDir(t);
  const { store } = await testStore(dir);
  for (let i = store.list().length; i < 64; i++) await store.create({ alias: `c${i}`, subject: `CN=c${i}` }, who);
  t.equal(await code(store.create({ alias: 'one-more', subject: 'CN=x' }, who)), 'limit_exceeded');
  t.equal(store.list().length, 64);
});

t.test('key generation runs off the event loop; two creates of one alias: one wins', async (t) => {
  const dir = tempDir(t);
  const { store } = await testStore(dir);
  let turns = 0;
  const spin = setInterval(() => turns++, 1);
  await store.create({ alias: 'big', subject: 'CN=big', keyType: 'RSA-4096' }, who);
  clearInterval(spin);
  t.equal(store.details('big')!.keyType, 'RSA-4096');
  t.ok(turns > 1, `the event loop kept turning while the RSA 4096 key was made (${turns} timer turns)`);
  const both = await Promise.all([code(store.create({ alias: 'twin', subject: 'CN=a' }, who)), code(store.create({ alias: 'twin', subject: 'CN=b' }, who))]);
  t.same(both.sort(), ['already_exists', 'ok']);
});
