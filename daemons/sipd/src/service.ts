import { lookup } from 'node:dns/promises';
import type { DaemonContext } from '@belfry/core';
import type { Settings } from '@belfry/core';
import { P2P_ID, type AccountStore } from './accounts.js';
import { AccountAgent } from './agent.js';
import { CallManager } from './calls.js';
import { MAX_CALLS, SIPD_EVENTS } from './contract.js';
import type { DtmfSequence } from './dtmf.js';
import type { Media, RtpCodec } from './media.js';
import { RtpSessionHandler } from './sdh.js';
import { sipTlsMaterial } from './tls-cert.js';
import { statelessResponse } from './transport/message.js';
import { SipNetwork, type Inbound, type Peer } from './transport/network.js';
import { uriTarget, type UaTransport } from './transport/ua-transport.js';

export type SipSettings = Settings['SIP'];

/** Remembered branches (where a request came from, which transport sent one): bounded, oldest first out. */
const MAX_BRANCHES = 4096;
/** New INVITEs (no To tag) per second past which sipd answers 503 before sip.js sees them. */
export const MAX_NEW_INVITES_PER_S = 50;

/** A media type as RFC 3261 §20.15 writes it (type/subtype, then parameters). */
const CONTENT_TYPE_RE = /^[A-Za-z0-9!#$&.+^_`{|}~-]+\/[A-Za-z0-9!#$&.+^_`{|}~-]+\s*(;.*)?$/;

function remember<V>(m: Map<string, V>, k: string, v: V): void {
  if (!k) return;
  m.delete(k);
  m.set(k, v);
  if (m.size > MAX_BRANCHES) m.delete(m.keys().next().value as string);
}

/**
 * sipd at work: the shared network, one user agent per active account, and the calls. Incoming
 * messages are dispatched here (RFC 3261 §18.2: responses to the transport that sent the request,
 * by branch; requests to the account whose user the Request-URI names, else to the peer-to-peer
 * default, which accepts any user at the device's address). A flood of new INVITEs is refused here
 * (486 past MAX_CALLS, 503 past MAX_NEW_INVITES_PER_S) before sip.js makes transactions for it.
 */
export class SipService {
  network?: SipNetwork;
  agents: AccountAgent[] = [];
  readonly calls: CallManager;
  private readonly peers = new Map<string, Peer>();
  private readonly sentBy = new Map<string, UaTransport>();
  private codecs: RtpCodec[] = [];
  private mapped?: { address: string; port: number };
  private inviteWindow = { second: 0, count: 0 };
  private offMedia?: () => Promise<void>;

  constructor(
    private readonly ctx: DaemonContext,
    private readonly o: { address: string; store: AccountStore; media: Media; settings: () => SipSettings; sequences: () => DtmfSequence[] },
  ) {
    this.calls = new CallManager({
      events: ctx.events,
      log: ctx.log,
      sequences: o.sequences,
      settings: () => {
        const s = o.settings();
        return { enabled: s.Enabled, allowIncoming: s.AllowIncomingCalls, callingTimeoutS: s.CallingTimeout, incomingDurationS: s.IncomingCallDuration, endAfterS: s.EndCallsAfter, applyAllowedURIs: s.ApplyAllowedURIs, allowedURIs: s.AllowedURIs };
      },
    });
  }

  /** Opens the sockets and starts every active account (when SIP is enabled). */
  async start(): Promise<void> {
    const s = this.o.settings();
    if (!s.Enabled) return;
    this.codecs = await this.o.media.codecs().catch((err: unknown) => {
      this.ctx.log.warn({ err: String(err) }, 'sip: audiod did not list its RTP codecs; calls cannot carry audio until it does');
      return [];
    });
    this.offMedia = await this.o.media.watch({
      dtmf: (callId, digit) => {
        const c = this.calls.get(callId);
        if (c && c.agent.account.dtmfRtp) this.calls.digit(c, digit);
      },
      ended: (callId) => void (this.calls.get(callId) && this.calls.hangup(callId)),
    });
    const tls = await sipTlsMaterial(this.ctx.stateDir, this.o.address);
    if (!tls) this.ctx.log.warn('sip: no TLS listener (openssl could not make its certificate); outgoing TLS still works');
    const net = new SipNetwork({ address: this.o.address, port: s.Port, tlsPort: s.TLSPort, tls, maxRetransmissions: () => this.o.settings().MaxRetransmissions, onMessage: (m) => this.dispatch(m), onUnanswered: (branch) => this.sentBy.get(branch)?.unanswered(branch), log: this.ctx.log });
    await net.start();
    this.network = net;
    if (s['STUN.Enabled']) await this.stun(net, s['STUN.Servers']);
    for (const a of this.o.store.list()) {
      const agent = this.agent(a.id);
      if (agent) {
        this.agents.push(agent);
        await agent.start();
      }
    }
  }

  /** The mapped address from the first STUN server that answers (Contact and SDP use it). */
  private async stun(net: SipNetwork, servers: string[]): Promise<void> {
    for (const srv of servers) {
      const t = uriTarget(`sip:${srv}`);
      if (!t) continue;
      const address = await lookup(t.host, { family: 4 }).then((r) => r.address, () => undefined);
      const m = address ? await net.stun(address, t.port ?? 3478) : undefined;
      if (m) {
        this.mapped = m;
        this.ctx.log.info({ server: srv, mapped: `${m.address}:${m.port}` }, 'sip: STUN mapped address');
        return;
      }
    }
    this.ctx.log.warn({ servers }, 'sip: no STUN server answered; the local address is used');
  }

  private agent(id: string): AccountAgent | undefined {
    const a = this.o.store.get(id);
    if (!a || !this.network) return undefined;
    const s = this.o.settings();
    return new AccountAgent(a, {
      network: this.network,
      address: this.o.address,
      ports: { udp: s.Port, tls: s.TLSPort },
      log: this.ctx.log,
      registrationInterval: () => this.o.settings().RegistrationInterval,
      failbackSeconds: () => this.o.settings().FailbackSeconds,
      udpToTcp: () => this.o.settings().UDPToTCPSwitch,
      mapped: () => this.mapped,
      sdh: (session, agent) => {
        const call = this.calls.callOf(session);
        const st = this.o.settings();
        return new RtpSessionHandler({
          callId: call?.id ?? `orphan-${Date.now()}`,
          media: this.o.media,
          // behind a NAT (STUN), the mapped address; the RTP port is taken to be kept by the NAT
          address: this.mapped?.address ?? this.o.address,
          codecs: this.codecs,
          priority: st.AudioCodecs,
          direction: st.AudioDirection,
          dtmfPayloadType: agent.account.dtmfRtp ? st.DTMFPayloadType : undefined,
          onStarted: (info) => {
            if (call) call.codec = info.codec;
          },
        });
      },
      onInvite: (agent, inv) => this.calls.incoming(agent, inv),
      onStatus: (agent) => this.ctx.events.setState(SIPD_EVENTS.account.topic, { SIPAccountId: agent.account.id }, { Registered: agent.status === 'Registered', Status: agent.status, Server: agent.account.registered ? agent.server : '' }),
      sent: (branch, t) => remember(this.sentBy, branch, t),
      peerOf: (branch) => this.peers.get(branch),
    });
  }

  private dispatch(m: Inbound): void {
    const { head } = m;
    // sip.js throws (asynchronously, past any catch) on a body without a readable Content-Type
    const bodyBytes = m.text.length - m.text.indexOf('\r\n\r\n') - 4;
    if (bodyBytes > 0 && !CONTENT_TYPE_RE.test(head.headers.get('content-type')?.[0] ?? '')) {
      if (head.kind === 'request') this.refuse(m, 400, 'Bad Request');
      return;
    }
    if (head.kind === 'response') {
      this.sentBy.get(head.via.branch)?.receive(m.text);
      return;
    }
    remember(this.peers, head.via.branch, m.peer);
    if (head.method === 'INVITE' && !/;\s*tag=/i.test(head.headers.get('to')?.[0] ?? '')) {
      const sec = Math.floor(Date.now() / 1000);
      if (this.inviteWindow.second !== sec) this.inviteWindow = { second: sec, count: 0 };
      if (++this.inviteWindow.count > MAX_NEW_INVITES_PER_S) return this.refuse(m, 503, 'Service Unavailable');
      if (this.calls.active >= MAX_CALLS) return this.refuse(m, 486, 'Busy Here');
    }
    const user = /^sips?:(?:([^@;?>]+)@)?/i.exec(head.uri ?? '')?.[1];
    const agent = this.agents.find((a) => a.account.registered && a.account.user === user) ?? this.agents.find((a) => a.account.user === user) ?? this.agents.find((a) => !a.account.registered && a.account.id === P2P_ID) ?? this.agents.find((a) => !a.account.registered);
    if (!agent?.transport) {
      if (head.method !== 'ACK') this.refuse(m, 404, 'Not Found');
      return;
    }
    let text = m.text;
    // peer-to-peer: any user (or none) at the device's address is this account
    if (user !== agent.account.user) text = text.replace(/^(\S+ sips?:)(?:[^@\s;?>]+@)?/i, `$1${agent.account.user}@`);
    agent.transport.receive(text);
  }

  private refuse(m: Inbound, code: number, reason: string): void {
    if (m.head.method === 'ACK') return;
    this.network?.send(statelessResponse(m.head, code, reason), m.peer).catch(() => undefined);
  }

  agentFor(accountId?: string): AccountAgent | undefined {
    const id = accountId ?? this.o.store.default().id;
    return this.agents.find((a) => a.account.id === id);
  }

  async stop(): Promise<void> {
    await this.calls.stop();
    await new Promise((r) => setTimeout(r, this.calls.active ? 200 : 0));
    for (const a of this.agents) await a.stop();
    this.agents = [];
    await this.offMedia?.();
    await this.network?.stop();
    this.network = undefined;
  }
}
