import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError, PARAMD, type DaemonContext } from '@belfry/core';
import { parseForm } from '@belfry/core/http';
import { MAX_ACCOUNTS, MAX_PROXIES, MAX_PROXY_PRIORITY, type AccountStore, type SipAccount } from './accounts.js';
import type { Call } from './calls.js';
import { MAX_CALLS } from './contract.js';
import type { SipService, SipSettings } from './service.js';

type Fault = { Fault: string; FaultCode: string; FaultSubCode: string; FaultReason: string; FaultMsg: null };
type Obj = Record<string, unknown>;

/** axcall faults (§7): HTTP 400 with this JSON (or its key=value lines). */
function fault(err: unknown): Fault {
  const e = err instanceof BelfryError ? err : new BelfryError('internal', 'internal error');
  const f = (Fault: string, FaultCode: string, FaultSubCode: string, FaultReason: string): Fault => ({ Fault, FaultCode, FaultSubCode, FaultReason, FaultMsg: null });
  if (e.code === 'unknown_method') return f('env:Receiver', 'ter:ActionNotSupported', '', e.message);
  if (e.code === 'bad_request') return f('env:Sender', 'ter:InvalidArgs', '', e.message);
  if (e.code === 'invalid_argument') return f('env:Sender', 'ter:InvalidArgVal', '', e.message);
  if (e.code === 'not_found') return f('env:Sender', 'ter:InvalidArgVal', 'axcall:NotFound', e.message);
  if (e.code === 'limit_exceeded') return f('env:Receiver', 'ter:Action', 'axcall:LimitExceeded', e.message);
  if (e.code === 'failed_precondition') return f('env:Receiver', 'ter:Action', 'axcall:NotPossible', e.message);
  return f('env:Receiver', 'ter:Action', 'ter:Failure', e.message);
}

/** `format=simple` arguments (`SIPAccount_Username=…`, `To=…`) as the JSON request object they flatten. */
function unflatten(args: Map<string, string>): Obj {
  const out: Obj = {};
  for (const [k, v] of args) {
    if (k === 'format' || k === 'action') continue;
    const path = k.split('_');
    let o = out;
    for (const p of path.slice(0, -1)) o = (o[p] ??= {}) as Obj;
    o[path.at(-1)!] = v === 'true' ? true : v === 'false' ? false : v;
  }
  return out;
}

function flatten(o: unknown, prefix = ''): string[] {
  if (o === null || typeof o !== 'object') return [`${prefix}=${o ?? ''}`];
  const entries = Array.isArray(o) ? o.map((v, i) => [String(i), v] as const) : Object.entries(o);
  return entries.flatMap(([k, v]) => flatten(v, prefix ? `${prefix}_${k}` : k));
}

const str = (o: Obj, k: string, max = 256): string | undefined => {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max) throw new BelfryError('invalid_argument', `${k} must be a string of at most ${max} characters`);
  return v;
};
const bool = (o: Obj, k: string): boolean | undefined => {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new BelfryError('invalid_argument', `${k} must be true or false`);
  return v;
};
const obj = (o: Obj, k: string): Obj => {
  const v = o[k];
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new BelfryError('bad_request', `${k} is missing`);
  return v as Obj;
};
const orNull = (v: string | undefined, old: string | null) => (v === undefined ? old : v === '' ? null : v);

/** An account in the shape of GetSIPAccounts (password always null). */
export function accountJson(a: SipAccount, status?: string): Obj {
  return {
    Id: a.id,
    Name: a.name,
    Username: a.user,
    Password: null,
    AuthenticationId: a.authId,
    Registrar: a.registrar,
    SecondaryRegistrar: a.secondary,
    PublicDomain: a.domain,
    IsDefault: a.isDefault,
    Registered: a.registered,
    Active: a.active,
    AutoAnswer: a.autoAnswer,
    Transport: a.transport,
    VerifyServerCertificate: a.verifyTls,
    CallerId: a.callerId,
    DTMF: { RTP: a.dtmfRtp, SIPInfo: a.dtmfInfo },
    Proxies: (a.proxies ?? []).map((p) => ({ Uri: p.uri, Priority: p.priority })),
    ...(status ? { Status: status } : {}),
  };
}

/** The request's account fields over `base` (a new account's defaults, or the stored one). */
function accountFrom(o: Obj, base: SipAccount): SipAccount {
  const transport = str(o, 'Transport', 8)?.toLowerCase() ?? base.transport;
  if (!['udp', 'tcp', 'tls'].includes(transport)) throw new BelfryError('invalid_argument', 'Transport must be udp, tcp or tls');
  const dtmf = o.DTMF && typeof o.DTMF === 'object' ? (o.DTMF as Obj) : {};
  const registrar = orNull(str(o, 'Registrar'), base.registrar);
  return {
    ...base,
    name: str(o, 'Name', 64) ?? base.name,
    user: str(o, 'Username', 64) ?? base.user,
    password: orNull(str(o, 'Password', 128), base.password),
    authId: orNull(str(o, 'AuthenticationId', 64), base.authId),
    registrar,
    secondary: orNull(str(o, 'SecondaryRegistrar'), base.secondary),
    domain: orNull(str(o, 'PublicDomain'), base.domain),
    callerId: str(o, 'CallerId', 64) ?? base.callerId,
    transport: transport as SipAccount['transport'],
    isDefault: bool(o, 'IsDefault') ?? base.isDefault,
    registered: bool(o, 'Registered') ?? (o.Registrar !== undefined ? !!registrar : base.registered),
    active: bool(o, 'Active') ?? base.active,
    autoAnswer: bool(o, 'AutoAnswer') ?? base.autoAnswer,
    verifyTls: bool(o, 'VerifyServerCertificate') ?? base.verifyTls,
    dtmfRtp: bool(dtmf, 'RTP') ?? base.dtmfRtp,
    dtmfInfo: bool(dtmf, 'SIPInfo') ?? base.dtmfInfo,
    proxies: proxiesFrom(o.Proxies) ?? base.proxies ?? [],
  };
}

/** `Proxies: [{"Uri":"host[:port]","Priority":1}, …]` (1 is tried first); checked in full by the store. */
function proxiesFrom(v: unknown): SipAccount['proxies'] {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length > MAX_PROXIES) throw new BelfryError('invalid_argument', `Proxies must be a list of at most ${MAX_PROXIES} {"Uri","Priority"}`);
  return v.map((p: unknown, i) => {
    const o = (p && typeof p === 'object' ? p : {}) as Obj;
    const uri = typeof o.Uri === 'string' ? o.Uri.replace(/^sips?:/i, '') : undefined;
    if (uri === undefined || (o.Priority !== undefined && !Number.isInteger(o.Priority))) throw new BelfryError('invalid_argument', `Proxies[${i}] must be {"Uri":"host[:port]","Priority":1–${MAX_PROXY_PRIORITY}}`);
    return { uri, priority: (o.Priority as number | undefined) ?? i + 1 };
  });
}

export function callStatus(c: Call) {
  return {
    CallId: c.id,
    SIPAccountId: c.accountId,
    CallState: c.state,
    CallStateReason: c.reason,
    StartTime: c.started.toISOString(),
    Direction: c.direction,
    DeviceURI: c.deviceUri,
    RemoteURI: c.remoteUri,
    CallType: 'SIP' as const,
    ...(c.codec ? { Codec: c.codec } : {}),
  };
}

const CONFIG_PARAMS: Record<string, [string, 'bool' | 'int' | 'list']> = {
  SIPEnabled: ['SIP.Enabled', 'bool'],
  SIPPort: ['SIP.Port', 'int'],
  SIPTLSPort: ['SIP.TLSPort', 'int'],
  STUNEnabled: ['SIP.STUN.Enabled', 'bool'],
  STUNServers: ['SIP.STUN.Servers', 'list'],
  TURNEnabled: ['SIP.TURN.Enabled', 'bool'],
  TURNServers: ['SIP.TURN.Servers', 'list'],
  ICEEnabled: ['SIP.ICE.Enabled', 'bool'],
  AllowIncomingCalls: ['SIP.AllowIncomingCalls', 'bool'],
  ApplyUserAuthentication: ['SIP.ApplyUserAuthentication', 'bool'],
  AllowedUsers: ['SIP.AllowedUsers', 'list'],
  ApplyAllowedURIs: ['SIP.ApplyAllowedURIs', 'bool'],
  AllowedURIs: ['SIP.AllowedURIs', 'list'],
};

function configJson(s: SipSettings): Obj {
  const v = s as unknown as Record<string, unknown>;
  return Object.fromEntries(Object.entries(CONFIG_PARAMS).map(([k, [p]]) => [k, v[p.slice(4)]]));
}

/** SetSIPConfiguration's fields as param changes (checked by paramd: its answer names a bad one). */
function configChanges(c: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(c)) {
    const m = CONFIG_PARAMS[k];
    if (!m) throw new BelfryError('invalid_argument', `${k} is not a SIP configuration field`);
    const [p, type] = m;
    if (type === 'bool' && typeof v === 'boolean') out[p] = v ? 'yes' : 'no';
    else if (type === 'int' && Number.isInteger(v)) out[p] = String(v);
    else if (type === 'list' && Array.isArray(v) && v.every((x) => typeof x === 'string' && !x.includes(','))) out[p] = v.join(',');
    else throw new BelfryError('invalid_argument', `${k} has the wrong type`);
  }
  return out;
}

interface CallApi {
  ctx: DaemonContext;
  store: AccountStore;
  service: () => SipSide;
  settings: () => SipSettings;
  /** the codecs audiod can run (GStreamer's), the only ones advertised */
  codecs: () => Promise<{ name: string; clockRate: number }[]>;
  /** resolves when the SIP side has restarted after an account change (answers wait for it) */
  settled: () => Promise<void>;
}

async function run(h: CallApi, command: string, req: Obj): Promise<Obj> {
  const svc = h.service();
  switch (command) {
    case 'axcall:GetServiceCapabilities':
      return { Capabilities: { SIP: true, DTMF: true, VMSCall: false, MaxSIPAccounts: MAX_ACCOUNTS, MaxCalls: MAX_CALLS, Transports: ['udp', 'tcp', 'tls'] } };
    case 'axcall:GetSIPConfiguration':
      return { SIPConfiguration: configJson(h.settings()) };
    case 'axcall:SetSIPConfiguration': {
      const changes = configChanges(obj(req, 'SIPConfiguration'));
      if (Object.keys(changes).length) {
        try {
          await h.ctx.rpc.client(PARAMD).update({ changes });
        } catch (err) {
          throw new BelfryError('invalid_argument', err instanceof Error ? err.message : 'refused');
        }
      }
      return {};
    }
    case 'axcall:GetSIPAccounts':
      return { SIPAccount: h.store.list().map((a) => accountJson(a, svc.agents.find((g) => g.account.id === a.id)?.status)) };
    case 'axcall:AddSIPAccount': {
      const base: SipAccount = { id: '', name: '', user: '', registered: false, domain: null, password: null, authId: null, callerId: '', registrar: null, secondary: null, transport: 'udp', verifyTls: false, isDefault: false, active: true, autoAnswer: false, dtmfRtp: true, dtmfInfo: true, proxies: [] };
      const { id: _id, ...rest } = accountFrom(obj(req, 'SIPAccount'), base);
      return { Id: h.store.add(rest).id };
    }
    case 'axcall:SetSIPAccount': {
      const a = obj(req, 'SIPAccount');
      const id = str(a, 'Id', 64);
      const old = id ? h.store.get(id) : undefined;
      if (!old) throw new BelfryError('not_found', `no SIP account ${id ?? ''}`);
      h.store.replace(accountFrom(a, old));
      return {};
    }
    case 'axcall:RemoveSIPAccount': {
      const id = str(req, 'Id', 64);
      if (!id) throw new BelfryError('bad_request', 'Id is missing');
      h.store.remove(id);
      return {};
    }
    case 'axcall:Call': {
      const to = str(req, 'To');
      if (!to || !/^sips?:[^\s<>"]+$/.test(to)) throw new BelfryError(to ? 'invalid_argument' : 'bad_request', 'To must be a SIP address (sip:user@host or sip:<ip>)');
      const account = str(req, 'SIPAccountId', 64);
      if (account && !h.store.get(account)) throw new BelfryError('not_found', `no SIP account ${account}`);
      const agent = svc.agentFor(account);
      if (!agent) throw new BelfryError('failed_precondition', 'SIP is not enabled or the account is not active');
      return { CallId: svc.calls.outgoing(agent, to).id };
    }
    case 'axcall:TerminateCall': {
      const id = str(req, 'CallId', 64);
      if (!id) throw new BelfryError('bad_request', 'CallId is missing');
      svc.calls.hangup(id);
      return {};
    }
    case 'axcall:GetCallStatus': {
      const id = str(req, 'CallId', 64);
      if (!id) throw new BelfryError('bad_request', 'CallId is missing');
      const c = svc.calls.get(id);
      if (!c) throw new BelfryError('not_found', `no call ${id}`);
      return { CallStatus: callStatus(c) };
    }
    case 'axcall:GetCallStatuses':
      return { CallStatus: svc.calls.list().map(callStatus) };
    case 'axcall:GetSupportedAudioCodecs': {
      // what this machine's GStreamer can both encode and decode (G.722 and Opus may be missing)
      const have = await h.codecs().catch(() => []);
      return { AudioCodec: have.map((c) => ({ Name: c.name, Options: '', SampleRate: c.name === 'G722' ? 16000 : c.clockRate })) };
    }
    case 'axcall:GetAudioCodecs': {
      const have = new Set((await h.codecs().catch(() => [])).map((c) => c.name));
      return { AudioCodec: h.settings().AudioCodecs.filter((n) => have.has(n)).map((Name) => ({ Name, Options: '', SampleRate: Name === 'opus' ? 48000 : Name === 'G722' ? 16000 : 8000 })) };
    }
    default:
      throw new BelfryError('unknown_method', `${command} is not supported`);
  }
}

/** The request: `action` and flattened fields with `format=simple`, else the one `{"axcall:<Command>":{…}}` of the body. */
function requestOf(req: FastifyRequest, simple: boolean): { command: string; body: Obj } {
  const args = parseForm(req.raw.url ?? '', simple ? (req.body as Buffer | undefined) : undefined);
  if (simple) {
    const command = args.get('action');
    if (!command) throw new BelfryError('bad_request', 'no action');
    return { command, body: unflatten(args) };
  }
  let body: unknown;
  try {
    body = JSON.parse(((req.body as Buffer | undefined) ?? Buffer.alloc(0)).toString('utf8') || 'null');
  } catch {
    throw new BelfryError('bad_request', 'the body is not JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length !== 1) throw new BelfryError('bad_request', 'expected one {"axcall:<Command>":{…}}');
  const [command, inner] = Object.entries(body)[0]!;
  if (!inner || typeof inner !== 'object' || Array.isArray(inner)) throw new BelfryError('bad_request', `${command} takes an object`);
  return { command, body: inner as Obj };
}

/** What sipd asks of its SIP side: the running `SipService`, or main.ts's stand-in while SIP is disabled. */
export type SipSide = Pick<SipService, 'agents' | 'agentFor' | 'start' | 'stop'> & { network?: SipService['network']; calls: Pick<SipService['calls'], 'list' | 'get' | 'answer' | 'hangup' | 'outgoing'> };

/** /vapix/call (admin): the Axis call service, JSON or `format=simple` key=value lines (§7.1). */
export function vapixCall(h: CallApi) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const simple = parseForm(req.raw.url ?? '', undefined).get('format') === 'simple';
    try {
      const { command, body } = requestOf(req, simple);
      const out = await run(h, command, body);
      // an account change restarts the user agents: answer once they run with it
      if (/SIPAccount$/.test(command) && !command.startsWith('axcall:Get')) await h.settled();
      if (simple) return reply.code(200).type('text/plain').send(flatten(out).map((l) => l + '\n').join(''));
      return reply.code(200).type('application/json').send(JSON.stringify(out));
    } catch (err) {
      if (!(err instanceof BelfryError)) h.ctx.log.warn({ err: String(err) }, 'sip: /vapix/call failed');
      const f = fault(err);
      if (simple) return reply.code(400).type('text/plain').send(Object.entries(f).map(([k, v]) => `${k}=${v ?? ''}\n`).join(''));
      return reply.code(400).type('application/json').send(JSON.stringify(f));
    }
  };
}
