/** Clients tracked at once; the least recently seen are forgotten first. */
export const MAX_TRACKED_CLIENTS = 10_000;

export interface BruteForceSettings {
  enabled: boolean;
  /** seconds a blocked client stays blocked */
  blockingPeriodS: number;
  /** failures per second allowed from one client on one page (path) */
  pageFailuresPerS: number;
  /** failures per second allowed from one client on the whole device */
  deviceFailuresPerS: number;
}

interface Client {
  device: number[];
  pages: Map<string, number[]>;
  blockedUntil: number;
}

/**
 * Prevent brute-force attacks (user manual): authentication failures are counted per client address,
 * per page and for the whole device, over the last second; above either threshold the client is
 * blocked for the blocking period and gets a fast 403 for everything.
 */
export class BruteForce {
  private clients = new Map<string, Client>();

  constructor(
    public settings: BruteForceSettings,
    private readonly now: () => number = Date.now,
  ) {}

  blocked(addr: string): boolean {
    if (!this.settings.enabled) return false;
    const c = this.clients.get(addr);
    return !!c && c.blockedUntil > this.now();
  }

  /** Records one failure; returns true when this failure started a block. */
  fail(addr: string, page: string): boolean {
    if (!this.settings.enabled) return false;
    const t = this.now();
    let c = this.clients.get(addr);
    if (c) this.clients.delete(addr); // re-insert: most recent last
    else c = { device: [], pages: new Map(), blockedUntil: 0 };
    this.clients.set(addr, c);
    if (this.clients.size > MAX_TRACKED_CLIENTS) this.clients.delete(this.clients.keys().next().value as string);
    const recent = (list: number[]) => {
      while (list.length && list[0]! <= t - 1000) list.shift();
      list.push(t);
      return list.length;
    };
    const deviceCount = recent(c.device);
    let pageList = c.pages.get(page);
    if (!pageList) {
      if (c.pages.size >= 64) c.pages.delete(c.pages.keys().next().value as string);
      pageList = [];
      c.pages.set(page, pageList);
    }
    const pageCount = recent(pageList);
    // keep the lists short: one above the threshold is all we need to know
    if (c.device.length > this.settings.deviceFailuresPerS + 1) c.device.shift();
    if (pageList.length > this.settings.pageFailuresPerS + 1) pageList.shift();
    if (c.blockedUntil <= t && (deviceCount > this.settings.deviceFailuresPerS || pageCount > this.settings.pageFailuresPerS)) {
      c.blockedUntil = t + this.settings.blockingPeriodS * 1000;
      c.device.length = 0;
      c.pages.clear();
      return true;
    }
    return false;
  }
}
