import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Outgoing } from './publication.js';

/** Done markers are compacted away once the log holds this many delivered messages and more of them than live ones. */
export const COMPACT_MIN = 256;

/**
 * Every accepted QoS 1/2 publication, oldest first, from acceptance until the broker acknowledged
 * it (PUBACK/PUBCOMP): while the broker is unreachable and while it is in flight. Bounded by
 * `limit()` (the param `MQTT.Publication.QueueSize`). Kept as an append log, one JSON line per
 * message, fsynced in batches (one per tick) before `add` resolves: what was accepted survives a
 * crash of mqttd. Delivery appends a `{"done":n}` marker (the oldest n are delivered); the log is
 * rewritten when it is mostly done. A torn last line (a crash mid-write) is dropped on load. What
 * does not fit is counted, not kept.
 */
export class PersistentQueue {
  private items: Outgoing[] = [];
  private fd: number | undefined;
  private pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private flushScheduled = false;
  /** delivered messages still written in the log (before their done marker) */
  private doneInLog = 0;
  overflowed = 0;

  constructor(
    readonly file: string,
    private readonly limit: () => number,
  ) {}

  /** Reads what a previous run left. */
  load(): void {
    if (!existsSync(this.file)) return;
    let torn = false;
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const m = JSON.parse(line) as Outgoing & { done?: unknown };
        if (typeof m.done === 'number' && Number.isInteger(m.done) && m.done > 0) {
          this.doneInLog += Math.min(m.done, this.items.length);
          this.items.splice(0, m.done);
        } else if (typeof m.topic === 'string' && typeof m.payload === 'string') this.items.push({ topic: m.topic, payload: m.payload, qos: m.qos === 2 ? 2 : 1, retain: !!m.retain });
        else torn = true;
      } catch {
        // a line torn by a crash mid-write: it was never acknowledged
        torn = true;
      }
    }
    // rewritten without it, so the next append does not continue the torn line
    if (torn) this.rewrite();
  }

  get length(): number {
    return this.items.length;
  }

  /** Appends one message; resolves once it is on disk, or false when the queue is full (counted). */
  add(m: Outgoing): Promise<boolean> {
    if (this.items.length >= this.limit()) {
      this.overflowed++;
      return Promise.resolve(false);
    }
    this.items.push(m);
    this.append(JSON.stringify({ topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain }));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    }).then(() => true);
  }

  /** One fsync for every message appended since the last one. */
  private flush(): void {
    this.flushScheduled = false;
    const waiting = this.pending.splice(0);
    try {
      if (this.fd !== undefined) fsyncSync(this.fd);
      for (const w of waiting) w.resolve();
    } catch (err) {
      for (const w of waiting) w.reject(err as Error);
    }
  }

  /** The oldest `n` messages (not removed until `drop`). */
  peek(n: number): Outgoing[] {
    return this.items.slice(0, n);
  }

  private append(line: string): void {
    if (this.fd === undefined) {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      this.fd = openSync(this.file, 'a', 0o600);
    }
    writeSync(this.fd, line + '\n');
  }

  /**
   * The oldest `n` are delivered: a done marker, or a rewrite of the log with the rest when it is
   * empty or mostly done. The marker is not fsynced: lost in a crash, it only makes those `n` be sent
   * again (QoS 1 allows duplicates).
   */
  drop(n: number): void {
    n = Math.min(n, this.items.length);
    this.items.splice(0, n);
    this.doneInLog += n;
    if (!this.items.length || (this.doneInLog >= COMPACT_MIN && this.doneInLog > this.items.length)) this.rewrite();
    else if (n > 0) this.append(JSON.stringify({ done: n }));
  }

  /** Lines of messages in the log file, live and delivered (for tests of compaction). */
  get lines(): number {
    return this.items.length + this.doneInLog;
  }

  /** The log rewritten with the live messages only, atomically. */
  private rewrite(): void {
    this.doneInLog = 0;
    this.close();
    const tmp = join(dirname(this.file), '.queue.tmp');
    const fd = openSync(tmp, 'w', 0o600);
    try {
      if (this.items.length) writeSync(fd, this.items.map((m) => JSON.stringify(m)).join('\n') + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }

  /** Bumped by `clear`: a drain that began before must not mark newer messages done. */
  epoch = 0;

  /** Forgets every message (a restore or factory default). */
  clear(): void {
    this.epoch++;
    this.drop(this.items.length);
  }

  close(): void {
    if (this.fd !== undefined) {
      if (this.pending.length) this.flush();
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
