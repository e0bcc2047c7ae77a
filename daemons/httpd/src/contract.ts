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

const RoleT = Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')]);

/** Longest WS-Security field passed on (a SHA-1 digest is 28 base64 characters, a nonce a few dozen). */
export const MAX_TOKEN_FIELD = 256;

/**
 * A WS-Security UsernameToken (onvifd): checked against httpd's accounts with the Created skew window,
 * the nonce replay cache and the brute-force blocking, which all live here with the accounts.
 */
export const VerifyUsernameTokenResult = Type.Union([
  Type.Object({ ok: Type.Literal(true), user: Type.String(), role: RoleT }),
  Type.Object({
    ok: Type.Literal(false),
    /** `expired`: Created outside the skew window; `replayed`: nonce seen; `blocked`: the client is blocked */
    reason: Type.Union([Type.Literal('failed'), Type.Literal('expired'), Type.Literal('replayed'), Type.Literal('blocked')]),
  }),
]);

/** An account as other daemons see it: never a secret. */
export const AccountT = Type.Object({ name: Type.String(), role: RoleT });

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
    verifyUsernameToken: {
      summary: 'WS-Security UsernameToken (PasswordDigest or PasswordText): who the caller is, or why not',
      params: Type.Object(
        {
          user: Type.String({ maxLength: MAX_TOKEN_FIELD }),
          password: Type.String({ maxLength: MAX_TOKEN_FIELD }),
          /** `digest`: Base64(SHA-1(nonce + created + password)); `text`: the password itself */
          type: Type.Union([Type.Literal('digest'), Type.Literal('text')]),
          /** the nonce as sent (Base64); '' for none (PasswordText only) */
          nonce: Type.String({ maxLength: MAX_TOKEN_FIELD }),
          /** the Created timestamp as sent; '' for none (PasswordText only) */
          created: Type.String({ maxLength: 64 }),
          addr: Type.String({ maxLength: 64 }),
        },
        { additionalProperties: false },
      ),
      result: VerifyUsernameTokenResult,
      callers: ['onvifd'],
    },
    listAccounts: {
      summary: 'The accounts (names and roles; never a secret)',
      params: Type.Object({}, { additionalProperties: false }),
      result: Type.Object({ accounts: Type.Array(AccountT) }),
      callers: ['onvifd'],
    },
    addAccount: {
      summary: 'A new account (the rules of pwdgrp.cgi: names, password characters, 100 accounts)',
      params: Type.Object({ name: Type.String({ maxLength: 64 }), password: Type.String({ maxLength: MAX_TOKEN_FIELD }), role: RoleT }, { additionalProperties: false }),
      result: Type.Object({}),
      callers: ['onvifd'],
    },
    updateAccount: {
      summary: "An account's password and/or role (the last administrator stays one)",
      params: Type.Object({ name: Type.String({ maxLength: 64 }), password: Type.Optional(Type.String({ maxLength: MAX_TOKEN_FIELD })), role: Type.Optional(RoleT) }, { additionalProperties: false }),
      result: Type.Object({}),
      callers: ['onvifd'],
    },
    removeAccount: {
      summary: 'Removes an account (never the last administrator)',
      params: Type.Object({ name: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
      result: Type.Object({}),
      callers: ['onvifd'],
    },
  },
});

export type HttpdContract = MethodsOf<typeof HTTPD>;
