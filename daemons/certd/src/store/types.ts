/**
 * The certificate store's interface: what certd's REST API, its SOAP service (`soap/`) and httpd's
 * TLS material are built on. One store for both families (§9: a SOAP `CertificateID` is a REST
 * `alias`). Every method that changes something takes `who` for its audit line and throws a
 * `BelfryError` (`not_found`, `invalid_argument`, `already_exists`, `failed_precondition`,
 * `limit_exceeded`, `too_large`) that each API maps to its own wire shape; a refused call changes
 * nothing. No method returns a private key, except `tlsMaterial` (httpd's RPC only).
 */

/** The on-device key type enum (§9.2); `NIST-P256` is accepted as a synonym of `EC-P256`. */
export const KEY_TYPES = ['EC-P256', 'EC-P384', 'EC-P521', 'RSA-1024', 'RSA-2048', 'RSA-3072', 'RSA-4096'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** The one keystore (§9.2: ids are opaque; Belfry's is software under the board's KEK). */
export const KEYSTORE_ID = 'SOFTWARE0';

/** Who made a change, for the audit line (the front door's user, or the bus caller). */
export interface Who {
  user?: string;
  via: 'rest' | 'soap' | 'param' | 'rpc' | 'system';
}

/** A client certificate with its private key in the keystore. */
export interface CertEntry {
  alias: string;
  /** the leaf then its chain, PEM, 64-character lines each ending in `\n` */
  certificate: string;
  keystore: string;
  /** `device-id`: the factory identity, listed and readable, not deletable nor replaceable */
  kind: 'user' | 'factory-https' | 'device-id';
}

/** A parsed certificate, for the details views (REST details, SOAP GetCertificateInformation). */
export interface CertDetails {
  alias: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  /** `RSA-2048`, `EC-P256`, … */
  keyType: string;
  subjectAltNames: string[];
  fingerprint256: string;
  selfSigned: boolean;
  /** PEM of each certificate after the leaf */
  chain: string[];
}

export interface CaEntry {
  alias: string;
  certificate: string;
  /** one of the preinstalled bundle (factory default puts them back) */
  bundled: boolean;
}

export interface CreateOptions {
  alias: string;
  /** RFC 4514, `C=SE,CN=example.com` */
  subject: string;
  /** default `EC-P256`; `NIST-P256` accepted */
  keyType?: string;
  keystore?: string;
  /** `DNS:name`, `IP:addr` */
  subjectAltNames?: string[];
  /** Unix seconds; 0 or absent = now */
  validFrom?: number;
  /** Unix seconds; 0 or absent = validFrom + 1 year */
  validTo?: number;
}

export interface CsrOptions {
  /** absent: the certificate's; empty: left out */
  subject?: string;
  subjectAltNames?: string[];
}

export interface ImportPemOptions {
  alias: string;
  /** PEM (one or more certificates, the leaf first), DER or CER */
  certificate: string | Buffer;
  /** PEM or DER: PKCS#8, PKCS#1 (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`) */
  privateKey: string | Buffer;
  keystore?: string;
}

export interface ImportPkcs12Options {
  alias: string;
  pkcs12: Buffer;
  passphrase: string;
  keystore?: string;
}

/** What httpd serves: the key (PEM, in memory only) and the leaf with its chain. */
export interface TlsMaterial {
  alias: string;
  key: string;
  cert: string;
}

/**
 * The 802.1X client's certificates (§9.5, token `EAPTLS_WIRED`): the client certificate (an alias
 * with a key; empty = unbound) and the CA certificates the authentication server must chain to.
 * Bound certificates are not deletable while bound.
 */
export interface Dot1xBinding {
  client: string;
  ca: string[];
}

/** What changed, for listeners (httpd's reload event, the SOAP service, expiry checks). */
export type StoreChange = { kind: 'certificates' | 'ca_certificates' | 'https' | 'reset' | 'dot1x'; alias?: string };

export interface CertStore {
  list(): CertEntry[];
  get(alias: string): CertEntry | undefined;
  details(alias: string): CertDetails | undefined;
  create(o: CreateOptions, who: Who): Promise<CertEntry>;
  /** a PKCS#10 request for the key of `alias`, bare PEM */
  csr(alias: string, o: CsrOptions): Promise<string>;
  /** a CA-signed certificate (and chain) for the same public key */
  replace(alias: string, certificate: string | Buffer, who: Who): Promise<void>;
  importPem(o: ImportPemOptions, who: Who): Promise<CertEntry>;
  importPkcs12(o: ImportPkcs12Options, who: Who): Promise<CertEntry>;
  delete(alias: string, who: Who): Promise<void>;

  listCa(): CaEntry[];
  getCa(alias: string): CaEntry | undefined;
  addCa(o: { alias: string; certificate: string | Buffer }, who: Who): Promise<CaEntry>;
  replaceCa(alias: string, certificate: string | Buffer, who: Who): Promise<void>;
  deleteCa(alias: string, who: Who): Promise<void>;

  /** the alias httpd serves */
  httpsAlias(): string;
  /** `also`: other params written in the same batch as `HTTPS.Certificate` (the web server's TLS settings) */
  selectHttps(alias: string, who: Who, also?: Record<string, string>): Promise<void>;
  /** the key and chain of `alias` (default: the HTTPS one), for httpd's RPC only */
  tlsMaterial(alias?: string): Promise<TlsMaterial>;

  /** the 802.1X binding (`{client: '', ca: []}` when unbound) */
  dot1x(): Dot1xBinding;
  /** binds 802.1X to a certificate with a key and CA certificates, all checked to exist first */
  setDot1x(b: Dot1xBinding, who: Who): Promise<void>;
  /** what keeps `alias` from being deleted: `HTTPS`, `802.1X`, or undefined */
  usedBy(alias: string): string | undefined;

  onChange(fn: (c: StoreChange) => void): () => void;
  /** factory default: everything deleted, the bundled CAs and a new default HTTPS certificate */
  factoryReset(who: Who): Promise<void>;
}
