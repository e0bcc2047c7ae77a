import { defineContract, type MethodsOf, type RouteSpec } from '@belfry/core/contract';

/**
 * discoveryd's HTTP routes, served on its own socket behind httpd: the UPnP root description the
 * SSDP LOCATION points at (anonymous, as UPnP control points read it without credentials). The
 * multicast protocols themselves (UDP 3702, 1900, 5353) are served by discoveryd directly.
 */
export const DISCOVERYD_ROUTES: readonly RouteSpec[] = [
  {
    path: '/rootdesc1.xml',
    methods: ['GET'],
    access: 'anonymous',
    errors: 'vapix-text',
    summary: 'UPnP root description (text/xml): friendly name, model, serial, presentationURL; 404 while UPnP is off',
    probe: { method: 'GET', url: '/rootdesc1.xml', needs: 'anonymous' },
  },
];

/** discoveryd's contract: no RPC methods (settings are params), one route. */
export const DISCOVERYD = defineContract({
  name: 'discoveryd',
  methods: {},
  routes: DISCOVERYD_ROUTES,
});

export type DiscoverydContract = MethodsOf<typeof DISCOVERYD>;
