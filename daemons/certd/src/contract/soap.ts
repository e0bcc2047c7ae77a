import type { RouteSpec } from '@belfry/core/contract';

/** A request carries at most a few certificates with their chains and keys, base64 in XML. */
export const SOAP_BODY_LIMIT = 512 * 1024;

const GET_CERTIFICATES =
  '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetCertificates xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>';

/**
 * certd's SOAP certificate service routes (§9.3, §9.4 web server TLS, §9.5 802.1X), owned by the SOAP part (`soap/`): `/vapix/services`
 * shared with eventd by Body namespace (the front door picks the owner), admin only.
 */
export const SOAP_ROUTES: RouteSpec[] = [
  {
    path: '/vapix/services',
    methods: ['POST'],
    access: 'admin',
    errors: 'soap',
    bodyLimit: SOAP_BODY_LIMIT,
    soap: { namespaces: ['http://www.axis.com/vapix/ws/certificates', 'http://www.onvif.org/ver10/device/wsdl', 'http://www.axis.com/vapix/ws/webserver'] },
    summary: 'VAPIX certificate services (SOAP 1.2): create, CSR, list, information, load, delete, certificate sets; the web server\'s TLS configuration; ONVIF 802.1X (EAPTLS_WIRED)',
    probe: { method: 'POST', url: '/vapix/services', body: GET_CERTIFICATES, contentType: 'application/soap+xml', needs: 'admin' },
  },
];
