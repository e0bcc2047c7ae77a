// The VAPIX CGIs the UI uses (no JSON schemas exist for them): AJR JSON-RPC calls, param.cgi's
// text and XML, and the maintenance CGIs. Their answers' shapes are written down here, once.
import { ApiError, request } from './http.js';

interface Ajr<D> {
  data?: D;
  error?: { code: number; message: string };
}
async function ajr<D>(path: string, method: string, params?: unknown): Promise<D> {
  const r = await request<Ajr<D>>('POST', path, { json: { apiVersion: '1.0', method, ...(params ? { params } : {}) } });
  if (r.error) throw new ApiError(400, r.error.message, String(r.error.code));
  return r.data as D;
}

export interface SystemReady {
  systemready: 'yes' | 'no';
  needsetup: 'yes' | 'no';
  uptime: string;
  bootid: string;
}
export interface DeviceInfo {
  propertyList: Record<'Brand' | 'ProdFullName' | 'ProdNbr' | 'SerialNumber' | 'Version' | 'HardwareID' | 'Architecture' | 'BuildDate', string>;
}
export interface DateTimeInfo {
  dateTime: string;
  localDateTime: string;
  timeZone: string;
}

/** One parameter of `listdefinitions`: its value and what it may hold. */
export interface ParamDef {
  /** without `root.` */
  name: string;
  value: string;
  niceName?: string;
  readonly: boolean;
  type: { kind: 'string'; maxlen?: number } | { kind: 'int'; min?: number; max?: number } | { kind: 'float'; min?: number; max?: number } | { kind: 'bool'; on: string; off: string } | { kind: 'enum'; values: string[] } | { kind: 'other' };
}

function num(e: Element, a: string): number | undefined {
  const v = e.getAttribute(a);
  return v === null ? undefined : Number(v);
}

function typeOf(t: Element | null): ParamDef['type'] {
  const e = t?.firstElementChild;
  if (!e) return { kind: 'other' };
  if (e.localName === 'string') return { kind: 'string', maxlen: num(e, 'maxlen') };
  if (e.localName === 'int') return { kind: 'int', min: num(e, 'min'), max: num(e, 'max') };
  if (e.localName === 'float') return { kind: 'float', min: num(e, 'min'), max: num(e, 'max') };
  if (e.localName === 'bool') return { kind: 'bool', on: e.getAttribute('true') ?? 'yes', off: e.getAttribute('false') ?? 'no' };
  if (e.localName === 'enum') return { kind: 'enum', values: [...e.children].map((c) => c.getAttribute('value') ?? '') };
  return { kind: 'other' };
}

/** The parameters the caller may see, from param.cgi's `listdefinitions` XML. */
export function parseDefinitions(xml: string): ParamDef[] {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const out: ParamDef[] = [];
  const walk = (el: Element, prefix: string) => {
    for (const c of el.children) {
      const name = c.getAttribute('name') ?? '';
      if (c.localName === 'group') walk(c, `${prefix}${name}.`);
      else if (c.localName === 'parameter') {
        const t = c.getElementsByTagName('type')[0] ?? null;
        out.push({ name: prefix + name, value: c.getAttribute('value') ?? '', niceName: c.getAttribute('niceName') ?? undefined, readonly: t?.getAttribute('readonly') === 'true', type: typeOf(t) });
      }
    }
  };
  walk(doc.documentElement, '');
  return out;
}

/** `root.A.B=v` lines into a map (names without `root.`). */
export function parseList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i).replace(/^root\./, '')] = line.slice(i + 1);
  }
  return out;
}

/** param.cgi answers `OK` or `# Error: <why>` (with status 200): the latter is an ApiError naming the parameter. */
function paramAnswer(text: string): void {
  const t = text.trim();
  if (t === 'OK') return;
  const named = /Error setting '([^']*)'/.exec(t);
  throw new ApiError(400, t.replace(/^# Error:\s*/, ''), 'param', named?.[1]);
}

export const vapix = {
  systemReady: () => ajr<SystemReady>('/axis-cgi/systemready.cgi', 'systemready'),
  deviceInfo: () => ajr<DeviceInfo>('/axis-cgi/basicdeviceinfo.cgi', 'getAllProperties'),
  time: () => ajr<DateTimeInfo>('/axis-cgi/time.cgi', 'getDateTimeInfo'),
  /** the device's gain and mute tree (audiodevicecontrol.cgi, VAPIX shape) */
  deviceSettings: () => ajr<{ devices: AudioDevice[] }>('/axis-cgi/audiodevicecontrol.cgi', 'getDevicesSettings'),
  setDeviceSettings: (devices: unknown[]) => ajr<object>('/axis-cgi/audiodevicecontrol.cgi', 'setDevicesSettings', { devices }),
  params: async (group: string) => parseList(await request<string>('GET', '/axis-cgi/param.cgi', { query: { action: 'list', group }, as: 'text' })),
  definitions: async () => parseDefinitions(await request<string>('GET', '/axis-cgi/param.cgi', { query: { action: 'listdefinitions', listformat: 'xmlschema' }, as: 'text' })),
  update: async (changes: Record<string, string>) => paramAnswer(await request<string>('POST', '/axis-cgi/param.cgi', { form: { action: 'update', ...changes }, as: 'text' })),
  restart: () => request<string>('GET', '/axis-cgi/restart.cgi', { as: 'text' }),
  /** restore: everything but the network settings and the kept parameters */
  restore: () => request<string>('GET', '/axis-cgi/factorydefault.cgi', { as: 'text' }),
  factoryDefault: () => request<string>('GET', '/axis-cgi/hardfactorydefault.cgi', { as: 'text' }),
  log: (which: 'systemlog' | 'accesslog' | 'auditlog') => request<string>('GET', `/axis-cgi/admin/${which}.cgi`, { as: 'text' }),
  serverReport: () => request<Blob>('GET', '/axis-cgi/serverreport.cgi', { as: 'blob' }),
};

export interface AudioChannel {
  id: number;
  gain: number;
  mute: boolean;
}
export interface AudioDevice {
  id: string;
  inputs: { id: string; name: string; connectionTypes: { id: string; signalingTypes: { id: string; channels: AudioChannel[] }[] }[] }[];
  outputs: AudioDevice['inputs'];
}
