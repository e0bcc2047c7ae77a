/**
 * What discoveryd announces, as plain data: the device's identity (board and Brand params), the
 * settings of each protocol (params), where the HTTP API is, and the interfaces it serves. The
 * protocol services take this, not the bus, so tests run them anywhere (a network namespace).
 */
export interface Identity {
  /** 12 upper-case hex digits, the MAC without separators */
  serial: string;
  brand: string;
  prodNbr: string;
  prodFullName: string;
  prodShortName: string;
  manufacturerURL: string;
  firmware: string;
  /** `Network.HostName`, the mDNS host name without `.local` */
  hostName: string;
}

export interface Settings {
  /** `WebService.DiscoveryMode` is `Discoverable` */
  wsDiscovery: boolean;
  /** `WebService.Scopes`: the configurable ONVIF scopes */
  scopes: string[];
  upnp: boolean;
  upnpName: string;
  bonjour: boolean;
  bonjourName: string;
  /** the port the HTTP API listens on (httpd's announced URL, else `Network.HTTP.Port`) */
  httpPort: number;
}

/** One served interface: its routable IPv4 address and, if it has one, its IPv4 link-local one. */
export interface Iface {
  name: string;
  address: string;
  netmask: string;
  linkLocal?: string;
}

/** UDP ports: fixed on the wire, from the environment for tests on loopback. */
export interface Ports {
  wsd: number;
  ssdp: number;
  mdns: number;
}

export interface DiscoveryConfig {
  identity: Identity;
  settings: Settings;
  ifaces: Iface[];
  ports: Ports;
  /** longest random delay before a multicast answer (WS-Discovery APP_MAX_DELAY 500 ms; SSDP caps MX at it too) */
  maxReplyDelayMs: number;
}

export const WIRE_PORTS: Ports = { wsd: 3702, ssdp: 1900, mdns: 5353 };

/** `BELFRY_WSD_PORT`, `BELFRY_SSDP_PORT`, `BELFRY_MDNS_PORT` (tests), else the wire's. */
export function portsFromEnv(env: NodeJS.ProcessEnv = process.env): Ports {
  const p = (v: string | undefined, d: number) => {
    const n = Number(v);
    return Number.isInteger(n) && n > 0 && n < 65536 ? n : d;
  };
  return { wsd: p(env.BELFRY_WSD_PORT, WIRE_PORTS.wsd), ssdp: p(env.BELFRY_SSDP_PORT, WIRE_PORTS.ssdp), mdns: p(env.BELFRY_MDNS_PORT, WIRE_PORTS.mdns) };
}

/** The stable WS-Discovery endpoint reference: a fixed prefix and the serial as the UUID's node. */
export function endpointUuid(serial: string): string {
  return `urn:uuid:3f0e2a6c-1b7d-4c51-9d1e-${serial.toLowerCase()}`;
}
