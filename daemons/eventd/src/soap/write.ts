import { el, esc } from '@belfry/core/xml';
import { NS } from './names.js';

// the writing helpers are core's, beside its XML reader
export { el, esc, textEl } from '@belfry/core/xml';

/** The prefixes every answer declares on its envelope (the reference's answers declare these). */
const ENVELOPE_NS = ['SOAP-ENV', 'wstop', 'aa', 'aev', 'wsnt', 'tns1', 'tnsaxis', 'xsd'] as const;
const URI: Record<(typeof ENVELOPE_NS)[number], string> = { 'SOAP-ENV': NS.soap12, wstop: NS.wstop, aa: NS.aa, aev: NS.aev, wsnt: NS.wsnt, tns1: NS.tns1, tnsaxis: NS.tnsaxis, xsd: NS.xsd };

/** A SOAP 1.2 answer around `body` (one element: `aa:…Response` or `aev:…Response`). */
export function envelope(body: string, extraNs: Record<string, string> = {}): string {
  const xmlns = [...ENVELOPE_NS.map((p) => [p, URI[p]] as const), ...Object.entries(extraNs)].map(([p, u]) => ` xmlns:${p}="${esc(u)}"`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope${xmlns}><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>\n`;
}

/** `<aa:Parameters><aa:Parameter Name="…" Value="…"/>…`, leaving out the names `hide` says (secrets). */
export function parameterList(params: Record<string, string>, hide: (name: string) => boolean = () => false): string {
  const list = Object.entries(params)
    .filter(([n]) => !hide(n))
    .map(([Name, Value]) => el('aa:Parameter', { Name, Value }));
  return `<aa:Parameters>${list.join('')}</aa:Parameters>`;
}
