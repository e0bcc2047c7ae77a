import { BelfryError, DurableFile, type AuditLog } from '@belfry/core';

export type SipTransportName = 'udp' | 'tcp' | 'tls';

/** A SIP account as stored (the password only here: never listed, logged or returned). */
export interface SipAccount {
  id: string;
  name: string;
  /** User ID: the extension or number (the user part of the device's SIP address) */
  user: string;
  /** true = registered with a SIP server; false = peer-to-peer */
  registered: boolean;
  domain: string | null;
  password: string | null;
  authId: string | null;
  callerId: string;
  /** host[:port] of the registrar (registered accounts) */
  registrar: string | null;
  /** host[:port] of the secondary SIP server (failover) */
  secondary: string | null;
  transport: SipTransportName;
  verifyTls: boolean;
  isDefault: boolean;
  active: boolean;
  autoAnswer: boolean;
  dtmfRtp: boolean;
  dtmfInfo: boolean;
  /** outbound proxies (host[:port]), Priority 1 tried first; absent in files written before them */
  proxies?: SipProxy[];
}

export interface SipProxy {
  uri: string;
  priority: number;
}

/** At most this many proxies per account. */
export const MAX_PROXIES = 4;
export const MAX_PROXY_PRIORITY = 100;

/** An account's proxy addresses in the order they are tried: by priority, then as listed. */
export function sortedProxies(a: SipAccount): string[] {
  return [...(a.proxies ?? [])].map((p, i) => ({ ...p, i })).sort((x, y) => x.priority - y.priority || x.i - y.i).map((p) => p.uri);
}

/** What callers see of an account: everything but the password. */
export type PublicAccount = Omit<SipAccount, 'password'> & { hasPassword: boolean };

export const MAX_ACCOUNTS = 8;
export const P2P_ID = 'sip_account_p2p';

const USER_RE = /^[A-Za-z0-9._~!$&'()*+=%-]{1,64}$/;
const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*)(?::(\d{1,5}))?$/;
// printable characters only (no controls), checked by code point: eslint refuses control ranges in regexes
const printable = (s: string) => [...s].every((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f);
const TEXT_RE = { test: (s: string) => s.length <= 64 && printable(s) && !/["\\<>]/.test(s) };
const SECRET_RE = { test: (s: string) => s.length <= 128 && printable(s) };

/** The automatically created peer-to-peer default account. */
export const p2pAccount = (): SipAccount => ({
  id: P2P_ID,
  name: 'Peer to peer',
  user: 'belfry',
  registered: false,
  domain: null,
  password: null,
  authId: null,
  callerId: '',
  registrar: null,
  secondary: null,
  transport: 'udp',
  verifyTls: false,
  isDefault: true,
  active: true,
  autoAnswer: true,
  dtmfRtp: true,
  dtmfInfo: true,
});

function checkHost(what: string, v: string | null): void {
  if (v === null) return;
  const m = HOST_RE.exec(v);
  if (!m || v.length > 255 || (m[1] !== undefined && (Number(m[1]) < 1 || Number(m[1]) > 65535))) throw new BelfryError('invalid_argument', `${what} must be a host name or IPv4 address with an optional :port`);
}

/** Checks a whole account; throws `invalid_argument` naming the field. */
export function checkAccount(a: SipAccount): void {
  if (!USER_RE.test(a.user)) throw new BelfryError('invalid_argument', 'the user ID must be 1–64 SIP user characters');
  if (!TEXT_RE.test(a.name)) throw new BelfryError('invalid_argument', 'the name must be at most 64 characters without quotes or control characters');
  if (!TEXT_RE.test(a.callerId)) throw new BelfryError('invalid_argument', 'the caller ID must be at most 64 characters without quotes or control characters');
  if (a.password !== null && !SECRET_RE.test(a.password)) throw new BelfryError('invalid_argument', 'the password must be at most 128 characters without control characters');
  if (a.authId !== null && !USER_RE.test(a.authId)) throw new BelfryError('invalid_argument', 'the authentication ID must be 1–64 SIP user characters');
  checkHost('the domain', a.domain);
  checkHost('the registrar', a.registrar);
  checkHost('the secondary SIP server', a.secondary);
  if (!['udp', 'tcp', 'tls'].includes(a.transport)) throw new BelfryError('invalid_argument', 'the transport must be udp, tcp or tls');
  const proxies = a.proxies ?? [];
  if (proxies.length > MAX_PROXIES) throw new BelfryError('invalid_argument', `at most ${MAX_PROXIES} proxies`);
  for (const p of proxies) {
    checkHost('a proxy', p.uri);
    if (!Number.isInteger(p.priority) || p.priority < 1 || p.priority > MAX_PROXY_PRIORITY) throw new BelfryError('invalid_argument', `a proxy's priority must be an integer 1–${MAX_PROXY_PRIORITY} (1 is tried first)`);
  }
  if (new Set(proxies.map((p) => p.uri.toLowerCase())).size !== proxies.length) throw new BelfryError('invalid_argument', 'a proxy is listed twice');
  if (a.registered && !a.registrar) throw new BelfryError('invalid_argument', 'a registered account needs a registrar');
}

export const publicAccount = (a: SipAccount): PublicAccount => {
  const { password, ...rest } = a;
  return { ...rest, hasPassword: !!password };
};

interface Stored {
  accounts: SipAccount[];
  next: number;
}

const checkBody = (b: unknown): string | undefined => (b && typeof b === 'object' && Array.isArray((b as Stored).accounts) && typeof (b as Stored).next === 'number' ? undefined : 'not an accounts file');

/**
 * sipd's accounts (`<state>/accounts.json` + copy, DurableFile, mode 0600): saved before a change
 * is acknowledged; a failed save changes nothing. Exactly one account is the default; a device
 * without a file gets the peer-to-peer default account.
 */
export class AccountStore {
  private data: Stored = { accounts: [p2pAccount()], next: 0 };
  private readonly file: DurableFile<Stored>;
  private readonly listeners = new Set<() => void>();

  constructor(
    stateDir: string,
    private readonly audit?: AuditLog,
  ) {
    this.file = new DurableFile<Stored>(stateDir, 'accounts', 'belfry-sipd-accounts-1', checkBody);
  }

  load(): void {
    const r = this.file.load();
    for (const f of r.damaged) this.file.quarantine(f);
    if (r.problems.length) this.audit?.write('sipd.accounts.damaged', { fallback: r.fallback, problems: r.problems }, 'warn');
    if (r.value?.accounts.length) this.data = r.value;
  }

  list(): readonly SipAccount[] {
    return this.data.accounts;
  }

  get(id: string): SipAccount | undefined {
    return this.data.accounts.find((a) => a.id === id);
  }

  default(): SipAccount {
    return this.data.accounts.find((a) => a.isDefault) ?? this.data.accounts[0]!;
  }

  /** Adds an account (id `sip_account_<n>`); it becomes the default when it says so. */
  add(a: Omit<SipAccount, 'id'>): SipAccount {
    if (this.data.accounts.length >= MAX_ACCOUNTS) throw new BelfryError('limit_exceeded', `at most ${MAX_ACCOUNTS} SIP accounts`);
    const full: SipAccount = { ...a, id: `sip_account_${this.data.next}` };
    checkAccount(full);
    this.commit((d) => {
      d.accounts.push(full);
      d.next++;
      if (full.isDefault) for (const o of d.accounts) o.isDefault = o === full;
    });
    return full;
  }

  /** Replaces an account; making it the default clears the others; the default cannot stop being one by itself. */
  replace(a: SipAccount): void {
    const old = this.get(a.id);
    if (!old) throw new BelfryError('not_found', `no SIP account ${a.id}`);
    if (old.isDefault && !a.isDefault) throw new BelfryError('failed_precondition', 'there must be a default account: make another one the default instead');
    checkAccount(a);
    this.commit((d) => {
      d.accounts = d.accounts.map((o) => (o.id === a.id ? a : a.isDefault ? { ...o, isDefault: false } : o));
    });
  }

  remove(id: string): void {
    const a = this.get(id);
    if (!a) throw new BelfryError('not_found', `no SIP account ${id}`);
    if (a.isDefault) throw new BelfryError('failed_precondition', 'the default account cannot be removed: make another one the default first');
    this.commit((d) => void (d.accounts = d.accounts.filter((o) => o.id !== id)));
  }

  /** Applies `change` to a copy, saves it, and only then makes it current. */
  private commit(change: (d: Stored) => void): void {
    const next: Stored = structuredClone(this.data);
    change(next);
    if (next.accounts.filter((a) => a.isDefault).length !== 1) throw new BelfryError('failed_precondition', 'exactly one account must be the default');
    this.file.save(next);
    this.data = next;
    for (const l of this.listeners) l();
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
