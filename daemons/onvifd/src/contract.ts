import { defineContract, type MethodsOf, type RouteSpec } from '@belfry/core/contract';

/** The largest ONVIF request: a CreateUsers of a few accounts, a SetScopes of many URIs. Past it: 413, a SOAP fault. */
export const ONVIF_BODY_LIMIT = 64 * 1024;

/** The longest a PullMessages is held (its `Timeout` is capped here); the route waits a little longer. */
export const MAX_PULL_TIMEOUT_MS = 60_000;

const GET_TIME =
  '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>';

const route = (path: string, summary: string): RouteSpec => ({
  path,
  methods: ['POST'],
  // ONVIF authenticates inside the SOAP body (WS-Security) or by HTTP Digest, and some operations
  // are open to anyone (GetSystemDateAndTime, …): the front door checks Digest credentials when
  // present and passes anonymous requests on; onvifd decides per operation and answers 401 (the
  // front door's Digest challenge) when credentials are needed and none came
  access: 'anonymous',
  errors: 'soap',
  bodyLimit: ONVIF_BODY_LIMIT,
  timeoutMs: MAX_PULL_TIMEOUT_MS + 10_000,
  summary,
  probe: { method: 'POST', url: path, body: GET_TIME, contentType: 'application/soap+xml', needs: 'anonymous' },
});

/**
 * onvifd's routes: the ONVIF device service on its usual path, and every other service (media,
 * events with its pull points and subscription managers, deviceIO) on one XAddr, as the devices we
 * match do. Operations are dispatched on the Body's element, so any of them answers on either path.
 */
export const ONVIFD_ROUTES: readonly RouteSpec[] = [
  route('/onvif/device_service', 'ONVIF device service (SOAP 1.2): time, identity, capabilities, scopes, network, users, reboot'),
  route('/onvif/services', 'ONVIF media (audio-only profile), events (pull point, base notification) and deviceIO services (SOAP 1.2)'),
];

/** onvifd's contract: no RPC methods yet, its routes. */
export const ONVIFD = defineContract({
  name: 'onvifd',
  methods: {},
  routes: ONVIFD_ROUTES,
});

export type OnvifdContract = MethodsOf<typeof ONVIFD>;

/**
 * The device's ONVIF scopes, as GetScopes lists them and WS-Discovery (discoveryd) announces them:
 * the fixed ones from the Brand params, then the configurable ones of `WebService.Scopes`
 * (space-separated). No `Profile/…` scope: the device conforms to none of the ONVIF profiles.
 */
export function onvifScopes(p: { brand: string; prodNbr: string; configurable: string }): { fixed: string[]; configurable: string[] } {
  const word = (s: string) => encodeURIComponent(s.trim().replace(/\s+/g, '_'));
  return {
    fixed: ['onvif://www.onvif.org/type/audio_encoder', `onvif://www.onvif.org/hardware/${word(p.prodNbr)}`, `onvif://www.onvif.org/name/${word(p.brand)}_${word(p.prodNbr)}`],
    configurable: p.configurable.split(' ').filter(Boolean),
  };
}
