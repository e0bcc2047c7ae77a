import { NS } from './names.js';

/** Text or an attribute value, escaped (controls other than tab and newlines dropped: XML 1.0 cannot carry them). */
export function esc(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** An element: `attrs` values escaped, `inner` already XML (joined), self-closed when empty. */
export function el(name: string, attrs: Record<string, string | undefined> = {}, ...inner: string[]): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${esc(v!)}"`)
    .join('');
  const body = inner.join('');
  return body ? `<${name}${a}>${body}</${name}>` : `<${name}${a}/>`;
}

/** An element holding text. */
export function textEl(name: string, text: string): string {
  return `<${name}>${esc(text)}</${name}>`;
}

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
