import { Type } from 'typebox';
import { defineContract, type MethodsOf, type RouteSpec } from '@belfry/core/contract';
import { REST_ROUTES } from './rest.js';
import { SOAP_ROUTES } from './soap.js';

export { CERT_API_ID, CERT_API_VERSION } from './rest.js';

/**
 * certd's HTTP routes, served on its own socket behind httpd: the REST certificate API
 * (`contract/rest.ts`) and the SOAP certificate service (`contract/soap.ts`). This is the one list.
 */
export const CERTD_ROUTES: readonly RouteSpec[] = [...REST_ROUTES, ...SOAP_ROUTES];

/** The retained announcement httpd follows (`belfry/notify/certd/https`): fetch the material again when `version` changes. */
export const HTTPS_NOTIFY = 'https';
export const HttpsNotice = Type.Object({ alias: Type.String(), version: Type.Integer() });

/** What httpd serves on HTTPS: key (held in memory only), the leaf and its chain, the TLS floor of the crypto policy. */
export const TlsMaterialResult = Type.Object({
  alias: Type.String(),
  key: Type.String(),
  cert: Type.String(),
  minVersion: Type.Union([Type.Literal('TLSv1.2'), Type.Literal('TLSv1.3')]),
  version: Type.Integer(),
});

/** The stateful event of a certificate that expires within `Cert.ExpiryWarningDays`. */
export const CERT_EXPIRY_TOPIC = 'tns1:Device/tnsaxis:Certificate/Expiring';

/** certd's contract: httpd's TLS material, its events, and its routes. */
export const CERTD = defineContract({
  name: 'certd',
  methods: {
    tlsMaterial: {
      params: Type.Object({}, { additionalProperties: false }),
      result: TlsMaterialResult,
      // the one call that carries a private key: the front door only
      callers: 'frontDoor',
      summary: 'the selected HTTPS certificate with its key and chain',
    },
  },
  events: {
    expiring: {
      topic: CERT_EXPIRY_TOPIC,
      niceName: 'Certificate expiring',
      stateful: true,
      source: Type.Object({ Alias: Type.String() }),
      data: Type.Object({ Expiring: Type.Boolean(), NotAfter: Type.String({ format: 'date-time' }) }),
    },
  },
  routes: CERTD_ROUTES,
});

export type CertdContract = MethodsOf<typeof CERTD>;
