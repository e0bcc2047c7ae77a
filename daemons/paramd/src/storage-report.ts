import { CONFIG_RESET, DurableFile, type DaemonContext, type EventDecl, type Fallback } from '@belfry/core';
import type { StorageReport } from '@belfry/param-db';

// the topic is paramd's contract's (in core)
export { CONFIG_RESET };

export const PARAMD_EVENTS: EventDecl[] = [
  {
    topic: CONFIG_RESET,
    niceName: 'Configuration reset by a damaged parameter store',
    stateful: true,
    source: [],
    data: [
      { name: 'reset', type: 'xsd:boolean' },
      { name: 'fallback', type: 'xsd:string', values: ['none', 'copy', 'previous', 'defaults'] },
      { name: 'reason', type: 'xsd:string' },
    ],
  },
];

/** What `belfry/notify/paramd/storage` holds (retained): the last fallback still standing. */
export interface StorageAnnouncement {
  fallback: Fallback;
  /** the problems found, joined; '' when none */
  reason: string;
  problems: string[];
  /** when the fallback happened (ISO 8601), null when the store never fell back */
  at: string | null;
  /** params were lost: the state before the last write (`previous`) or the defaults */
  lost: boolean;
}

const NONE: StorageAnnouncement = { fallback: 'none', reason: '', problems: [], at: null, lost: false };
const lostAt = (f: Fallback) => f === 'previous' || f === 'defaults';

/**
 * Keeps the last fallback of the parameter store visible: a device that lost its configuration says
 * so after any number of restarts, until someone resets it on purpose (restore, factory default).
 * A fallback to the other copy (nothing lost) is reported too but does not hide a loss before it.
 */
export class StorageReporter {
  private readonly file: DurableFile<StorageAnnouncement>;
  private current: StorageAnnouncement = NONE;

  constructor(private readonly ctx: DaemonContext) {
    this.file = new DurableFile<StorageAnnouncement>(ctx.stateDir, 'storage-report', 'belfry-storage-report-1', (b) =>
      b && typeof b === 'object' && typeof (b as StorageAnnouncement).fallback === 'string' ? undefined : 'not a report',
    );
  }

  /** At start: records this boot's fallback (if any), then announces what stands. */
  start(storage: StorageReport): void {
    const loaded = this.file.load();
    let report = loaded.value ?? NONE;
    if (storage.fallback !== 'none' && !(report.lost && !lostAt(storage.fallback))) {
      report = { fallback: storage.fallback, reason: storage.problems.join('; '), problems: storage.problems, at: new Date().toISOString(), lost: lostAt(storage.fallback) };
      this.file.save(report);
    } else if (loaded.value && !loaded.clean) this.file.save(report);
    if (storage.fallback !== 'none') {
      this.ctx.log.warn({ fallback: storage.fallback, problems: storage.problems }, lostAt(storage.fallback) ? 'parameter store damaged: configuration reset' : 'parameter store damaged: repaired from the other copy');
    }
    this.ctx.events.declare(PARAMD_EVENTS);
    this.publish(report);
  }

  /** a deliberate reset (restore, factory default) ends the report */
  clear(): void {
    if (this.current.fallback === 'none') return;
    this.file.save(NONE);
    this.publish(NONE);
  }

  private publish(r: StorageAnnouncement): void {
    this.current = r;
    this.ctx.announce('storage', r);
    this.ctx.events.setState(CONFIG_RESET, {}, { reset: r.lost, fallback: r.fallback, reason: r.reason });
  }
}
