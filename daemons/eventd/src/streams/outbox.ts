/**
 * A client's queue of notifications not yet handed to the kernel. A client that does not keep up is
 * bounded: once `limit` writes are pending the client is dropped (`onOverflow`), never buffered
 * without limit. `write` calls `done` when its data has left (ws send callback, dgram send callback).
 */
export class Outbox {
  private pending = 0;
  private over = false;

  constructor(
    private readonly limit: number,
    private readonly write: (data: string, done: () => void) => void,
    private readonly onOverflow: () => void,
  ) {}

  /** Queues one notification; false when the client has been dropped (now or before). */
  push(data: string): boolean {
    if (this.over) return false;
    if (this.pending >= this.limit) {
      this.over = true;
      this.onOverflow();
      return false;
    }
    this.pending++;
    this.write(data, () => this.pending--);
    return true;
  }

  get queued(): number {
    return this.pending;
  }

  get dropped(): boolean {
    return this.over;
  }
}
