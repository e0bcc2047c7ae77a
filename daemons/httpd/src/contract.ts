import { Type } from 'typebox';
import { defineContract, type MethodsOf } from '@belfry/core/contract';

/** Longest RTSP Authorization header passed on (httpd's own limit for Digest headers). */
export const MAX_RTSP_AUTHORIZATION = 8 * 1024;

/**
 * A daemon that authenticates end users on a protocol of its own (eventd's RTSP server) asks httpd:
 * the device's accounts, its Digest nonces and its brute-force blocking are httpd's.
 */
export const VerifyDigestResult = Type.Union([
  Type.Object({ ok: Type.Literal(true), user: Type.String(), role: Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')]) }),
  Type.Object({
    ok: Type.Literal(false),
    /** `challenge`: no credentials were given; `blocked`: the client is blocked (answer 403) */
    reason: Type.Union([Type.Literal('challenge'), Type.Literal('failed'), Type.Literal('stale'), Type.Literal('blocked')]),
    /** the `WWW-Authenticate` value to send with the 401 (RTSP flavour: no qop, `stale=` last) */
    challenge: Type.String(),
  }),
]);

/** httpd's contract: its RPC methods on `belfry/rpc/httpd/<method>`. */
export const HTTPD = defineContract({
  name: 'httpd',
  methods: {
    verifyDigest: {
      summary: 'RTSP Digest (RFC 2069, no qop; the uri as the client gives it): who the caller is, or the challenge to send',
      params: Type.Object(
        {
          method: Type.String({ minLength: 1, maxLength: 32 }),
          /** the client's Authorization header ('' for none: the answer is a challenge) */
          authorization: Type.String({ maxLength: MAX_RTSP_AUTHORIZATION }),
          /** the client's address (brute-force blocking, audit) */
          addr: Type.String({ maxLength: 64 }),
        },
        { additionalProperties: false },
      ),
      result: VerifyDigestResult,
      callers: ['eventd'],
    },
  },
});

export type HttpdContract = MethodsOf<typeof HTTPD>;
