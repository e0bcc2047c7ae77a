import { Registerer, RegistererState, UserAgent, type Invitation, type Session, type SessionDescriptionHandler } from 'sip.js';
import type { Logger } from '@belfry/core';
import { sortedProxies, type SipAccount } from './accounts.js';
import type { Proto, SipNetwork, Peer } from './transport/network.js';
import { UaTransport, uriTarget } from './transport/ua-transport.js';

export type AccountStatus = 'Registered' | 'Unregistered' | 'Failed' | 'PeerToPeer' | 'Inactive';

export interface AgentDeps {
  network: SipNetwork;
  address: string;
  ports: { udp: number; tls: number };
  log: Logger;
  registrationInterval: () => number;
  failbackSeconds: () => number;
  udpToTcp: () => boolean;
  mapped: () => { address: string; port: number } | undefined;
  sdh(session: Session, agent: AccountAgent): SessionDescriptionHandler;
  onInvite(agent: AccountAgent, inv: Invitation): void;
  onStatus(agent: AccountAgent): void;
  sent(branch: string, t: UaTransport): void;
  peerOf(branch: string): Peer | undefined;
}

/**
 * One account's sip.js user agent on the shared network, and for a registered account its
 * registration: Digest is sip.js's; failover to the secondary server when the primary times out or
 * fails (408/5xx), failback to the primary after SIP.FailbackSeconds.
 */
export class AccountAgent {
  readonly ua: UserAgent;
  transport?: UaTransport;
  status: AccountStatus;
  /** which server a registered account uses now */
  server: 'primary' | 'secondary' = 'primary';
  /** the account's proxies, tried first to last (Priority 1 first), and the one in use */
  readonly proxies: { host: string; port: number }[];
  proxy = 0;
  private proxyFailback?: NodeJS.Timeout;
  private registerer?: Registerer;
  private failback?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    readonly account: SipAccount,
    private readonly d: AgentDeps,
  ) {
    const proto = account.transport.toUpperCase() as Proto;
    const defaultPort = proto === 'TLS' ? 5061 : 5060;
    this.proxies = sortedProxies(account).map((u) => uriTarget(`sip:${u}`)!).map((t) => ({ host: t.host, port: t.port ?? defaultPort }));
    const host = account.registered ? (account.domain ?? uriTarget(`sip:${account.registrar}`)!.host) : d.address;
    this.status = !account.active ? 'Inactive' : account.registered ? 'Unregistered' : 'PeerToPeer';
    this.ua = new UserAgent({
      uri: UserAgent.makeURI(`sip:${account.user}@${host}`),
      viaHost: d.address,
      contactName: account.user,
      contactParams: { transport: proto.toLowerCase() },
      displayName: account.callerId || undefined,
      authorizationUsername: account.authId ?? account.user,
      authorizationPassword: account.password ?? undefined,
      userAgentString: 'Belfry sipd',
      transportConstructor: UaTransport,
      transportOptions: {
        network: d.network,
        viaHost: d.address,
        localPort: proto === 'TLS' ? d.ports.tls : d.ports.udp,
        proto,
        server: account.registered || this.proxies.length ? () => this.proxies[this.proxy] ?? this.serverTarget() : undefined,
        proxyFailed: this.proxies.length ? () => this.proxyFailed() : undefined,
        verifyTls: account.verifyTls,
        udpToTcp: d.udpToTcp,
        mapped: d.mapped,
        sent: d.sent,
        peerOf: d.peerOf,
        attach: (t: UaTransport) => (this.transport = t),
      },
      sessionDescriptionHandlerFactory: (session: Session) => d.sdh(session, this),
      delegate: { onInvite: (inv) => d.onInvite(this, inv) },
      logBuiltinEnabled: false,
      logConfiguration: false,
      logLevel: 'warn',
      // sip.js's warnings name what it dropped; they never carry a password (it sends only digests)
      logConnector: (level, category, _label, content) => d.log.debug({ sipjs: category, level }, content.slice(0, 200)),
    });
  }

  /**
   * The proxy in use went unanswered (or refused the connection): the next one, if any. The first
   * is tried again after SIP.FailbackSeconds; past the last, requests stay with the last.
   */
  proxyFailed(): boolean {
    if (this.stopped || this.proxy + 1 >= this.proxies.length) return false;
    this.proxy++;
    const p = this.proxies[this.proxy]!;
    this.d.log.info({ account: this.account.id, proxy: `${p.host}:${p.port}` }, 'sip: failover to the next proxy');
    clearTimeout(this.proxyFailback);
    this.proxyFailback = setTimeout(() => (this.proxy = 0), this.d.failbackSeconds() * 1000);
    this.proxyFailback.unref();
    return true;
  }

  /** The current registrar as host and port. */
  serverTarget(): { host: string; port: number } | undefined {
    const s = this.server === 'secondary' && this.account.secondary ? this.account.secondary : this.account.registrar;
    const t = s ? uriTarget(`sip:${s}`) : undefined;
    return t ? { host: t.host, port: t.port ?? (this.account.transport === 'tls' ? 5061 : 5060) } : undefined;
  }

  async start(): Promise<void> {
    await this.ua.start();
    if (this.account.active && this.account.registered) this.register();
    this.d.onStatus(this);
  }

  private setStatus(s: AccountStatus): void {
    if (s === this.status) return;
    this.status = s;
    this.d.onStatus(this);
  }

  /** (Re)registers with the current server. */
  register(): void {
    if (this.stopped) return;
    const t = this.serverTarget();
    if (!t) return;
    const old = this.registerer;
    this.registerer = new Registerer(this.ua, { expires: this.d.registrationInterval(), registrar: UserAgent.makeURI(`sip:${t.host}:${t.port}`) });
    void old?.dispose().catch(() => undefined);
    const reg = this.registerer;
    reg.stateChange.addListener((st) => {
      if (reg !== this.registerer) return;
      if (st === RegistererState.Registered) this.setStatus('Registered');
    });
    reg
      .register({
        requestDelegate: {
          onReject: (res) => {
            if (reg !== this.registerer) return;
            const code = res.message.statusCode ?? 0;
            this.setStatus('Failed');
            if (code === 408 || code >= 500) this.failover();
          },
        },
      })
      .catch(() => {
        if (reg === this.registerer) this.setStatus('Failed');
      });
  }

  /** The primary is lost: register with the secondary, and go back after SIP.FailbackSeconds. */
  private failover(): void {
    if (this.server === 'primary' && this.account.secondary) {
      this.server = 'secondary';
      this.d.log.info({ account: this.account.id }, 'sip: failover to the secondary server');
      this.register();
      clearTimeout(this.failback);
      this.failback = setTimeout(() => {
        this.server = 'primary';
        this.d.log.info({ account: this.account.id }, 'sip: failback to the primary server');
        this.register();
      }, this.d.failbackSeconds() * 1000);
      this.failback.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.failback);
    clearTimeout(this.proxyFailback);
    // an unregister or a dispose waits for the server's answer (up to timer F, 32 s) when the
    // server is gone: give each half a second, then stop anyway
    const brief = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 500).unref())]);
    if (this.registerer && this.status === 'Registered') await brief(this.registerer.unregister());
    if (this.registerer) {
      await brief(this.registerer.dispose());
      // its refresh timers (90% of the expiry) would keep the process alive: cleared (a JS-private method)
      (this.registerer as unknown as { clearTimers?: () => void }).clearTimers?.();
    }
    await brief(this.ua.stop());
  }
}
