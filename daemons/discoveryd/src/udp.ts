import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Iface } from './config.js';

export type Logger = { warn(obj: object, msg: string): void; debug(obj: object, msg: string): void };

/**
 * One UDP socket for a multicast protocol on every served interface: bound to the port on all
 * addresses (multicast and unicast requests arrive on it), the group joined on each interface, and
 * multicast sent out of one interface at a time (sends are chained, so each goes out of the interface
 * chosen for it). Errors are logged, never thrown at the daemon.
 */
export class MulticastSocket {
  private sock: Socket | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly group: string,
    private readonly port: number,
    private readonly log: Logger,
    private readonly ttl = 1,
  ) {}

  async open(ifaces: Iface[], onMessage: (msg: Buffer, from: RemoteInfo) => void): Promise<void> {
    const sock = createSocket({ type: 'udp4', reuseAddr: true });
    sock.on('message', (msg, from) => {
      try {
        onMessage(msg, from);
      } catch (err) {
        // a datagram the handlers did not expect must not take the daemon down
        this.log.warn({ err: (err as Error).message, from: from.address }, 'discovery datagram dropped');
      }
    });
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        sock.close();
        reject(err);
      };
      sock.once('error', fail);
      sock.bind(this.port, () => {
        sock.off('error', fail);
        resolve();
      });
    });
    // after the bind: a bind error is the caller's to say, once
    sock.on('error', (err) => this.log.warn({ err: err.message, port: this.port }, 'discovery socket error'));
    sock.setMulticastTTL(this.ttl);
    sock.setMulticastLoopback(false);
    for (const i of ifaces) {
      try {
        sock.addMembership(this.group, i.address);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, iface: i.name, group: this.group }, 'cannot join the multicast group on this interface');
      }
    }
    this.sock = sock;
  }

  /** Sends to the group out of `iface`. */
  multicast(iface: Iface, msg: Buffer | string): Promise<void> {
    return this.enqueue((s, done) => {
      try {
        s.setMulticastInterface(iface.address);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, iface: iface.name }, 'cannot send on this interface');
        return done();
      }
      s.send(msg, this.port, this.group, () => done());
    });
  }

  /** Sends to one address (answers go unicast to the asker). */
  unicast(address: string, port: number, msg: Buffer | string): Promise<void> {
    return this.enqueue((s, done) => s.send(msg, port, address, () => done()));
  }

  private enqueue(fn: (s: Socket, done: () => void) => void): Promise<void> {
    const p = this.chain.then(
      () =>
        new Promise<void>((resolve) => {
          if (this.closed || !this.sock) return resolve();
          fn(this.sock, resolve);
        }),
    );
    this.chain = p;
    return p;
  }

  /** Waits for queued sends (a Bye must leave before the socket closes), then closes. */
  async close(): Promise<void> {
    await this.chain;
    this.closed = true;
    const s = this.sock;
    this.sock = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
