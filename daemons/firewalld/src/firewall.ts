import { BelfryError, DurableFile, type AuditLog } from '@belfry/core';
import type { RuleSet } from './model.js';
import { fwError } from './model.js';
import { NftError, type Nft } from './nft.js';
import { renderRuleset, type Enforced, type LegacyFilter } from './render.js';
import { admits, type Flow } from './ruleset.js';

/** What firewalld keeps (`firewalld/rules.json` and its copy): the switch, the rules, a running test. */
export interface FwState {
  activated: boolean;
  active: RuleSet;
  /** a test: the set to go back to, and when (epoch ms) — persisted, so a restart still rolls back on time */
  test: { previous: RuleSet; deadline: number } | null;
}

/** Who asked, for the audit line, and the connection the lock-out check protects (none from loopback). */
export interface Who {
  user: string;
  via: string;
  flow?: Flow;
}

export interface RulesView {
  activeRules: RuleSet['rules'];
  activeDefaultPolicy: RuleSet['defaultPolicy'];
  pendingRules: RuleSet['rules'];
  pendingDefaultPolicy: RuleSet['defaultPolicy'] | null;
  testTimeLeft: number;
}

export interface FirewallDeps {
  dir: string;
  nft: Nft;
  audit: AuditLog;
  legacy: () => LegacyFilter;
  /** remove a table left from before even when nothing is enforced (a real board or a namespace; a check-only device has none) */
  clearOnStart?: boolean;
  /** the test's stateful event */
  onTest?: (testing: boolean) => void;
  now?: () => number;
}

const EMPTY: FwState = { activated: false, active: { rules: [], defaultPolicy: 'ACCEPT' }, test: null };
const valid = (b: unknown) => (b && typeof b === 'object' && typeof (b as FwState).activated === 'boolean' && Array.isArray((b as FwState).active?.rules) ? undefined : 'not a firewalld state');

/**
 * The firewall: one owner of the rules and of the applied ruleset. A change is checked whole (the
 * model, the lock-out check, then `nft -c` on the rendered ruleset), saved, then applied with
 * `nft -f`; changes run one at a time. A test applies at once and rolls back at its deadline
 * unless confirmed.
 */
export class Firewall {
  private readonly file: DurableFile<FwState>;
  private state: FwState = EMPTY;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  lastError = '';

  constructor(private readonly d: FirewallDeps) {
    this.file = new DurableFile<FwState>(d.dir, 'rules', 'belfry-firewalld-1', valid);
    this.now = d.now ?? Date.now;
  }

  /** Loads the state and enforces it; a test whose deadline passed while firewalld was down rolls back now. */
  async open(): Promise<void> {
    const l = this.file.load();
    if (l.fallback !== 'none') this.d.audit.write('firewall.state_fallback', { fallback: l.fallback, problems: l.problems }, 'warn');
    if (l.value) this.state = l.value;
    // a start never fails on nft: the kernel still holds the last applied table, and the API must be up to fix things
    const warn = (err: Error) => this.d.audit.write('firewall.apply_failed', { at: 'start', error: err.message }, 'warn');
    if (this.state.test && this.state.test.deadline <= this.now()) await this.serial(() => this.rollBack('expired')).catch(warn);
    else if (this.enforcing(this.state) || this.d.clearOnStart) await this.serial(() => this.enforce()).catch(warn);
    this.schedule();
  }

  private enforcing(s: FwState): boolean {
    return s.activated || this.d.legacy().enabled;
  }

  view(): RulesView {
    const t = this.state.test;
    return {
      activeRules: this.state.active.rules,
      activeDefaultPolicy: this.state.active.defaultPolicy,
      pendingRules: t ? this.state.active.rules : [],
      pendingDefaultPolicy: t ? this.state.active.defaultPolicy : null,
      testTimeLeft: t ? Math.max(0, Math.ceil((t.deadline - this.now()) / 1000)) : 0,
    };
  }

  activated(): boolean {
    return this.state.activated;
  }

  setActivated(on: boolean, who: Who): Promise<void> {
    return this.serial(async () => {
      if (on === this.state.activated) return;
      if (on && who.flow && !admits(this.state.active, who.flow)) throw fwError(103, `the active rules would drop this connection (${who.flow.ip.family === 4 ? 'IPv4' : 'IPv6'} client, TCP ${who.flow.tcpPort}); change them first`);
      // switching off ends a test: its rules are not kept
      const active = !on && this.state.test ? this.state.test.previous : this.state.active;
      await this.change({ activated: on, active, test: null });
      this.d.audit.write('firewall.activated', { activated: on, user: who.user, via: who.via });
    });
  }

  setRules(set: RuleSet, fallbackTime: number, who: Who): Promise<void> {
    return this.serial(async () => {
      if (this.state.test) throw fwError(103, 'a test is running: confirm or clear the pending rules first');
      if (fallbackTime > 0 && !this.state.activated) throw fwError(103, 'a test needs the firewall activated');
      if (fallbackTime === 0 && this.state.activated && who.flow && !admits(set, who.flow)) throw fwError(103, 'these rules would drop this connection: test them with a fallback time first');
      const test = fallbackTime > 0 ? { previous: this.state.active, deadline: this.now() + fallbackTime * 1000 } : null;
      await this.change({ ...this.state, active: set, test });
      this.d.audit.write('firewall.rules_set', { rules: set.rules.length, defaultPolicy: set.defaultPolicy, fallbackTime, user: who.user, via: who.via });
      if (test) this.d.onTest?.(true);
      this.schedule();
    });
  }

  confirm(who: Who): Promise<void> {
    return this.serial(async () => {
      if (!this.state.test) return;
      this.state = { ...this.state, test: null };
      this.file.save(this.state);
      this.schedule();
      this.d.audit.write('firewall.rules_confirmed', { user: who.user, via: who.via });
      this.d.onTest?.(false);
    });
  }

  clearPending(who: Who): Promise<void> {
    return this.serial(() => this.rollBack('cleared', who));
  }

  /** Whether nft takes the rules with another legacy filter (paramd's veto, before the params change). */
  check(legacy: LegacyFilter): Promise<void> {
    return this.nft('check', renderRuleset({ ...this.enforced(this.state), legacy }));
  }

  /** The legacy filter changed (its params): the same rules, enforced again with it. */
  reenforce(): Promise<void> {
    return this.serial(() => this.enforce());
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private async rollBack(reason: 'expired' | 'cleared', who?: Who): Promise<void> {
    const t = this.state.test;
    if (!t) return;
    await this.change({ ...this.state, active: t.previous, test: null });
    this.schedule();
    this.d.audit.write('firewall.rules_rolled_back', { reason, ...(who ? { user: who.user, via: who.via } : {}) });
    this.d.onTest?.(false);
  }

  private enforced(s: FwState): Enforced {
    return { rules: s.activated ? s.active : undefined, legacy: this.d.legacy() };
  }

  /** Check, save, apply. If applying fails after the check passed, the old state is saved and applied again. */
  private async change(next: FwState): Promise<void> {
    const text = renderRuleset(this.enforced(next));
    await this.nft('check', text);
    const before = this.state;
    this.file.save(next);
    this.state = next;
    try {
      await this.nft('apply', text);
    } catch (err) {
      this.file.save(before);
      this.state = before;
      await this.enforce().catch(() => undefined);
      throw err;
    }
  }

  private async enforce(): Promise<void> {
    await this.nft('apply', renderRuleset(this.enforced(this.state)));
  }

  private async nft(op: 'check' | 'apply', text: string): Promise<void> {
    try {
      await this.d.nft[op](text);
      this.lastError = '';
    } catch (err) {
      this.lastError = (err as Error).message;
      if (!(err instanceof NftError) || /cannot run|Operation not permitted|No such file|ended with/.test(err.message)) throw new BelfryError('unavailable', `nftables is not available here: ${err instanceof Error ? err.message : String(err)}`);
      throw op === 'check' ? fwError(103, `nftables refused the rules: ${err.message}`) : new BelfryError('internal', `applying the rules failed: ${err.message}`);
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const t = this.state.test;
    if (!t) return;
    const expire = () =>
      void this.serial(() => this.rollBack('expired')).catch((err: Error) => {
        // the old rules could not be applied (nft failing): try again, the test stays pending meanwhile
        this.lastError = err.message;
        this.timer = setTimeout(() => this.schedule(), 5000);
      });
    this.timer = setTimeout(expire, Math.max(0, t.deadline - this.now()));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
