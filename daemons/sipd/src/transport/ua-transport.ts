import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Transport as SipjsTransport } from 'sip.js';
import { TransportState } from 'sip.js';
import type { Peer, Proto, SipNetwork } from './network.js';

/** Past this size a UDP request goes over TCP when UDP-to-TCP switching is on (RFC 3261 §18.1.1). */
export const UDP_SWITCH_BYTES = 1300;

/** Where one account's requests go and how its messages are rewritten (see UaTransport). */
export interface TransportOptions {
  network: SipNetwork;
  /** the host sip.js writes in Via and Contact (the device's address) */
  viaHost: string;
  /** the port the device listens on for `proto`: added to Via and Contact on the way out */
  localPort: number;
  proto: Proto;
  /** the account's current proxy, else its registrar: every request goes there (outbound proxy) */
  server?: () => { host: string; port: number } | undefined;
  /** the current proxy did not answer: move to the next; false when there is none to move to */
  proxyFailed?: () => boolean;
  verifyTls?: boolean;
  udpToTcp?: () => boolean;
  /** the address a NAT maps the SIP socket to (STUN), written in Contact instead of our own */
  mapped?: () => { address: string; port: number } | undefined;
  /** a request with this branch went out through this transport (its responses come back here) */
  sent(branch: string, t: UaTransport): void;
  /** the peer a request with this branch came from (for the response) */
  peerOf(branch: string): Peer | undefined;
  /** registered when sip.js makes the transport, so the dispatcher can hand it messages */
  attach(t: UaTransport): void;
}

const DEFAULT_PORT: Record<Proto, number> = { UDP: 5060, TCP: 5060, TLS: 5061 };
/** Requests remembered for proxy failover (a transaction lasts at most 32 s). */
const MAX_RECENT = 64;

/** host[:port] of a SIP URI (its transport param too). */
export function uriTarget(uri: string): { host: string; port?: number; transport?: string } | undefined {
  const m = /^<?sips?:(?:[^@<>]*@)?(\[[^\]]+\]|[^:;>?]+)(?::(\d+))?([^>]*)>?/i.exec(uri.trim());
  if (!m) return undefined;
  const transport = /;transport=(\w+)/i.exec(m[3] ?? '')?.[1]?.toUpperCase();
  return { host: m[1]!.replace(/^\[|\]$/g, ''), ...(m[2] ? { port: Number(m[2]) } : {}), ...(transport ? { transport } : {}) };
}

/**
 * The transport sip.js runs on (`transportConstructor`): a view of the shared SipNetwork for one
 * user agent. sip.js assumes one connected server (it was written for WebSocket), so the
 * destination of each message is found here, as RFC 3261 §18 and §8.1.2 say: a response goes back
 * to where its request came from; a request to the account's server, else its top Route, else its
 * Request-URI. sip.js writes Via and Contact without a port and drops responses whose Via has one:
 * the port is added on the way out and removed from our own Via on the way in.
 */
export class UaTransport implements SipjsTransport {
  readonly protocol: string;
  state = TransportState.Disconnected;
  readonly stateChange = { addListener: () => undefined, removeListener: () => undefined, on: () => undefined, off: () => undefined, once: () => undefined } as unknown as SipjsTransport['stateChange'];
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;
  /** requests sent lately, by branch: sent again through the next proxy when one goes unanswered */
  private readonly recent = new Map<string, string>();

  constructor(
    _logger: unknown,
    private readonly o: TransportOptions,
  ) {
    this.protocol = o.proto;
    o.attach(this);
  }

  async connect(): Promise<void> {
    this.state = TransportState.Connected;
    this.onConnect?.();
  }
  async disconnect(): Promise<void> {
    this.state = TransportState.Disconnected;
  }
  async dispose(): Promise<void> {
    this.state = TransportState.Disconnected;
  }
  isConnected(): boolean {
    return this.state === TransportState.Connected;
  }

  async send(message: string): Promise<void> {
    let text = this.outbound(message);
    const request = !text.startsWith('SIP/2.0');
    const proto = request ? this.requestProto(text) : this.o.proto;
    // RFC 3261 §18.1.1: a request switched to TCP says so in its top Via (the responses come back on it)
    if (proto !== this.o.proto) text = text.replace(/^(Via: SIP\/2\.0\/)UDP /m, `$1${proto} `);
    if (request) {
      const branch = /^Via:[^\r\n]*;\s*branch=([^;\s,\r\n]+)/im.exec(text)?.[1] ?? '';
      this.o.sent(branch, this);
      if (this.o.proxyFailed) this.remember(branch, message);
    }
    const to = await this.destination(text, proto);
    if (!to) throw new Error('no destination for the message');
    try {
      await this.o.network.send(text, to);
    } catch (err) {
      // a proxy that refuses the connection (TCP/TLS): the next one, as for one that does not answer
      if (request && this.o.proxyFailed?.()) return this.send(message);
      throw err;
    }
  }

  private remember(branch: string, message: string): void {
    this.recent.set(branch, message);
    if (this.recent.size > MAX_RECENT) this.recent.delete(this.recent.keys().next().value as string);
  }

  /** A request of ours got no response at all (UDP, after its retransmissions): through the next proxy. */
  unanswered(branch: string): void {
    const message = this.recent.get(branch);
    if (!message || !this.o.proxyFailed?.()) return;
    this.recent.delete(branch);
    void this.send(message).catch(() => undefined);
  }

  /** Hands sip.js a message from the network (the dispatcher calls this). */
  receive(text: string): void {
    this.onMessage?.(text.startsWith('SIP/2.0') ? this.inboundResponse(text) : text);
  }

  private get ownPort(): boolean {
    return this.o.localPort !== DEFAULT_PORT[this.o.proto];
  }

  /** Adds our port to the top Via (requests) and to Contact; with a STUN mapping, Contact is the mapped address. */
  outbound(message: string): string {
    const host = escapeRe(this.o.viaHost);
    const mapped = this.o.mapped?.();
    if (mapped) return this.withPort(message, host).replace(new RegExp(`^(Contact: [^\\r\\n]*@)${host}(?::\\d+)?([;>])`, 'm'), `$1${mapped.address}:${mapped.port}$2`);
    return this.withPort(message, host);
  }

  private withPort(message: string, host: string): string {
    if (!this.ownPort) return message;
    let out = message;
    if (!message.startsWith('SIP/2.0')) out = out.replace(new RegExp(`^(Via: SIP/2\\.0/\\w+ ${host})(;)`, 'm'), `$1:${this.o.localPort}$2`);
    return out.replace(new RegExp(`^(Contact: [^\\r\\n]*@${host})([;>])`, 'm'), `$1:${this.o.localPort}$2`);
  }

  /** Removes our port from the top Via of a response, so sip.js takes it. */
  private inboundResponse(text: string): string {
    const host = escapeRe(this.o.viaHost);
    return text.replace(new RegExp(`^((?:Via|v)\\s*:\\s*SIP\\s*/\\s*2\\.0\\s*/\\s*\\w+\\s+${host}):${this.o.localPort}\\b`, 'im'), '$1');
  }

  /** The transport of a request: the account's, or TCP for a large one when UDP-to-TCP switching is on. */
  requestProto(text: string): Proto {
    if (this.o.proto === 'UDP' && this.o.udpToTcp?.() && Buffer.byteLength(text) > UDP_SWITCH_BYTES) return 'TCP';
    return this.o.proto;
  }

  private async destination(text: string, proto: Proto): Promise<(Peer & { verify?: boolean; servername?: string }) | undefined> {
    if (text.startsWith('SIP/2.0')) {
      const branch = /^Via:[^\r\n]*;\s*branch=([^;\s,\r\n]+)/im.exec(text)?.[1] ?? '';
      const p = this.o.peerOf(branch);
      if (p) return p;
      const via = /^Via: SIP\/2\.0\/(\w+) ([^;\s]+)/im.exec(text);
      const t = via ? uriTarget(`sip:${via[2]}`) : undefined;
      return t ? { proto: this.o.proto, address: t.host, port: t.port ?? DEFAULT_PORT[this.o.proto] } : undefined;
    }
    const server = this.o.server?.();
    const route = /^Route:\s*([^\r\n,]+)/im.exec(text)?.[1];
    const t = server ?? (route ? uriTarget(route) : undefined) ?? uriTarget(text.slice(text.indexOf(' ') + 1, text.indexOf(' SIP/2.0')));
    if (!t) return undefined;
    const address = isIP(t.host) ? t.host : (await lookup(t.host, { family: 4 })).address;
    return { proto, address, port: t.port ?? DEFAULT_PORT[proto], verify: this.o.verifyTls, servername: isIP(t.host) ? undefined : t.host };
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
