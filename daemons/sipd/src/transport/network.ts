import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '@belfry/core';
import { MAX_MESSAGE_BYTES, MalformedMessage, parseDatagram, parseHead, statelessResponse, type SipHead } from './message.js';
import { Retransmitter } from './retransmit.js';
import { StreamFramer, idleClose } from './stream.js';
import { bindingRequest, isStun, mappedAddress } from './stun.js';

export type Proto = 'UDP' | 'TCP' | 'TLS';

/** Where a message came from or goes to; `conn` is the stream it arrived on (responses go back on it). */
export interface Peer {
  proto: Proto;
  address: string;
  port: number;
  conn?: Socket;
}

export interface Inbound {
  head: SipHead;
  text: string;
  peer: Peer;
}

/** At most this many TCP/TLS connections, both directions together; more are refused. */
export const MAX_CONNECTIONS = 64;

export interface NetworkOptions {
  /** the address to bind (and the one advertised, unless it is 0.0.0.0) */
  address: string;
  port: number;
  tlsPort: number;
  /** the TLS listener's key and certificate; without them there is no TLS listener (outgoing TLS still works) */
  tls?: { key: string; cert: string };
  maxRetransmissions: () => number;
  onMessage: (m: Inbound) => void;
  /** a UDP request that got no response after its retransmissions */
  onUnanswered?: (branch: string, method: string) => void;
  log: Logger;
}

export interface NetworkStats {
  received: number;
  malformed: number;
  oversize: number;
  sent: number;
  retransmissions: number;
  connections: number;
  refusedConnections: number;
}

/** Quick read of an outgoing request's method and top Via branch (for the retransmission table). */
function requestKey(text: string): { method: string; branch: string } | undefined {
  if (text.startsWith('SIP/2.0')) return undefined;
  const method = text.slice(0, text.indexOf(' '));
  const branch = /^(?:via|v)\s*:[^\r\n]*;\s*branch=([^;\s,\r\n]+)/im.exec(text)?.[1] ?? '';
  return { method, branch };
}

/**
 * sipd's SIP sockets, shared by every account: UDP and TCP on the SIP port, TLS on the TLS port,
 * and outgoing TCP/TLS connections (reused per destination). Every received message is framed and
 * its head checked here (message.ts); malformed ones are counted and dropped, oversize requests are
 * answered 513 where the head can be read; nothing from the network can throw out of this class.
 */
export class SipNetwork {
  readonly stats: NetworkStats = { received: 0, malformed: 0, oversize: 0, sent: 0, retransmissions: 0, connections: 0, refusedConnections: 0 };
  private udp?: UdpSocket;
  private tcp?: Server;
  private tlsServer?: Server;
  private readonly conns = new Map<string, Socket>();
  private readonly sentUdp = new Map<string, { text: string; address: string; port: number }>();
  private readonly retrans: Retransmitter;

  constructor(private readonly o: NetworkOptions) {
    this.retrans = new Retransmitter((key) => {
      const s = this.sentUdp.get(key);
      if (!s) return;
      this.stats.retransmissions++;
      this.udp?.send(s.text, s.port, s.address);
    }, o.maxRetransmissions, undefined, (key) => {
      const [branch = '', method = ''] = key.split('|');
      this.o.onUnanswered?.(branch, method);
    });
  }

  async start(): Promise<void> {
    const udp = createSocket({ type: 'udp4', reuseAddr: false });
    udp.on('message', (buf, rinfo) => this.datagram(buf, { proto: 'UDP', address: rinfo.address, port: rinfo.port }));
    udp.on('error', (err) => this.o.log.warn({ err: err.message }, 'sip udp socket error'));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(this.o.port, this.o.address, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    try {
      // room for a burst while sip.js parses (about 1 ms per header, see README)
      udp.setRecvBufferSize(1 << 20);
    } catch {
      // the kernel's limit stands
    }
    this.udp = udp;
    this.tcp = createServer((sock) => this.accept(sock, 'TCP'));
    await listen(this.tcp, this.o.port, this.o.address);
    if (this.o.tls) {
      this.tlsServer = createTlsServer({ key: this.o.tls.key, cert: this.o.tls.cert, minVersion: 'TLSv1.2' }, (sock) => this.accept(sock, 'TLS'));
      this.tlsServer.on('tlsClientError', () => undefined);
      await listen(this.tlsServer, this.o.tlsPort, this.o.address);
    }
  }

  private stunWaiters = new Set<(b: Buffer) => void>();

  /** Asks a STUN server (host:port, IPv4) for the SIP socket's mapped address; undefined after 2 s. */
  async stun(address: string, port: number): Promise<{ address: string; port: number } | undefined> {
    const udp = this.udp;
    if (!udp) return undefined;
    const { id, packet } = bindingRequest();
    return new Promise((resolve) => {
      const done = (v: { address: string; port: number } | undefined) => {
        clearTimeout(timer);
        this.stunWaiters.delete(on);
        resolve(v);
      };
      const on = (b: Buffer) => {
        const m = mappedAddress(b, id);
        if (m) done(m);
      };
      const timer = setTimeout(() => done(undefined), 2000);
      this.stunWaiters.add(on);
      udp.send(packet, port, address, (err) => err && done(undefined));
    });
  }

  private datagram(buf: Buffer, peer: Peer): void {
    if (isStun(buf)) {
      for (const w of this.stunWaiters) w(buf);
      return;
    }
    this.stats.received++;
    if (buf.length <= 4 && /^[\r\n]*$/.test(buf.toString('latin1'))) return; // keep-alive
    if (buf.length > MAX_MESSAGE_BYTES) {
      this.stats.oversize++;
      try {
        const end = buf.indexOf('\r\n\r\n');
        if (end > 0 && end < MAX_MESSAGE_BYTES) {
          const head = parseHead(buf.subarray(0, end).toString('utf8'), end + 4);
          if (head.kind === 'request' && head.method !== 'ACK') this.send(statelessResponse(head, 513, 'Message Too Large'), peer).catch(() => undefined);
        }
      } catch {
        // not even a readable head: dropped
      }
      return;
    }
    let msg: { head: SipHead; text: string };
    try {
      msg = parseDatagram(buf);
    } catch (err) {
      this.stats.malformed++;
      if (!(err instanceof MalformedMessage)) this.o.log.debug({ err: String(err) }, 'unreadable datagram');
      return;
    }
    if (msg.head.kind === 'response') this.retrans.response(msg.head.via.branch, msg.head.cseq.method, msg.head.status!);
    this.deliver({ ...msg, peer });
  }

  private deliver(m: Inbound): void {
    try {
      this.o.onMessage(m);
    } catch (err) {
      this.stats.malformed++;
      this.o.log.debug({ err: String(err) }, 'a message the user agent could not take');
    }
  }

  private accept(sock: Socket, proto: Proto): void {
    if (this.conns.size >= MAX_CONNECTIONS) {
      this.stats.refusedConnections++;
      sock.destroy();
      return;
    }
    this.adopt(sock, proto, `${proto}:${sock.remoteAddress}:${sock.remotePort}`);
  }

  /** Frames what `sock` receives and keeps it for replies and reuse under `key`. */
  private adopt(sock: Socket, proto: Proto, key: string): void {
    this.conns.set(key, sock);
    this.stats.connections++;
    idleClose(sock);
    const peer: Peer = { proto, address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0, conn: sock };
    const framer = new StreamFramer((e) => {
      if (e.kind === 'message') {
        this.stats.received++;
        this.deliver({ head: e.head, text: e.text, peer });
        return;
      }
      if (e.kind === 'oversize') {
        this.stats.oversize++;
        if (e.head?.kind === 'request') sock.write(statelessResponse(e.head, 513, 'Message Too Large'));
      } else this.stats.malformed++;
      sock.end();
      setTimeout(() => sock.destroy(), 1000).unref();
    });
    sock.on('data', (chunk: Buffer) => framer.push(chunk));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      if (this.conns.get(key) === sock) this.conns.delete(key);
    });
  }

  /** Sends a message; requests over UDP are retransmitted until answered (retransmit.ts). */
  async send(text: string, to: Peer & { verify?: boolean; servername?: string }): Promise<void> {
    this.stats.sent++;
    if (to.proto === 'UDP') {
      const udp = this.udp;
      if (!udp) throw new Error('the SIP socket is closed');
      const rk = requestKey(text);
      if (rk) {
        const key = Retransmitter.key(rk.branch, rk.method);
        if (this.sentUdp.size >= 1024) this.sentUdp.delete(this.sentUdp.keys().next().value as string);
        this.sentUdp.set(key, { text, address: to.address, port: to.port });
        this.retrans.track(rk.branch, rk.method);
      }
      await new Promise<void>((resolve, reject) => udp.send(text, to.port, to.address, (err) => (err ? reject(err) : resolve())));
      return;
    }
    const sock = to.conn && !to.conn.destroyed ? to.conn : await this.connection(to);
    await new Promise<void>((resolve, reject) => sock.write(text, (err) => (err ? reject(err) : resolve())));
  }

  /** An open stream to `to` (reused), or a new one. */
  private async connection(to: Peer & { verify?: boolean; servername?: string }): Promise<Socket> {
    const key = `${to.proto}:${to.address}:${to.port}`;
    const have = this.conns.get(key);
    if (have && !have.destroyed) return have;
    if (this.conns.size >= MAX_CONNECTIONS) throw new Error(`at most ${MAX_CONNECTIONS} SIP connections`);
    const sock: Socket = await new Promise((resolve, reject) => {
      const s: Socket | TLSSocket =
        to.proto === 'TLS'
          ? tlsConnect({ host: to.address, port: to.port, rejectUnauthorized: to.verify ?? false, servername: to.servername, minVersion: 'TLSv1.2' }, () => resolve(s))
          : netConnect({ host: to.address, port: to.port, localAddress: this.o.address === '0.0.0.0' ? undefined : this.o.address }, () => resolve(s));
      s.once('error', reject);
      s.setTimeout(10_000, () => s.destroy(new Error('connect timeout')));
    });
    sock.setTimeout(0);
    this.adopt(sock, to.proto, key);
    return sock;
  }

  async stop(): Promise<void> {
    this.retrans.stop();
    for (const s of this.conns.values()) s.destroy();
    this.conns.clear();
    await new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r()));
    this.udp = undefined;
    for (const srv of [this.tcp, this.tlsServer]) if (srv) await new Promise<void>((r) => srv.close(() => r()));
  }
}

function listen(srv: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, host, () => {
      srv.off('error', reject);
      resolve();
    });
  });
}
