import type { Socket } from 'node:net';

export interface AdmissionLimits {
  /** open connections per listener */
  maxConnections: number;
  /** open connections from one remote address, per listener */
  maxConnectionsPerAddress: number;
  /** of `maxConnections`, the last this many are kept for connections whose requests carry valid credentials */
  reservedConnections: number;
  /** a connection on a reserved slot must have an authenticated request within this, or it is closed */
  reservedAdmitMs: number;
}

/**
 * Who gets a connection slot on one listener (slowloris, issue 9 item 8). Two rules:
 * - per address: one address holds at most `maxConnectionsPerAddress` (32: a VMS or the bench opens 20, a browser 6), so a single attacker can
 *   never reach the global limit (Node's `maxConnections` stays the hard cap);
 * - reserved: once `maxConnections - reservedConnections` are open (many addresses), a new
 *   connection is on probation: anonymous requests on it get the 401 challenge (so a Digest client
 *   authenticates on the same connection), and unless one of its requests authenticates within
 *   `reservedAdmitMs` it is closed. An administrator with credentials still gets in.
 * Keyed by remote address and port: the same for the TCP socket and the TLS socket over it.
 */
export class Admission {
  private perAddress = new Map<string, number>();
  private open = 0;
  private probation = new Map<string, NodeJS.Timeout>();

  constructor(private readonly limits: AdmissionLimits) {}

  /** A new TCP connection: false when it was refused (destroyed). */
  accept(sock: Socket): boolean {
    const addr = sock.remoteAddress ?? '?';
    const n = this.perAddress.get(addr) ?? 0;
    if (n >= this.limits.maxConnectionsPerAddress) {
      sock.destroy();
      return false;
    }
    this.perAddress.set(addr, n + 1);
    this.open++;
    const key = keyOf(sock);
    if (this.open > this.limits.maxConnections - this.limits.reservedConnections) {
      const timer = setTimeout(() => {
        if (this.probation.has(key)) sock.destroy();
      }, this.limits.reservedAdmitMs);
      timer.unref();
      this.probation.set(key, timer);
    }
    sock.once('close', () => {
      this.open--;
      const left = (this.perAddress.get(addr) ?? 1) - 1;
      if (left > 0) this.perAddress.set(addr, left);
      else this.perAddress.delete(addr);
      clearTimeout(this.probation.get(key));
      this.probation.delete(key);
    });
    return true;
  }

  /** Whether this connection sits on a reserved slot and has not authenticated yet. */
  onProbation(sock: Socket): boolean {
    return this.probation.size > 0 && this.probation.has(keyOf(sock));
  }

  /** A request on this connection authenticated: it keeps its slot. */
  admit(sock: Socket): void {
    if (this.probation.size === 0) return;
    const key = keyOf(sock);
    const timer = this.probation.get(key);
    if (timer) clearTimeout(timer);
    this.probation.delete(key);
  }

  /** Open connections from an address (tests, figures). */
  from(addr: string): number {
    return this.perAddress.get(addr) ?? 0;
  }
}

function keyOf(sock: Socket): string {
  return `${sock.remoteAddress}|${sock.remotePort}`;
}
