import type { Bus } from './bus.js';
import type { RpcCaller } from './rpc.js';
import type { ClientOf } from './contract.js';
import { BelfryError } from './errors.js';
import { T } from './topics.js';
import { SETTING_DEFS, decodeSettings, type Settings, type SettingsGroup } from './settings.js';
import { PARAMD, PARAMD_CHANGED, type ParamChange, type ParamValues } from './params-contract.js';

interface Entry {
  value: string | undefined;
  rev: number;
}

type ChangeListener = (changes: Record<string, string | null>) => void;

/**
 * A read-through cache of the parameter store, kept current by paramd's change notifications, so a
 * daemon's reads never cost a bus round trip once warm. Each entry carries the store revision it was
 * read at; a fetch that raced with a change never overwrites the newer value. When paramd restarts
 * (it may have crashed between storing a batch and announcing it) every cached name is read again.
 */
export class ParamCache {
  private entries = new Map<string, Entry>();
  private listeners: { prefix: string; fn: ChangeListener }[] = [];
  private paramd: ClientOf<typeof PARAMD>;
  private started: Promise<void> | undefined;
  private paramdState = '';
  private readyWaiters: (() => void)[] = [];

  constructor(
    private readonly bus: Bus,
    rpc: RpcCaller,
  ) {
    this.paramd = rpc.client(PARAMD);
  }

  /** Subscribes to change notifications; called once before the first read. */
  start(): Promise<void> {
    this.started ??= (async () => {
      await this.bus.subscribe(PARAMD_CHANGED, (_t, payload) => {
        let msg: ParamChange;
        try {
          msg = JSON.parse(payload.toString('utf8')) as ParamChange;
        } catch {
          return;
        }
        if (!msg || typeof msg.rev !== 'number' || typeof msg.changes !== 'object') return;
        this.apply(msg);
      });
      await this.bus.subscribe(T.state('paramd'), (_t, payload) => {
        let state = '';
        try {
          state = (JSON.parse(payload.toString('utf8')) as { state: string }).state;
        } catch {
          return;
        }
        const was = this.paramdState;
        this.paramdState = state;
        if (state === 'ready') for (const w of this.readyWaiters.splice(0)) w();
        if (state === 'ready' && was && was !== 'ready') void this.refresh();
      });
    })();
    return this.started;
  }

  private apply(msg: ParamChange): void {
    for (const [name, value] of Object.entries(msg.changes)) {
      const cur = this.entries.get(name);
      if (cur && cur.rev > msg.rev) continue;
      this.entries.set(name, { value: value ?? undefined, rev: msg.rev });
    }
    // secrets never travel: forget them so the owner re-reads
    for (const name of msg.secret ?? []) this.entries.delete(name);
    for (const l of this.listeners) {
      const mine: Record<string, string | null> = {};
      let any = false;
      for (const [name, value] of Object.entries(msg.changes)) {
        if (name === l.prefix || name.startsWith(l.prefix + '.') || l.prefix === '') {
          mine[name] = value;
          any = true;
        }
      }
      if (any) l.fn(mine);
    }
  }

  private store(params: ParamValues, rev: number, asked: string[]): void {
    for (const name of asked) {
      if (name in params) continue;
      const cur = this.entries.get(name);
      if (!cur || cur.rev <= rev) this.entries.set(name, { value: undefined, rev });
    }
    for (const [name, value] of Object.entries(params)) {
      const cur = this.entries.get(name);
      if (!cur || cur.rev <= rev) this.entries.set(name, { value, rev });
    }
  }

  private async refresh(): Promise<void> {
    const names = [...this.entries.keys()];
    this.entries.clear();
    if (!names.length) return;
    try {
      await this.fetch(names);
    } catch {
      // next read fetches on demand
    }
  }

  /**
   * Waits until paramd says it is ready: a daemon starting beside paramd would otherwise send its
   * first read before paramd listens and sit out the RPC timeout.
   */
  private paramdReady(timeoutMs = 10_000): Promise<void> {
    if (this.paramdState === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== done);
        reject(new BelfryError('unavailable', 'paramd is not ready'));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.readyWaiters.push(done);
    });
  }

  private async fetch(names: string[]): Promise<void> {
    await this.start();
    await this.paramdReady();
    const r = await this.paramd.get({ names, missingOk: true });
    this.store(r.params, r.rev, names);
  }

  /** Current value, or undefined when the param does not exist. */
  async get(name: string): Promise<string | undefined> {
    const e = this.entries.get(name);
    if (e) return e.value;
    await this.fetch([name]);
    return this.entries.get(name)?.value;
  }

  /** Values of everything under `group` (read once, then kept current). */
  async list(group: string): Promise<ParamValues> {
    await this.start();
    await this.paramdReady();
    const r = await this.paramd.list({ groups: [group] });
    this.store(r.params, r.rev, []);
    return r.params;
  }

  /**
   * A group's typed settings (`settings('HTTPS').Port` is a number, `.Enabled` a boolean), read once
   * like `list` and decoded by `decodeSetting`. Fails with not_found if paramd does not answer one
   * of the group's params (e.g. one this caller may not read).
   */
  async settings<G extends SettingsGroup>(group: G): Promise<Settings[G]> {
    // once warm, from the cache (kept current by change notifications): a listener that re-reads
    // settings on a change must see the change without a bus round trip in between
    const cached = this.cachedGroup(group);
    return decodeSettings(group, cached ?? (await this.list(group)));
  }

  /** The group's values if every one of them is cached, else undefined. */
  private cachedGroup(group: SettingsGroup): ParamValues | undefined {
    const values: ParamValues = {};
    for (const key of Object.keys(SETTING_DEFS[group])) {
      const v = this.peek(`${group}.${key}`);
      if (v === undefined) return undefined;
      values[`${group}.${key}`] = v;
    }
    return values;
  }

  /**
   * Calls `fn` with a group's typed settings now and after every durable batch that changes one of
   * them (decoded from the cache, which the change notification has updated by then), with the names
   * that changed. Resolves once the first call is made; the result unsubscribes.
   */
  async watchSettings<G extends SettingsGroup>(group: G, fn: (settings: Settings[G], changed: string[]) => void): Promise<() => void> {
    await this.start();
    const off = this.onChange(group, (changes) => fn(decodeSettings(group, this.cachedGroup(group) ?? {}), Object.keys(changes)));
    fn(await this.settings(group), []);
    return off;
  }

  /** Synchronous read of a value already cached (after `get` or `list`). */
  peek(name: string): string | undefined {
    return this.entries.get(name)?.value;
  }

  async getInt(name: string): Promise<number | undefined> {
    const v = await this.get(name);
    return v === undefined ? undefined : Number.parseInt(v, 10);
  }

  async getBool(name: string): Promise<boolean | undefined> {
    const v = await this.get(name);
    return v === undefined ? undefined : v === 'yes' || v === 'true' || v === '1';
  }

  /** Calls `fn` with the changes under `prefix` ('' for all) after each durable batch. */
  onChange(prefix: string, fn: ChangeListener): () => void {
    const l = { prefix: prefix.replace(/^root\./, ''), fn };
    this.listeners.push(l);
    void this.start();
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }
}
