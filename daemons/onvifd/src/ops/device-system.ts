import { networkInterfaces } from 'node:os';
import { PARAMD } from '@belfry/core';
import { onvifScopes } from '../contract.js';
import { childText, esc, kids } from '../soap/envelope.js';
import { sender, TER } from '../soap/fault.js';
import { NS } from '../soap/names.js';
import type { OpContext, OperationTable } from '../soap/ops.js';
import { readParams, writeParams } from './params.js';

/** `WebService.Scopes` holds at most this many configurable scopes (and 4096 characters, its param limit). */
export const MAX_SCOPES = 32;
const SCOPE_RE = /^onvif:\/\/www\.onvif\.org\/[!-~]{1,254}$/;

async function scopes(c: OpContext) {
  const p = await readParams(c, ['Brand.Brand', 'Brand.ProdNbr', 'WebService.Scopes']);
  return onvifScopes({ brand: p['Brand.Brand'], prodNbr: p['Brand.ProdNbr'], configurable: p['WebService.Scopes'] });
}

function scopeItems(op: Parameters<typeof kids>[0]): string[] {
  const list = kids(op, 'Scopes').map((k) => k.text.trim());
  if (!list.length) throw sender(TER.invalidArgVal, 'no Scopes given');
  for (const s of list) if (!SCOPE_RE.test(s)) throw sender(TER.invalidArgVal, `not an onvif scope URI: ${s.slice(0, 64)}`);
  return list;
}

async function saveScopes(c: OpContext, list: string[]): Promise<void> {
  const unique = [...new Set(list)];
  if (unique.length > MAX_SCOPES) throw sender('ter:TooManyScopes', `at most ${MAX_SCOPES} configurable scopes`);
  await writeParams(c, { 'WebService.Scopes': unique.join(' ') });
}

/** The address of this interface: the param when static, else what the OS has (DHCP). */
function ipv4(p: Record<string, string>): { address: string; prefix: number } | undefined {
  if (p['Network.BootProto'] === 'none' && p['Network.IPAddress']) {
    const mask = (p['Network.SubnetMask'] || '255.255.255.0').split('.').map(Number);
    return { address: p['Network.IPAddress'], prefix: mask.reduce((n, o) => n + (o >>> 0).toString(2).replace(/0/g, '').length, 0) };
  }
  const a = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal);
  return a ? { address: a.address, prefix: Number(a.cidr?.split('/')[1] ?? 24) } : undefined;
}

export const DEVICE_SYSTEM_OPS: OperationTable = {
  GetScopes: {
    ns: NS.tds,
    least: 'viewer',
    async run(_op, c) {
      const s = await scopes(c);
      const item = (def: string, uri: string) => `<tds:Scopes><tt:ScopeDef>${def}</tt:ScopeDef><tt:ScopeItem>${esc(uri)}</tt:ScopeItem></tds:Scopes>`;
      return `<tds:GetScopesResponse>${s.fixed.map((u) => item('Fixed', u)).join('')}${s.configurable.map((u) => item('Configurable', u)).join('')}</tds:GetScopesResponse>`;
    },
  },
  SetScopes: {
    ns: NS.tds,
    least: 'admin',
    async run(op, c) {
      const list = scopeItems(op);
      const fixed = (await scopes(c)).fixed;
      if (list.some((s) => fixed.includes(s))) throw sender(TER.operationProhibited, 'a fixed scope cannot be set');
      await saveScopes(c, list);
      return '<tds:SetScopesResponse/>';
    },
  },
  AddScopes: {
    ns: NS.tds,
    least: 'admin',
    async run(op, c) {
      const s = await scopes(c);
      await saveScopes(c, [...s.configurable, ...scopeItems(op)]);
      return '<tds:AddScopesResponse/>';
    },
  },
  RemoveScopes: {
    ns: NS.tds,
    least: 'admin',
    async run(op, c) {
      const s = await scopes(c);
      const gone = scopeItems(op);
      if (gone.some((g) => s.fixed.includes(g))) throw sender(TER.operationProhibited, 'a fixed scope cannot be removed');
      const missing = gone.find((g) => !s.configurable.includes(g));
      if (missing) throw sender('ter:NoScope', `no configurable scope ${missing.slice(0, 64)}`);
      await saveScopes(c, s.configurable.filter((x) => !gone.includes(x)));
      return `<tds:RemoveScopesResponse>${gone.map((g) => `<tds:ScopeList>${esc(g)}</tds:ScopeList>`).join('')}</tds:RemoveScopesResponse>`;
    },
  },
  GetDiscoveryMode: {
    ns: NS.tds,
    least: 'viewer',
    async run(_op, c) {
      const mode = (await c.ctx.params.get('WebService.DiscoveryMode')) ?? 'Discoverable';
      return `<tds:GetDiscoveryModeResponse><tds:DiscoveryMode>${mode}</tds:DiscoveryMode></tds:GetDiscoveryModeResponse>`;
    },
  },
  SetDiscoveryMode: {
    ns: NS.tds,
    least: 'admin',
    async run(op, c) {
      const mode = childText(op, 'DiscoveryMode');
      if (mode !== 'Discoverable' && mode !== 'NonDiscoverable') throw sender(TER.invalidArgVal, 'DiscoveryMode must be Discoverable or NonDiscoverable');
      // discoveryd reads the param and answers (or stops answering) probes
      await writeParams(c, { 'WebService.DiscoveryMode': mode });
      return '<tds:SetDiscoveryModeResponse/>';
    },
  },
  GetHostname: {
    ns: NS.tds,
    least: 'pre',
    async run(_op, c) {
      const name = (await c.ctx.params.get('Network.HostName')) ?? '';
      return `<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP><tt:Name>${esc(name)}</tt:Name></tds:HostnameInformation></tds:GetHostnameResponse>`;
    },
  },
  GetDNS: {
    ns: NS.tds,
    least: 'viewer',
    async run(_op, c) {
      const p = await readParams(c, ['Network.BootProto', 'Network.DNSServer1', 'Network.DNSServer2']);
      const servers = [p['Network.DNSServer1'], p['Network.DNSServer2']].filter(Boolean);
      const manual = servers.map((s) => `<tt:DNSManual><tt:Type>IPv4</tt:Type><tt:IPv4Address>${esc(s)}</tt:IPv4Address></tt:DNSManual>`).join('');
      return `<tds:GetDNSResponse><tds:DNSInformation><tt:FromDHCP>${p['Network.BootProto'] === 'dhcp'}</tt:FromDHCP>${manual}</tds:DNSInformation></tds:GetDNSResponse>`;
    },
  },
  GetNetworkInterfaces: {
    ns: NS.tds,
    least: 'viewer',
    async run(_op, c) {
      const p = await readParams(c, ['Network.BootProto', 'Network.IPAddress', 'Network.SubnetMask', 'Network.eth0.MACAddress']);
      const dhcp = p['Network.BootProto'] === 'dhcp';
      const a = ipv4(p);
      const addr = a ? `<tt:${dhcp ? 'FromDHCP' : 'Manual'}><tt:Address>${a.address}</tt:Address><tt:PrefixLength>${a.prefix}</tt:PrefixLength></tt:${dhcp ? 'FromDHCP' : 'Manual'}>` : '';
      return (
        '<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token="eth0"><tt:Enabled>true</tt:Enabled>' +
        `<tt:Info><tt:Name>eth0</tt:Name><tt:HwAddress>${esc(p['Network.eth0.MACAddress'])}</tt:HwAddress><tt:MTU>1500</tt:MTU></tt:Info>` +
        `<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config>${addr}<tt:DHCP>${dhcp}</tt:DHCP></tt:Config></tt:IPv4>` +
        '</tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>'
      );
    },
  },
  GetNetworkProtocols: {
    ns: NS.tds,
    least: 'viewer',
    async run(_op, c) {
      const p = await readParams(c, ['Network.HTTP.Port', 'HTTPS.Enabled', 'HTTPS.Port', 'Network.RTSP.Port']);
      const proto = (name: string, on: boolean, port: string) => `<tds:NetworkProtocols><tt:Name>${name}</tt:Name><tt:Enabled>${on}</tt:Enabled><tt:Port>${esc(port)}</tt:Port></tds:NetworkProtocols>`;
      return `<tds:GetNetworkProtocolsResponse>${proto('HTTP', true, p['Network.HTTP.Port'] || '80')}${proto('HTTPS', p['HTTPS.Enabled'] === 'yes', p['HTTPS.Port'] || '443')}${proto('RTSP', true, p['Network.RTSP.Port'] || '554')}</tds:GetNetworkProtocolsResponse>`;
    },
  },
  SystemReboot: {
    ns: NS.tds,
    least: 'admin',
    run(_op, c) {
      // answer first, then restart (the launcher on a simulated device, systemd on a real one)
      setImmediate(() => c.ctx.rpc.call('launcher', 'restart', {}, 5000).catch((err: Error) => c.ctx.log.error({ err: err.message }, 'restart request failed')));
      return '<tds:SystemRebootResponse><tds:Message>Restarting. Please wait about 60 seconds.</tds:Message></tds:SystemRebootResponse>';
    },
  },
  SetSystemFactoryDefault: {
    ns: NS.tds,
    least: 'admin',
    async run(op, c) {
      const kind = childText(op, 'FactoryDefault');
      if (kind !== 'Soft' && kind !== 'Hard') throw sender(TER.invalidArgVal, 'FactoryDefault must be Soft or Hard');
      // paramd announces the reset and every owner drops its state (httpd its accounts); Soft keeps the network basics
      const paramd = c.ctx.rpc.client(PARAMD);
      await (kind === 'Hard' ? paramd.factoryDefault({}) : paramd.restore({}));
      setImmediate(() => c.ctx.rpc.call('launcher', 'restart', {}, 5000).catch((err: Error) => c.ctx.log.error({ err: err.message }, 'restart request failed')));
      return '<tds:SetSystemFactoryDefaultResponse/>';
    },
  },
};
