import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { BelfryError, DurableFile, type Fallback } from '@belfry/core';
import { PasswordSealer, type SealedPassword } from './auth/sealed-password.js';

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number, opts: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const ROLE_RANK: Record<Role | 'anonymous', number> = { anonymous: 0, viewer: 1, operator: 4, admin: 6 };

/** The user manual: up to 100 accounts; passwords 1–64 printable ASCII characters (32–126). */
export const MAX_ACCOUNTS = 100;
export const MAX_PASSWORD = 64;
export const USER_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
const PASSWORD_RE = /^[\x20-\x7e]{1,64}$/;
export const MAX_COMMENT = 128;

/** scrypt cost: ~50 ms on this machine class, so a stolen file costs an attacker dearly per guess. */
const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

/**
 * One account. Two kinds of secret are kept, on purpose:
 *
 * - `kdf`: a slow scrypt hash, for Basic and web-UI logins, where the password itself arrives.
 * - `ha1`: the Digest HA1 values `H(user:realm:password)` for MD5 and SHA-256. Digest never sends the
 *   password, so the device must hold something password-equivalent for its realm to check an answer;
 *   that is the price of the Digest compatibility every VAPIX client needs. An HA1 leak lets an
 *   attacker log in to *this device* (the realm is the serial number) but does not reveal the
 *   password for reuse elsewhere, and the file is mode 0600 in a 0700 folder owned by httpd.
 */
export interface Account {
  name: string;
  role: Role;
  ptz: boolean;
  comment: string;
  kdf: { alg: 'scrypt'; N: number; r: number; p: number; salt: string; hash: string };
  ha1: { md5: string; sha256: string };
  /** the password sealed with the device key, for WS-Security PasswordDigest (`auth/sealed-password.ts`); absent on accounts set before it */
  wsse?: SealedPassword;
}

export interface PublicAccount {
  name: string;
  role: Role;
  ptz: boolean;
  comment: string;
}

interface AccountsDoc {
  version: 1;
  accounts: Account[];
}

export type AccountAudit = (action: string, fields: Record<string, unknown>, level?: 'warn') => void;

/**
 * The accounts of this device, owned by httpd, stored crash-safe. There is no default account: until
 * an admin exists the device is in setup state. The last admin can neither be removed nor demoted.
 */
export class Accounts {
  private list: Account[] = [];
  private readonly file: DurableFile<AccountsDoc>;
  private queue: Promise<unknown> = Promise.resolve();
  /** what the last `open` fell back to, and why (announced retained by httpd, shown by serverreport.cgi) */
  storage: { fallback: Fallback; reason: string; at: string | null } = { fallback: 'none', reason: '', at: null };
  readonly sealer: PasswordSealer;

  constructor(
    dir: string,
    readonly realm: string,
    private readonly audit: AccountAudit,
    /** the board's KEK for the sealing key (`PasswordSealer`) */
    kek?: Buffer,
  ) {
    this.sealer = new PasswordSealer(dir, kek);
    this.file = new DurableFile<AccountsDoc>(dir, 'accounts', 'belfry-accounts', checkDoc);
  }

  open(): void {
    const r = this.file.load();
    for (const p of r.problems) this.audit('accounts.file_rejected', { problem: p }, 'warn');
    // no readable accounts (`defaults`): the device goes back to setup state rather than refusing to start
    if (r.fallback !== 'none') this.audit('accounts.recovered', { from: { copy: 'the other copy', previous: 'previous file', defaults: 'setup state' }[r.fallback] }, 'warn');
    for (const f of r.damaged) this.file.quarantine(f);
    if (r.fallback !== 'none') this.storage = { fallback: r.fallback, reason: r.problems.join('; '), at: new Date().toISOString() };
    this.list = r.value?.accounts ?? [];
    // rewrite both copies at once, so the one left is not the only one for long
    if (r.value && !r.clean) this.file.save(r.value);
  }

  get needsSetup(): boolean {
    return !this.list.some((a) => a.role === 'admin');
  }

  get count(): number {
    return this.list.length;
  }

  find(name: string): Account | undefined {
    return this.list.find((a) => a.name === name);
  }

  all(): PublicAccount[] {
    return this.list.map(({ name, role, ptz, comment }) => ({ name, role, ptz, comment }));
  }

  /** Checks a password against the slow hash (Basic and session logins). */
  async verifyPassword(name: string, password: string): Promise<Account | undefined> {
    const a = this.find(name);
    // hash even for unknown users, so timing does not tell which names exist
    const k = a?.kdf ?? { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: 'AAAAAAAAAAAAAAAAAAAAAA==', hash: '' };
    const got = await scryptAsync(password, Buffer.from(k.salt, 'base64'), SCRYPT.keylen, { N: k.N, r: k.r, p: k.p, maxmem: 64 * 1024 * 1024 });
    const want = Buffer.from(k.hash, 'base64');
    return a && want.length === got.length && timingSafeEqual(got, want) ? a : undefined;
  }

  private serial<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async secrets(name: string, password: string): Promise<Pick<Account, 'kdf' | 'ha1' | 'wsse'>> {
    const salt = randomBytes(16);
    const hash = await scryptAsync(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 * 1024 * 1024 });
    const a1 = `${name}:${this.realm}:${password}`;
    return {
      kdf: { alg: 'scrypt', N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: salt.toString('base64'), hash: hash.toString('base64') },
      ha1: { md5: createHash('md5').update(a1).digest('hex'), sha256: createHash('sha256').update(a1).digest('hex') },
      wsse: this.sealer.seal(password),
    };
  }

  private commit(next: Account[]): void {
    this.file.save({ version: 1, accounts: next });
    this.list = next;
  }

  /**
   * Adds an account. `setup`: the request came without credentials, so it may only make the first
   * admin; checked here, in the queue, so two such requests at once cannot both succeed.
   */
  add(input: { name: string; password: string; role: Role; ptz?: boolean; comment?: string; setup?: boolean }): Promise<PublicAccount> {
    return this.serial(async () => {
      if (input.setup && (!this.needsSetup || input.role !== 'admin')) throw new BelfryError('permission_denied', 'without credentials only the first administrator can be made');
      checkName(input.name);
      checkPassword(input.password);
      const comment = checkComment(input.comment ?? '');
      if (this.find(input.name)) throw new BelfryError('already_exists', `account ${input.name} already exists`, { name: input.name });
      if (this.list.length >= MAX_ACCOUNTS) throw new BelfryError('limit_exceeded', `at most ${MAX_ACCOUNTS} accounts`);
      const a: Account = { name: input.name, role: input.role, ptz: !!input.ptz, comment, ...(await this.secrets(input.name, input.password)) };
      this.commit([...this.list, a]);
      this.audit('account.added', { user: a.name, role: a.role });
      return { name: a.name, role: a.role, ptz: a.ptz, comment: a.comment };
    });
  }

  update(name: string, change: { password?: string; role?: Role; ptz?: boolean; comment?: string }): Promise<PublicAccount> {
    return this.serial(async () => {
      const cur = this.find(name);
      if (!cur) throw new BelfryError('not_found', `no account ${name}`, { name });
      if (change.password !== undefined) checkPassword(change.password);
      const comment = change.comment === undefined ? cur.comment : checkComment(change.comment);
      const role = change.role ?? cur.role;
      if (cur.role === 'admin' && role !== 'admin' && this.admins() === 1) {
        throw new BelfryError('failed_precondition', 'the last administrator cannot lose its rights', { name });
      }
      const next: Account = { ...cur, role, ptz: change.ptz ?? cur.ptz, comment, ...(change.password !== undefined ? await this.secrets(name, change.password) : {}) };
      this.commit(this.list.map((a) => (a === cur ? next : a)));
      this.audit('account.updated', { user: name, role, password: change.password !== undefined });
      return { name, role, ptz: next.ptz, comment };
    });
  }

  remove(name: string): Promise<void> {
    return this.serial(async () => {
      const cur = this.find(name);
      if (!cur) throw new BelfryError('not_found', `no account ${name}`, { name });
      if (cur.role === 'admin' && this.admins() === 1) throw new BelfryError('failed_precondition', 'the last administrator cannot be removed', { name });
      this.commit(this.list.filter((a) => a !== cur));
      this.audit('account.removed', { user: name });
    });
  }

  /** Factory default: every account goes; the device is in setup state again. */
  clear(): Promise<void> {
    return this.serial(async () => {
      this.commit([]);
      this.audit('accounts.cleared', {});
    });
  }

  private admins(): number {
    return this.list.filter((a) => a.role === 'admin').length;
  }
}

export function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !USER_RE.test(name)) {
    throw new BelfryError('invalid_argument', 'user names are 1–32 characters: letters, digits, ".", "_" and "-", starting with a letter or digit', { name: 'user' });
  }
}

export function checkPassword(pw: unknown): asserts pw is string {
  if (typeof pw !== 'string' || !PASSWORD_RE.test(pw)) {
    throw new BelfryError('invalid_argument', `passwords are 1–${MAX_PASSWORD} printable ASCII characters (32–126)`, { name: 'pwd' });
  }
}

function checkComment(c: unknown): string {
  if (typeof c !== 'string' || c.length > MAX_COMMENT || !/^[\x20-\x7e]*$/.test(c)) {
    throw new BelfryError('invalid_argument', `comments are up to ${MAX_COMMENT} printable ASCII characters`, { name: 'comment' });
  }
  return c;
}

function checkDoc(body: unknown): string | undefined {
  const d = body as Partial<AccountsDoc>;
  if (!d || d.version !== 1 || !Array.isArray(d.accounts)) return 'missing fields';
  for (const a of d.accounts) {
    if (!a || typeof a.name !== 'string' || !(ROLES as readonly string[]).includes(a.role) || !a.kdf?.hash || !a.ha1?.md5 || !a.ha1?.sha256) return 'bad account entry';
  }
  return undefined;
}
