import type { DiscoveryConfig, Identity } from '../src/config.js';

/** The reference's example device. */
export const IDENTITY: Identity = {
  serial: '02BE1F000001',
  brand: 'Belfry',
  prodNbr: 'BS1410',
  prodFullName: 'Belfry BS1410 Network Mini Speaker',
  prodShortName: 'Belfry BS1410',
  manufacturerURL: 'https://belfry.example/',
  firmware: '12.5.68',
  hostName: 'belfry-02BE1F000001',
};

export function config(over: Partial<DiscoveryConfig['settings']> = {}, rest: Partial<DiscoveryConfig> = {}): DiscoveryConfig {
  return {
    identity: IDENTITY,
    settings: { wsDiscovery: true, scopes: [], upnp: true, upnpName: 'Belfry BS1410 - 02BE1F000001', bonjour: true, bonjourName: 'Belfry BS1410 - 02BE1F000001', httpPort: 80, ...over },
    ifaces: [{ name: 'eth0', address: '192.168.1.50', netmask: '255.255.255.0', linkLocal: '169.254.10.20' }],
    ports: { wsd: 3702, ssdp: 1900, mdns: 5353 },
    maxReplyDelayMs: 0,
    ...rest,
  };
}

/** onvif 0.8.3's probe, as it sends it (lib/discovery.js). */
export const OV_PROBE = (id: string) =>
  '<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><Header>' +
  `<wsa:MessageID xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">${id}</wsa:MessageID>` +
  '<wsa:To xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>' +
  '<wsa:Action xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>' +
  '</Header><Body><Probe xmlns="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
  '<Types>dn:NetworkVideoTransmitter</Types><Scopes /></Probe></Body></Envelope>';

/** node-onvif 0.1.7's probe for one type (lib/node-onvif.js). */
export const NO_PROBE = (id: string, type: string) =>
  '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><s:Header>' +
  `<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action><a:MessageID>uuid:${id}</a:MessageID>` +
  '<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo><a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>' +
  `<s:Body><Probe xmlns="http://schemas.xmlsoap.org/ws/2005/04/discovery"><d:Types xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dp0="http://www.onvif.org/ver10/network/wsdl">dp0:${type}</d:Types></Probe></s:Body></s:Envelope>`;

export const RESOLVE = (id: string, address: string) =>
  '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Header>' +
  `<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Resolve</a:Action><a:MessageID>${id}</a:MessageID><a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>` +
  `<s:Body><d:Resolve><a:EndpointReference><a:Address>${address}</a:Address></a:EndpointReference></d:Resolve></s:Body></s:Envelope>`;

export const MSEARCH = (st: string, mx = 1) => `M-SEARCH * HTTP/1.1\r\nHost:239.255.255.250:1900\r\nST:${st}\r\nMan:"ssdp:discover"\r\nMX:${mx}\r\n\r\n`;
