import { createPrivateKey, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { BelfryError, DurableFile, type AuditLog } from '@belfry/core';
import { unwrap, wrap } from '../keystore/wrap.js';
import { bundledCas } from './ca-bundle.js';
import { checkPolicy, generateKey, keyTypeOf, parseKeyType, parsePrivateKey, pkcs8Of, samePublicKey } from './keys.js';
import { chainPem, parseCertificates, sansOf, toPem } from './pem.js';
import { KEYSTORE_ID, type CaEntry, type CertDetails, type CertEntry, type CertStore, type CreateOptions, type CsrOptions, type Dot1xBinding, type ImportPemOptions, type ImportPkcs12Options, type StoreChange, type TlsMaterial, type Who } from './types.js';

// @peculiar/x509 (with reflect-metadata) and node-forge are loaded when first needed, not at start:
// a device that only serves its certificates never holds them (measured: certd's memory)
const x509 = () => import('./x509.js');

export const ALIAS_MAX = 128;
/** certificates with keys (the factory ones included) */
export const MAX_CERTIFICATES = 64;
/** CA certificates added beside the bundle */
export const MAX_CA_CERTIFICATES = 256;
export const FACTORY_HTTPS_ALIAS = 'Belfry default HTTPS';
/** CA certificates one 802.1X binding may name */
export const MAX_DOT1X_CAS = 16;

interface CertRecord {
  alias: string;
  certificate: string;
  keystore: string;
  kind: 'user' | 'factory-https';
  /** the additional data the key was wrapped with */
  keyId: string;
  wrappedKey: string;
}

interface StoreState {
  certificates: CertRecord[];
  ca: { alias: string; certificate: string }[];
  /** bundled CAs the administrator deleted (factory default puts them back) */
  removedBundled: string[];
  /** the keystore new keys go to (`settings/keystore`) */
  keystore: string;
  /** the 802.1X client's certificates (absent in stores of earlier firmware: unbound) */
  dot1x?: Dot1xBinding;
}

/** Where the HTTPS selection lives (the param `HTTPS.Certificate`; in tests, memory). */
export interface Selection {
  get(): string;
  /** `also`: other params to write in the same batch */
  set(alias: string, also?: Record<string, string>): Promise<void>;
}

export interface StoreDeps {
  dir: string;
  kek: Buffer;
  audit: AuditLog;
  selection: Selection;
  /** the cryptographic policy in force (`Cert.CryptoPolicy`) */
  policy: () => string | undefined;
  /** the factory identity (listed, never deletable) */
  deviceId?: () => { alias: string; certificate: string; key: () => Promise<KeyObject> } | undefined;
  /** makes the factory HTTPS certificate's key and certificate (hostname, addresses, serial) */
  factoryHttps: () => Promise<{ key: KeyObject; cert: X509Certificate }>;
}

const empty = (): StoreState => ({ certificates: [], ca: [], removedBundled: [], keystore: KEYSTORE_ID });

/**
 * The certificate store in a DurableFile (`certd/store.json` and its copy): certificates with
 * their keys wrapped under the KEK, CA certificates beyond the bundle, the keystore setting. Changes
 * run one at a time (a chain of promises), each checked in full before anything is written, saved
 * before the call returns, then audited and announced.
 */
export class FileCertStore implements CertStore {
  private readonly file: DurableFile<StoreState>;
  private state: StoreState = empty();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(c: StoreChange) => void>();

  constructor(private readonly d: StoreDeps) {
    this.file = new DurableFile<StoreState>(d.dir, 'store', 'belfry-certd-1', (b) => (b && typeof b === 'object' && Array.isArray((b as StoreState).certificates) ? undefined : 'not a certd store'));
  }

  /** Loads the store; a store without the factory HTTPS certificate gets one. */
  async open(): Promise<void> {
    const l = this.file.load();
    if (l.fallback !== 'none') this.d.audit.write('cert.store_fallback', { fallback: l.fallback, problems: l.problems }, 'warn');
    if (l.value) this.state = { ...empty(), ...l.value };
    if (!this.state.certificates.some((c) => c.kind === 'factory-https')) await this.installFactoryHttps({ via: 'system' });
  }

  list(): CertEntry[] {
    const id = this.d.deviceId?.();
    return [...this.state.certificates.map(entry), ...(id ? [{ alias: id.alias, certificate: id.certificate, keystore: KEYSTORE_ID, kind: 'device-id' as const }] : [])];
  }

  get(alias: string): CertEntry | undefined {
    return this.list().find((c) => c.alias === alias);
  }

  details(alias: string): CertDetails | undefined {
    const e = this.get(alias);
    if (!e) return undefined;
    const [leaf, ...chain] = parseCertificates(e.certificate);
    return {
      alias,
      subject: leaf!.subject.replace(/\n/g, ', '),
      issuer: leaf!.issuer.replace(/\n/g, ', '),
      serialNumber: leaf!.serialNumber,
      notBefore: new Date(leaf!.validFrom).toISOString(),
      notAfter: new Date(leaf!.validTo).toISOString(),
      keyType: keyTypeOf(leaf!.publicKey),
      subjectAltNames: sansOf(leaf!),
      fingerprint256: leaf!.fingerprint256,
      selfSigned: leaf!.checkIssued(leaf!) && leaf!.verify(leaf!.publicKey),
      chain: chain.map((c) => toPem('CERTIFICATE', c.raw)),
    };
  }

  async create(o: CreateOptions, who: Who): Promise<CertEntry> {
    // everything a request can get wrong is checked before a key is made (RSA 4096 takes seconds)
    const type = parseKeyType(o.keyType);
    const { parseSans, parseSubject, selfSigned } = await x509();
    checkPolicy(type, this.d.policy());
    this.checkKeystore(o.keystore);
    const subject = parseSubject(o.subject);
    const sans = parseSans(o.subjectAltNames ?? []);
    const from = o.validFrom ? new Date(o.validFrom * 1000) : new Date();
    const to = o.validTo ? new Date(o.validTo * 1000) : new Date(from.getTime() + 365 * 86400_000);
    if (!(to > from) || to.getUTCFullYear() > 9999) throw new BelfryError('invalid_argument', 'valid_to must be after valid_from (and before the year 10000)');
    this.checkNewAlias(o.alias, 'certificates');
    const keys = await generateKey(type);
    const cert = await selfSigned(keys, { subject, sans, notBefore: from, notAfter: to, keyType: type });
    const key = createPrivateKey({ key: Buffer.from(await globalThis.crypto.subtle.exportKey('pkcs8', keys.privateKey)), format: 'der', type: 'pkcs8' });
    return this.addCert(o.alias, [cert], key, 'user', who, 'cert.created', { keyType: type });
  }

  async csr(alias: string, o: CsrOptions): Promise<string> {
    const { cryptoPair, csr, parseSans, parseSubject, subjectOf } = await x509();
    const rec = this.record(alias);
    const key = rec ? this.keyOf(rec) : await this.deviceIdKey(alias);
    const leaf = parseCertificates(this.get(alias)!.certificate)[0]!;
    const subject = o.subject === undefined ? subjectOf(leaf) : o.subject === '' ? undefined : parseSubject(o.subject);
    const sans = o.subjectAltNames === undefined ? parseSans(sansOf(leaf)) : parseSans(o.subjectAltNames);
    return csr(await cryptoPair(key), keyTypeOf(key), subject, sans);
  }

  async replace(alias: string, certificate: string | Buffer, who: Who): Promise<void> {
    const certs = parseCertificates(certificate);
    await this.locked(async () => {
      const rec = this.record(alias);
      if (!rec) throw this.notFoundOrFixed(alias);
      if (!samePublicKey(certs[0]!.publicKey, this.keyOf(rec))) throw new BelfryError('invalid_argument', 'the certificate is for another public key than the one of this alias');
      this.save({ ...this.state, certificates: this.state.certificates.map((c) => (c.alias === alias ? { ...c, certificate: chainPem(certs) } : c)) });
    });
    this.changed('cert.replaced', who, { alias, subject: certs[0]!.subject.replace(/\n/g, ', '), chain: certs.length - 1 }, { kind: 'certificates', alias });
  }

  async importPem(o: ImportPemOptions, who: Who): Promise<CertEntry> {
    this.checkKeystore(o.keystore);
    const certs = parseCertificates(o.certificate);
    const key = parsePrivateKey(o.privateKey);
    return this.importPair(o.alias, certs, key, who, 'cert.imported');
  }

  async importPkcs12(o: ImportPkcs12Options, who: Who): Promise<CertEntry> {
    this.checkKeystore(o.keystore);
    const { readPkcs12 } = await import('./pkcs12.js');
    const { key, certs } = readPkcs12(o.pkcs12, o.passphrase);
    const i = certs.findIndex((c) => samePublicKey(c.publicKey, key));
    if (i < 0) throw new BelfryError('invalid_argument', 'PKCS#12: no certificate matches the private key');
    return this.importPair(o.alias, [certs[i]!, ...certs.filter((_, j) => j !== i)], key, who, 'cert.imported_pkcs12');
  }

  async delete(alias: string, who: Who): Promise<void> {
    await this.locked(async () => {
      if (!this.record(alias)) throw this.notFoundOrFixed(alias);
      this.checkUnused(alias);
      this.save({ ...this.state, certificates: this.state.certificates.filter((c) => c.alias !== alias) });
    });
    this.changed('cert.deleted', who, { alias }, { kind: 'certificates', alias });
  }

  listCa(): CaEntry[] {
    const removed = new Set(this.state.removedBundled);
    return [...bundledCas().filter((c) => !removed.has(c.alias)).map((c) => ({ ...c, bundled: true })), ...this.state.ca.map((c) => ({ ...c, bundled: false }))];
  }

  /** the CA certificates an administrator added (without building the bundle's list) */
  addedCas(): CaEntry[] {
    return this.state.ca.map((c) => ({ ...c, bundled: false }));
  }

  getCa(alias: string): CaEntry | undefined {
    return this.listCa().find((c) => c.alias === alias);
  }

  async addCa(o: { alias: string; certificate: string | Buffer }, who: Who): Promise<CaEntry> {
    const certs = parseCertificates(o.certificate);
    if (certs.length !== 1) throw new BelfryError('invalid_argument', 'one CA certificate at a time');
    await this.locked(async () => {
      this.checkNewAlias(o.alias, 'ca_certificates');
      this.save({ ...this.state, ca: [...this.state.ca, { alias: o.alias, certificate: chainPem(certs) }] });
    });
    this.changed('cert.ca_added', who, { alias: o.alias, subject: certs[0]!.subject.replace(/\n/g, ', ') }, { kind: 'ca_certificates', alias: o.alias });
    return this.getCa(o.alias)!;
  }

  async replaceCa(alias: string, certificate: string | Buffer, who: Who): Promise<void> {
    const certs = parseCertificates(certificate);
    if (certs.length !== 1) throw new BelfryError('invalid_argument', 'one CA certificate at a time');
    await this.locked(async () => {
      const cur = this.getCa(alias);
      if (!cur) throw new BelfryError('not_found', `ca_certificates/${alias}`);
      if (!samePublicKey(certs[0]!.publicKey, new X509Certificate(cur.certificate).publicKey)) throw new BelfryError('invalid_argument', 'the certificate is for another public key than the one of this alias');
      // a bundled one replaced becomes the administrator's
      const removedBundled = cur.bundled ? [...this.state.removedBundled, alias] : this.state.removedBundled;
      this.save({ ...this.state, removedBundled, ca: [...this.state.ca.filter((c) => c.alias !== alias), { alias, certificate: chainPem(certs) }] });
    });
    this.changed('cert.ca_replaced', who, { alias }, { kind: 'ca_certificates', alias });
  }

  async deleteCa(alias: string, who: Who): Promise<void> {
    await this.locked(async () => {
      const cur = this.getCa(alias);
      if (!cur) throw new BelfryError('not_found', `ca_certificates/${alias}`);
      this.checkUnused(alias);
      this.save(cur.bundled ? { ...this.state, removedBundled: [...this.state.removedBundled, alias] } : { ...this.state, ca: this.state.ca.filter((c) => c.alias !== alias) });
    });
    this.changed('cert.ca_deleted', who, { alias }, { kind: 'ca_certificates', alias });
  }

  httpsAlias(): string {
    return this.d.selection.get();
  }

  async selectHttps(alias: string, who: Who, also?: Record<string, string>): Promise<void> {
    if (!this.record(alias)) throw this.notFoundOrFixed(alias, 'the device ID is for 802.1AR identity, not for HTTPS');
    await this.d.selection.set(alias, also);
    this.changed('cert.https_selected', who, { alias }, { kind: 'https', alias });
  }

  /** Checks a selection before it is stored (the param's veto): the alias must have a key here. */
  checkSelectable(alias: string): void {
    if (!this.record(alias)) throw new BelfryError('invalid_argument', `no certificate with a key named ${JSON.stringify(alias.slice(0, 128))}`);
  }

  /** The HTTPS certificate `alias` has a key `policy` allows (a selection, or a policy change, must leave httpd a usable certificate). */
  checkHttpsPolicy(alias: string, policy: string | undefined): void {
    const rec = this.record(alias);
    if (rec) checkPolicy(keyTypeOf(new X509Certificate(rec.certificate).publicKey), policy);
  }

  async tlsMaterial(alias = this.httpsAlias()): Promise<TlsMaterial> {
    // a selection that went away (factory default) falls back to the factory certificate
    const rec = this.record(alias) ?? this.state.certificates.find((c) => c.kind === 'factory-https');
    if (!rec) throw new BelfryError('unavailable', 'no HTTPS certificate yet');
    return { alias: rec.alias, key: this.keyOf(rec).export({ format: 'pem', type: 'pkcs8' }) as string, cert: rec.certificate };
  }

  keystore(): string {
    return this.state.keystore;
  }

  policyName(): string | undefined {
    return this.d.policy();
  }

  async setKeystore(id: string, who: Who): Promise<void> {
    this.checkKeystore(id);
    await this.locked(async () => this.save({ ...this.state, keystore: id }));
    this.changed('cert.keystore_set', who, { keystore: id }, { kind: 'certificates' });
  }

  dot1x(): Dot1xBinding {
    const b = this.state.dot1x;
    return { client: b?.client ?? '', ca: [...(b?.ca ?? [])] };
  }

  async setDot1x(b: Dot1xBinding, who: Who): Promise<void> {
    const next = { client: b.client, ca: [...new Set(b.ca)] };
    await this.locked(async () => {
      // a client certificate needs its key here (the device ID's is the board's); CAs are in the CA store
      if (next.client && !this.record(next.client) && this.d.deviceId?.()?.alias !== next.client) throw new BelfryError('not_found', `certificates/${next.client}`);
      if (next.ca.length > MAX_DOT1X_CAS) throw new BelfryError('limit_exceeded', `at most ${MAX_DOT1X_CAS} CA certificates for 802.1X`);
      for (const ca of next.ca) if (!this.getCa(ca)) throw new BelfryError('not_found', `ca_certificates/${ca}`);
      this.save({ ...this.state, dot1x: next });
    });
    this.changed('cert.dot1x_bound', who, { client: next.client, ca: next.ca }, { kind: 'dot1x' });
  }

  usedBy(alias: string): string | undefined {
    if (this.d.selection.get() === alias) return 'HTTPS';
    const b = this.state.dot1x;
    if (b && (b.client === alias || b.ca.includes(alias))) return '802.1X';
    return undefined;
  }

  onChange(fn: (c: StoreChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async factoryReset(who: Who): Promise<void> {
    await this.locked(async () => {
      const { key, cert } = await this.d.factoryHttps();
      this.save({ ...empty(), certificates: [this.newRecord(FACTORY_HTTPS_ALIAS, [cert], key, 'factory-https')] });
    });
    this.changed('cert.factory_default', who, {}, { kind: 'reset' });
  }

  // ——— inside ———

  private async installFactoryHttps(who: Who): Promise<void> {
    const { key, cert } = await this.d.factoryHttps();
    await this.addCert(FACTORY_HTTPS_ALIAS, [cert], key, 'factory-https', who, 'cert.factory_https_created', {}, true);
  }

  private async importPair(alias: string, certs: X509Certificate[], key: KeyObject, who: Who, action: string): Promise<CertEntry> {
    const type = keyTypeOf(key);
    checkPolicy(type, this.d.policy());
    if (!samePublicKey(certs[0]!.publicKey, key)) throw new BelfryError('invalid_argument', 'the certificate does not match the private key');
    return this.addCert(alias, certs, key, 'user', who, action, { keyType: type });
  }

  private async addCert(alias: string, certs: X509Certificate[], key: KeyObject, kind: CertRecord['kind'], who: Who, action: string, fields: Record<string, unknown>, replaceFactory = false): Promise<CertEntry> {
    await this.locked(async () => {
      const rest = replaceFactory ? this.state.certificates.filter((c) => c.alias !== alias) : this.state.certificates;
      if (!replaceFactory) this.checkNewAlias(alias, 'certificates');
      this.save({ ...this.state, certificates: [...rest, this.newRecord(alias, certs, key, kind)] });
    });
    this.changed(action, who, { alias, ...fields }, { kind: 'certificates', alias });
    return this.get(alias)!;
  }

  private newRecord(alias: string, certs: X509Certificate[], key: KeyObject, kind: CertRecord['kind']): CertRecord {
    const keyId = randomUUID();
    return { alias, certificate: chainPem(certs), keystore: this.state.keystore, kind, keyId, wrappedKey: wrap(this.d.kek, keyId, pkcs8Of(key)) };
  }

  private keyOf(rec: CertRecord): KeyObject {
    return createPrivateKey({ key: unwrap(this.d.kek, rec.keyId, rec.wrappedKey), format: 'der', type: 'pkcs8' });
  }

  private async deviceIdKey(alias: string): Promise<KeyObject> {
    const id = this.d.deviceId?.();
    if (!id || id.alias !== alias) throw new BelfryError('not_found', `certificates/${alias}`);
    return id.key();
  }

  private record(alias: string): CertRecord | undefined {
    return this.state.certificates.find((c) => c.alias === alias);
  }

  private notFoundOrFixed(alias: string, why = 'the device ID is installed at the factory: it cannot be changed or deleted'): BelfryError {
    return this.d.deviceId?.()?.alias === alias ? new BelfryError('failed_precondition', why) : new BelfryError('not_found', `certificates/${alias}`);
  }

  /** 1–128 characters, no control characters, unique across both stores, within the caps. */
  private checkNewAlias(alias: string, where: 'certificates' | 'ca_certificates'): void {
    // eslint-disable-next-line no-control-regex
    if (typeof alias !== 'string' || alias.length < 1 || alias.length > ALIAS_MAX || /[\u0000-\u001f\u007f/]/.test(alias)) throw new BelfryError('invalid_argument', `alias: 1–${ALIAS_MAX} characters, no control characters or '/'`);
    if (this.get(alias) || this.getCa(alias)) throw new BelfryError('already_exists', `the alias ${alias} is taken`);
    if (where === 'certificates' && this.state.certificates.length >= MAX_CERTIFICATES) throw new BelfryError('limit_exceeded', `at most ${MAX_CERTIFICATES} certificates`);
    if (where === 'ca_certificates' && this.state.ca.length >= MAX_CA_CERTIFICATES) throw new BelfryError('limit_exceeded', `at most ${MAX_CA_CERTIFICATES} CA certificates besides the bundle`);
  }

  /** A certificate in use (served on HTTPS, bound to 802.1X) is not deleted: the user unbinds it first. */
  private checkUnused(alias: string): void {
    const use = this.usedBy(alias);
    if (use === 'HTTPS') throw new BelfryError('failed_precondition', `${alias} is the HTTPS certificate: select another first`);
    if (use) throw new BelfryError('failed_precondition', `${alias} is in use by ${use}: unbind it first`);
  }

  private checkKeystore(id: string | undefined): void {
    if (id !== undefined && id !== KEYSTORE_ID) throw new BelfryError('invalid_argument', `keystore ${JSON.stringify(String(id).slice(0, 32))}: the device has ${KEYSTORE_ID}`);
  }

  private save(next: StoreState): void {
    this.file.save(next);
    this.state = next;
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private changed(action: string, who: Who, fields: Record<string, unknown>, c: StoreChange): void {
    this.d.audit.write(action, { ...fields, user: who.user, via: who.via });
    for (const fn of this.listeners) fn(c);
  }
}

function entry(r: CertRecord): CertEntry {
  return { alias: r.alias, certificate: r.certificate, keystore: r.keystore, kind: r.kind };
}
