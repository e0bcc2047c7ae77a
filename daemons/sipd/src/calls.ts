import { randomBytes } from 'node:crypto';
import { Invitation, Inviter, SessionState, UserAgent, type Info, type Session } from 'sip.js';
import { BelfryError, type EventPublisher, type Logger } from '@belfry/core';
import type { AccountAgent } from './agent.js';
import { CALL_STATES, MAX_CALLS, SIPD_EVENTS, type CallState } from './contract.js';
import { DtmfMatcher, infoDigit, type DtmfSequence } from './dtmf.js';

/** Terminated calls kept for GetCallStatus. */
export const KEEP_ENDED = 16;

export interface CallSettings {
  enabled: boolean;
  allowIncoming: boolean;
  callingTimeoutS: number;
  incomingDurationS: number;
  /** 0 = infinite */
  endAfterS: number;
  applyAllowedURIs: boolean;
  allowedURIs: string[];
}

export interface Call {
  id: string;
  accountId: string;
  direction: 'Incoming' | 'Outgoing';
  state: CallState;
  reason: string;
  started: Date;
  remoteUri: string;
  deviceUri: string;
  codec?: string;
  session: Session;
  timers: NodeJS.Timeout[];
  dtmf: DtmfMatcher;
  agent: AccountAgent;
}

const E = SIPD_EVENTS;

/**
 * Every call: incoming (ringing → answered automatically or by `answer` → active → ended) and
 * outgoing (calling → active → ended), with the limits of the settings (calling timeout, incoming
 * call duration, end calls after, MAX_CALLS), the call events, and DTMF from SIP INFO and audiod.
 */
export class CallManager {
  private readonly calls = new Map<string, Call>();
  private readonly ended: Call[] = [];
  private readonly bySession = new WeakMap<Session, Call>();
  private n = 0;

  constructor(
    private readonly d: {
      events: EventPublisher;
      log: Logger;
      settings: () => CallSettings;
      sequences: () => DtmfSequence[];
    },
  ) {}

  get active(): number {
    return this.calls.size;
  }

  callOf(session: Session): Call | undefined {
    return this.bySession.get(session);
  }

  /** A call id for a new call, also the RTP session's id at audiod (a topic level: [A-Za-z0-9-]). */
  private newId(): string {
    return `call-${++this.n}-${randomBytes(4).toString('hex')}`;
  }

  private track(c: Call): void {
    this.calls.set(c.id, c);
    this.bySession.set(c.session, c);
    c.session.stateChange.addListener((s) => this.onSession(c, s));
    c.session.delegate = { onInfo: (info) => this.onInfo(c, info) };
  }

  private setState(c: Call, state: CallState, reason: string): void {
    c.state = state;
    c.reason = reason;
    this.d.events.emit(E.stateChange.topic, { source: { CallId: c.id }, data: { Reason: reason } });
    this.d.events.setState(E.callState.topic, { CallId: c.id }, { CallState: state === 'Terminated' ? 'Idle' : state, Direction: c.direction, RemoteURI: c.remoteUri, SIPAccountId: c.accountId });
  }

  /** An INVITE for `agent`'s account. */
  incoming(agent: AccountAgent, inv: Invitation): void {
    const s = this.d.settings();
    const remoteUri = inv.remoteIdentity.uri.toString();
    if (!s.enabled || !s.allowIncoming || !agent.account.active) return void inv.reject({ statusCode: 403 }).catch(() => undefined);
    if (s.applyAllowedURIs && !s.allowedURIs.some((u) => sameUri(u, remoteUri))) return void inv.reject({ statusCode: 403 }).catch(() => undefined);
    if (this.calls.size >= MAX_CALLS) return void inv.reject({ statusCode: 486 }).catch(() => undefined);
    const c: Call = { id: this.newId(), accountId: agent.account.id, direction: 'Incoming', state: 'Ringing', reason: 'Incoming', started: new Date(), remoteUri, deviceUri: inv.localIdentity.uri.toString(), session: inv, timers: [], dtmf: new DtmfMatcher(), agent };
    this.track(c);
    this.setState(c, 'Ringing', 'Incoming');
    this.timer(c, s.callingTimeoutS, () => {
      if (c.state === 'Ringing') {
        c.reason = 'NoAnswer';
        inv.reject({ statusCode: 480 }).catch(() => undefined);
      }
    });
    inv.progress().catch(() => undefined);
    if (agent.account.autoAnswer) this.accept(c);
  }

  private accept(c: Call): void {
    if (!(c.session instanceof Invitation) || c.state !== 'Ringing') return;
    c.session.accept().catch((err: unknown) => {
      this.d.log.warn({ call: c.id, err: String(err) }, 'sip: could not answer');
      c.reason = 'Failed';
      if (c.session instanceof Invitation) c.session.reject({ statusCode: 488 }).catch(() => undefined);
    });
  }

  /** Answers ringing calls (one, or all). */
  answer(callId?: string): number {
    let n = 0;
    for (const c of this.calls.values()) {
      if ((callId && c.id !== callId) || c.direction !== 'Incoming' || c.state !== 'Ringing') continue;
      this.accept(c);
      n++;
    }
    if (callId && !n) throw new BelfryError('not_found', `no ringing call ${callId}`);
    return n;
  }

  /** Calls `to` from `agent`'s account. */
  outgoing(agent: AccountAgent, to: string): Call {
    const s = this.d.settings();
    if (!s.enabled) throw new BelfryError('failed_precondition', 'SIP is not enabled');
    if (!agent.account.active) throw new BelfryError('failed_precondition', `account ${agent.account.id} is not active`);
    if (this.calls.size >= MAX_CALLS) throw new BelfryError('limit_exceeded', `at most ${MAX_CALLS} calls at once`);
    const target = UserAgent.makeURI(to.includes('@') || !/^sips?:/.test(to) ? to : to.replace(/^(sips?:)/, `$1${'anonymous'}@`));
    if (!target) throw new BelfryError('invalid_argument', `'${to}' is not a SIP address`);
    const inviter = new Inviter(agent.ua, target);
    const c: Call = { id: this.newId(), accountId: agent.account.id, direction: 'Outgoing', state: 'Calling', reason: 'Initiated', started: new Date(), remoteUri: target.toString(), deviceUri: agent.ua.configuration.uri.toString(), session: inviter, timers: [], dtmf: new DtmfMatcher(), agent };
    this.track(c);
    this.setState(c, 'Calling', 'Initiated');
    this.timer(c, s.callingTimeoutS, () => {
      if (c.state === 'Calling') {
        c.reason = 'NoAnswer';
        inviter.cancel().catch(() => undefined);
      }
    });
    inviter
      .invite({
        requestDelegate: {
          onReject: (res) => {
            const code = res.message.statusCode ?? 0;
            c.reason = code === 486 || code === 600 ? 'Busy' : code === 408 || code === 480 ? 'NoAnswer' : 'Rejected';
          },
        },
      })
      .catch((err: unknown) => {
        c.reason = 'Failed';
        this.d.log.info({ call: c.id, err: String(err) }, 'sip: the call could not be made');
        this.end(c);
      });
    return c;
  }

  private onSession(c: Call, s: SessionState): void {
    if (s === SessionState.Established) {
      this.setState(c, 'Active', c.direction === 'Incoming' ? 'Answered' : 'AcceptedByRemote');
      for (const t of c.timers) clearTimeout(t);
      c.timers = [];
      const st = this.d.settings();
      const limits = [c.direction === 'Incoming' ? st.incomingDurationS : 0, st.endAfterS].filter((x) => x > 0);
      if (limits.length)
        this.timer(c, Math.min(...limits), () => {
          c.reason = 'TimeLimit';
          this.hangupCall(c);
        });
    } else if (s === SessionState.Terminating && c.state !== 'Terminating') {
      c.state = 'Terminating';
    } else if (s === SessionState.Terminated) this.end(c);
  }

  private end(c: Call): void {
    if (!this.calls.has(c.id)) return;
    for (const t of c.timers) clearTimeout(t);
    this.calls.delete(c.id);
    const reason = c.reason === 'Answered' || c.reason === 'AcceptedByRemote' || c.reason === 'Incoming' || c.reason === 'Initiated' ? 'Terminated' : c.reason;
    this.setState(c, 'Terminated', reason);
    this.ended.unshift(c);
    this.ended.length = Math.min(this.ended.length, KEEP_ENDED);
    // the retained state says Idle; the instance itself goes when the call leaves the list
    setTimeout(() => this.d.events.deleteState(E.callState.topic, { CallId: c.id }), 2000).unref();
  }

  private timer(c: Call, seconds: number, fn: () => void): void {
    const t = setTimeout(fn, seconds * 1000);
    t.unref();
    c.timers.push(t);
  }

  private hangupCall(c: Call): void {
    const s = c.session;
    const p =
      s.state === SessionState.Established ? s.bye() : s instanceof Inviter ? s.cancel() : s instanceof Invitation && s.state !== SessionState.Terminated ? s.reject({ statusCode: 486 }) : Promise.resolve();
    p.catch(() => s.dispose().catch(() => undefined));
  }

  /** Ends one call or all. */
  hangup(callId?: string): number {
    const list = [...this.calls.values()].filter((c) => !callId || c.id === callId);
    if (callId && !list.length) throw new BelfryError('not_found', `no call ${callId}`);
    for (const c of list) {
      if (c.reason === 'Incoming' || c.reason === 'Initiated' || c.state === 'Active') c.reason = 'Terminated';
      this.hangupCall(c);
    }
    return list.length;
  }

  private onInfo(c: Call, info: Info): void {
    const req = info.request;
    const digit = c.agent.account.dtmfInfo ? infoDigit(req.getHeader('content-type') ?? '', req.body ?? '') : undefined;
    info.accept().catch(() => undefined);
    if (digit) this.digit(c, digit);
  }

  /** A DTMF digit of a call (SIP INFO or RFC 4733 through audiod). */
  digit(c: Call, digit: string): void {
    for (const seq of c.dtmf.push(digit, this.d.sequences(), c.accountId)) this.d.events.emit(E.dtmf.topic, { source: { CallId: c.id, SIPAccountId: c.accountId }, data: { Sequence: seq.sequence, DTMFEventId: seq.description } });
  }

  get(id: string): Call | undefined {
    return this.calls.get(id) ?? this.ended.find((c) => c.id === id);
  }

  list(): Call[] {
    return [...this.calls.values(), ...this.ended];
  }

  async stop(): Promise<void> {
    this.hangup();
    for (const c of this.calls.values()) for (const t of c.timers) clearTimeout(t);
  }
}

const norm = (u: string) => u.replace(/^<|>$/g, '').replace(/;.*$/, '').toLowerCase();
const sameUri = (a: string, b: string) => norm(a) === norm(b);

export const isCallState = (s: string): s is CallState => (CALL_STATES as readonly string[]).includes(s);
