import type { RouteSpec } from '@belfry/core/contract';

/**
 * The largest SOAP request: a rule or a notification configuration with a few parameters of up to
 * 8192 characters each, escaped. Past it the front door answers 413 (a SOAP fault) without reading on.
 */
export const SOAP_BODY_LIMIT = 256 * 1024;

const GET_EVENT_INSTANCES =
  '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetEventInstances xmlns="http://www.axis.com/vapix/ws/event1"/></s:Body></s:Envelope>';

/**
 * `/vapix/services`: the VAPIX event1 and action1 services (SOAP 1.2). The route is open to viewers
 * (GetEventInstances and the Get* operations); the handler asks more of each change (admin, or
 * operator for a virtual input) from the forwarded role.
 */
export const SOAP_ROUTES: readonly RouteSpec[] = [
  {
    path: '/vapix/services',
    methods: ['POST'],
    access: 'viewer',
    errors: 'soap',
    bodyLimit: SOAP_BODY_LIMIT,
    soap: { namespaces: ['http://www.axis.com/vapix/ws/event1', 'http://www.axis.com/vapix/ws/action1'] },
    summary: 'VAPIX event1 and action1 services (SOAP 1.2): topics, scheduled events, virtual inputs, action templates, configurations, recipients, rules',
    probe: { method: 'POST', url: '/vapix/services', body: GET_EVENT_INSTANCES, contentType: 'application/soap+xml', needs: 'viewer' },
  },
];
