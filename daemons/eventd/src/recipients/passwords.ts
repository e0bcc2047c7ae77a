import { BelfryError, PARAMD, type ClientOf } from '@belfry/core';

/** The dynamic param group of recipient passwords (param-db/defs/EventRecipient.json): `Event.Recipient.R<n>.{Id,Password}`. */
export const PASSWORD_GROUP = 'Event.Recipient';
const TEMPLATE = 'recipient';
const ID_RE = /^Event\.Recipient\.(R\d+)\.Id$/;

/**
 * Recipient passwords as secret params owned by eventd: paramd stores them and gives them to eventd
 * alone, never lists or returns them, and its change notices carry only their names. The store's
 * file never holds one. paramd numbers the instances; `Id` says which recipient each belongs to.
 */
export class Passwords {
  /** recipient id → instance (`R3`) */
  private readonly inst = new Map<number, string>();
  /** recipients whose password is not empty */
  private readonly set = new Set<number>();

  constructor(private readonly paramd: ClientOf<typeof PARAMD>) {}

  /**
   * Reads which instances exist (again after paramd's restore or factory default, which drop them);
   * those of recipients that no longer exist (`keep` says) are removed.
   */
  async load(keep: (id: number) => boolean): Promise<void> {
    this.inst.clear();
    this.set.clear();
    const r = await this.paramd.list({ groups: [PASSWORD_GROUP], level: 'internal' });
    const orphans: string[] = [];
    for (const [name, v] of Object.entries(r.params)) {
      const m = ID_RE.exec(name.replace(/^root\./, ''));
      if (!m) continue;
      const id = Number(v);
      if (keep(id) && !this.inst.has(id)) this.inst.set(id, m[1]!);
      else orphans.push(`${PASSWORD_GROUP}.${m[1]}`);
    }
    if (orphans.length) await this.paramd.remove({ groups: orphans, level: 'internal' });
    for (const id of this.inst.keys()) if ((await this.get(id)) !== '') this.set.add(id);
  }

  /** Removes the passwords of recipients that no longer exist. */
  async prune(keep: (id: number) => boolean): Promise<void> {
    for (const id of [...this.inst.keys()]) if (!keep(id)) await this.remove(id);
  }

  isSet(id: number): boolean {
    return this.set.has(id);
  }

  /** The password of recipient `id` ('' when none). */
  async get(id: number): Promise<string> {
    const i = this.inst.get(id);
    if (!i) return '';
    const name = `${PASSWORD_GROUP}.${i}.Password`;
    const r = await this.paramd.get({ names: [name], level: 'internal', missingOk: true });
    return r.params[name] ?? r.params[`root.${name}`] ?? '';
  }

  async put(id: number, password: string): Promise<void> {
    const i = this.inst.get(id);
    if (i) await this.paramd.update({ changes: { [`${PASSWORD_GROUP}.${i}.Password`]: password }, level: 'internal' });
    else {
      const r = await this.paramd.add({ group: PASSWORD_GROUP, template: TEMPLATE, values: { Id: String(id), Password: password }, level: 'internal' });
      this.inst.set(id, r.instance);
    }
    if (password) this.set.add(id);
    else this.set.delete(id);
  }

  async remove(id: number): Promise<void> {
    const i = this.inst.get(id);
    this.set.delete(id);
    if (!i) return;
    try {
      await this.paramd.remove({ groups: [`${PASSWORD_GROUP}.${i}`], level: 'internal' });
    } catch (e) {
      if (!(e instanceof BelfryError && e.code === 'not_found')) throw e;
    }
    this.inst.delete(id);
  }
}
