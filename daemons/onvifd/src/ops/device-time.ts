import { BelfryError } from '@belfry/core';
import { BOARDD } from '@belfry/boardd/contract';
import type { XmlEl } from '@belfry/core/xml';
import { child, childText } from '../soap/envelope.js';
import { sender, TER } from '../soap/fault.js';
import { NS } from '../soap/names.js';
import type { OpContext, OperationTable } from '../soap/ops.js';
import { readParams, writeParams } from './params.js';

/** A POSIX TZ string as ONVIF carries it (`CET-1CEST,M3.5.0,M10.5.0/3`): printable, no spaces, ≤ 128. */
const POSIX_TZ = /^[A-Za-z<>+\-0-9,.:/]{3,128}$/;

function dateTime(ms: number, zone?: string): string {
  const d = new Date(ms);
  let [Y, M, D, h, m, s] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
  if (zone) {
    try {
      const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(d).map((p) => [p.type, Number(p.value)]));
      [Y, M, D, h, m, s] = [parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!];
    } catch {
      /* an unknown zone: local time is UTC */
    }
  }
  return `<tt:Time><tt:Hour>${h}</tt:Hour><tt:Minute>${m}</tt:Minute><tt:Second>${s}</tt:Second></tt:Time><tt:Date><tt:Year>${Y}</tt:Year><tt:Month>${M}</tt:Month><tt:Day>${D}</tt:Day></tt:Date>`;
}

/** The clock is boardd's; the time settings are the Time params (paramd's store). */
async function getTime(c: OpContext): Promise<string> {
  const [{ utcMs }, p] = await Promise.all([c.ctx.rpc.client(BOARDD).getTime({}, { timeoutMs: 3000 }), readParams(c, ['Time.SyncSource', 'Time.POSIXTimeZone', 'Time.TimeZone', 'Time.DST.Enabled'])]);
  return (
    '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>' +
    `<tt:DateTimeType>${p['Time.SyncSource'] === 'NTP' ? 'NTP' : 'Manual'}</tt:DateTimeType><tt:DaylightSavings>${p['Time.DST.Enabled'] === 'yes'}</tt:DaylightSavings>` +
    `<tt:TimeZone><tt:TZ>${p['Time.POSIXTimeZone'] || 'UTC0'}</tt:TZ></tt:TimeZone>` +
    `<tt:UTCDateTime>${dateTime(utcMs)}</tt:UTCDateTime><tt:LocalDateTime>${dateTime(utcMs, p['Time.TimeZone'] || 'UTC')}</tt:LocalDateTime>` +
    '</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>'
  );
}

function int(el: XmlEl | undefined, name: string, min: number, max: number): number {
  const t = el ? childText(el, name) : undefined;
  const n = t !== undefined && /^\d{1,4}$/.test(t) ? Number(t) : NaN;
  if (!(n >= min && n <= max)) throw sender(TER.invalidArgVal, `${name} must be ${min}–${max}`);
  return n;
}

/** `UTCDateTime` → epoch ms; a date that does not exist (Feb 30) is refused, not rolled over. */
function utcOf(el: XmlEl): number {
  const t = child(el, 'Time');
  const d = child(el, 'Date');
  const [Y, M, D] = [int(d, 'Year', 1970, 2099), int(d, 'Month', 1, 12), int(d, 'Day', 1, 31)];
  const ms = Date.UTC(Y, M - 1, D, int(t, 'Hour', 0, 23), int(t, 'Minute', 0, 59), int(t, 'Second', 0, 61));
  if (new Date(ms).getUTCDate() !== D) throw sender('ter:InvalidDateTime', 'the date does not exist');
  return ms;
}

async function setTime(op: XmlEl, c: OpContext): Promise<string> {
  const type = childText(op, 'DateTimeType');
  if (type !== 'Manual' && type !== 'NTP') throw sender(TER.invalidArgVal, 'DateTimeType must be Manual or NTP');
  const dst = childText(op, 'DaylightSavings');
  if (dst !== undefined && dst !== 'true' && dst !== 'false') throw sender(TER.invalidArgVal, 'DaylightSavings must be true or false');
  const tzEl = child(op, 'TimeZone');
  const tz = tzEl ? childText(tzEl, 'TZ') : undefined;
  if (tz !== undefined && !POSIX_TZ.test(tz)) throw sender('ter:InvalidTimeZone', 'TZ must be a POSIX time zone string');
  const utcEl = child(op, 'UTCDateTime');
  if (type === 'Manual' && !utcEl) throw sender(TER.invalidArgVal, 'Manual needs UTCDateTime');
  const ms = type === 'Manual' ? utcOf(utcEl!) : undefined;
  // everything checked first: a refusal changes nothing
  if (ms !== undefined) {
    try {
      await c.ctx.rpc.client(BOARDD).setTime({ utcMs: ms }, { timeoutMs: 3000 });
    } catch (e) {
      if (e instanceof BelfryError && (e.code === 'bad_request' || e.code === 'invalid_argument')) throw sender('ter:InvalidDateTime', 'the clock does not take that time');
      throw e;
    }
  }
  await writeParams(c, {
    'Time.SyncSource': type === 'NTP' ? 'NTP' : 'None',
    ...(dst !== undefined ? { 'Time.DST.Enabled': dst === 'true' ? 'yes' : 'no' } : {}),
    ...(tz !== undefined ? { 'Time.POSIXTimeZone': tz } : {}),
  });
  return '<tds:SetSystemDateAndTimeResponse/>';
}

export const DEVICE_TIME_OPS: OperationTable = {
  GetSystemDateAndTime: { ns: NS.tds, least: 'pre', run: (_op, c) => getTime(c) },
  SetSystemDateAndTime: { ns: NS.tds, least: 'admin', run: (op, c) => setTime(op, c) },
  GetNTP: {
    ns: NS.tds,
    least: 'viewer',
    async run(_op, c) {
      const p = await readParams(c, ['Time.ObtainFromDHCP', 'Time.NTP.Server']);
      const server = p['Time.NTP.Server'];
      const manual = server ? (/^\d{1,3}(\.\d{1,3}){3}$/.test(server) ? `<tt:NTPManual><tt:Type>IPv4</tt:Type><tt:IPv4Address>${server}</tt:IPv4Address></tt:NTPManual>` : `<tt:NTPManual><tt:Type>DNS</tt:Type><tt:DNSname>${server}</tt:DNSname></tt:NTPManual>`) : '';
      return `<tds:GetNTPResponse><tds:NTPInformation><tt:FromDHCP>${p['Time.ObtainFromDHCP'] === 'yes'}</tt:FromDHCP>${manual}</tds:NTPInformation></tds:GetNTPResponse>`;
    },
  },
  SetNTP: {
    ns: NS.tds,
    least: 'admin',
    async run(op, c) {
      const dhcp = childText(op, 'FromDHCP');
      if (dhcp !== 'true' && dhcp !== 'false') throw sender(TER.invalidArgVal, 'FromDHCP must be true or false');
      const manual = op.children.filter((k) => k.name === 'NTPManual');
      if (manual.length > 1) throw sender('ter:TooManyNTPServers', 'the device keeps one NTP server');
      const m = manual[0];
      const server = m ? (childText(m, 'IPv4Address') ?? childText(m, 'DNSname') ?? '') : '';
      if (server && !/^[A-Za-z0-9.-]{1,255}$/.test(server)) throw sender('ter:InvalidDnsName', 'not a host name or IPv4 address');
      await writeParams(c, { 'Time.ObtainFromDHCP': dhcp === 'true' ? 'yes' : 'no', ...(m || dhcp === 'true' ? { 'Time.NTP.Server': server } : {}) });
      return '<tds:SetNTPResponse/>';
    },
  },
};
