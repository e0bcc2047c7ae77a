// sipd's /vapix/call (axcall:…, JSON) and the SIP params as the SIP page uses them; the shapes are
// the ones daemons/sipd/src/vapix-call.ts answers (§7.1). A fault (HTTP 400 {"Fault",…}) becomes
// an ApiError with its FaultReason, naming the field when the reason starts with one.
import { ApiError, request } from '../api/http.js';
import { parseList } from '../api/vapix.js';

export type Transport = 'udp' | 'tcp' | 'tls';
export interface SipProxy {
  Uri: string;
  Priority: number;
}
export interface SipAccount {
  Id: string;
  Name: string;
  Username: string;
  AuthenticationId: string | null;
  Registrar: string | null;
  SecondaryRegistrar: string | null;
  PublicDomain: string | null;
  IsDefault: boolean;
  Registered: boolean;
  Active: boolean;
  AutoAnswer: boolean;
  Transport: Transport;
  VerifyServerCertificate: boolean;
  CallerId: string;
  DTMF: { RTP: boolean; SIPInfo: boolean };
  Proxies?: SipProxy[];
  Status?: string;
}
/** What AddSIPAccount / SetSIPAccount take: the account's fields, a password only when typed. */
export type AccountChange = Partial<Omit<SipAccount, 'Status'>> & { Password?: string };
export interface CallStatus {
  CallId: string;
  SIPAccountId: string;
  CallState: 'Idle' | 'Calling' | 'Ringing' | 'Active' | 'Terminating' | 'Terminated';
  CallStateReason: string;
  StartTime: string;
  Direction: 'Incoming' | 'Outgoing';
  DeviceURI: string;
  RemoteURI: string;
  Codec?: string;
}
interface Fault {
  Fault: string;
  FaultCode: string;
  FaultSubCode: string;
  FaultReason: string;
}

async function axcall<D>(command: string, body: object = {}): Promise<D> {
  try {
    return await request<D>('POST', '/vapix/call', { json: { [`axcall:${command}`]: body } });
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 400) throw err;
    let f: Fault | undefined;
    try {
      f = JSON.parse(err.message) as Fault;
    } catch {
      throw err;
    }
    // the device's reasons start with the field they are about ("Transport must be …")
    throw new ApiError(400, f.FaultReason, f.FaultSubCode || f.FaultCode, /^([A-Z][A-Za-z]+) /.exec(f.FaultReason)?.[1]);
  }
}

export const sipApi = {
  accounts: () => axcall<{ SIPAccount: SipAccount[] }>('GetSIPAccounts').then((r) => r.SIPAccount),
  addAccount: (a: AccountChange) => axcall<{ Id: string }>('AddSIPAccount', { SIPAccount: a }),
  setAccount: (a: AccountChange & { Id: string }) => axcall<object>('SetSIPAccount', { SIPAccount: a }),
  removeAccount: (Id: string) => axcall<object>('RemoveSIPAccount', { Id }),
  /** the codecs this device can run (audiod's GStreamer), the only ones the priority list offers */
  supportedCodecs: () => axcall<{ AudioCodec: { Name: string }[] }>('GetSupportedAudioCodecs').then((r) => r.AudioCodec.map((c) => c.Name)),
  call: (To: string, SIPAccountId: string) => axcall<{ CallId: string }>('Call', { To, SIPAccountId }).then((r) => r.CallId),
  terminate: (CallId: string) => axcall<object>('TerminateCall', { CallId }),
  status: (CallId: string) => axcall<{ CallStatus: CallStatus }>('GetCallStatus', { CallId }).then((r) => r.CallStatus),
  statuses: () => axcall<{ CallStatus: CallStatus[] }>('GetCallStatuses').then((r) => r.CallStatus),
  /** the DTMF sequences (params SIP.DTMF.D<n>): one param.cgi list */
  sequences: async () => {
    const list = parseList(await request<string>('GET', '/axis-cgi/param.cgi', { query: { action: 'list', group: 'SIP.DTMF' }, as: 'text' }));
    const groups = new Map<string, { group: string; Sequence: string; Description: string }>();
    for (const [k, v] of Object.entries(list)) {
      const m = /^SIP\.DTMF\.(D\d+)\.(Sequence|Description)$/.exec(k);
      if (!m) continue;
      const g = groups.get(m[1]!) ?? { group: m[1]!, Sequence: '', Description: '' };
      g[m[2] as 'Sequence' | 'Description'] = v;
      groups.set(m[1]!, g);
    }
    return [...groups.values()];
  },
  addSequence: async (Sequence: string, Description: string) => {
    const text = await request<string>('POST', '/axis-cgi/param.cgi', { form: { action: 'add', group: 'SIP.DTMF', template: 'dtmf', Sequence, Description }, as: 'text' });
    if (!/OK\s*$/.test(text.trim())) throw new ApiError(400, text.replace(/^# Error:\s*/, '').trim(), 'param');
  },
  removeSequence: async (group: string) => {
    const text = await request<string>('POST', '/axis-cgi/param.cgi', { form: { action: 'remove', group: `SIP.DTMF.${group}` }, as: 'text' });
    if (text.trim() !== 'OK') throw new ApiError(400, text.replace(/^# Error:\s*/, '').trim(), 'param');
  },
};
