import { X509Certificate } from 'node:crypto';
import type { DaemonContext, EventDecl } from '@belfry/core';
import { CERT_EXPIRY_TOPIC } from './contract/index.js';
import type { FileCertStore } from './store/file-store.js';

export const EXPIRY_PARAM = 'Cert.ExpiryWarningDays';
const DAY_MS = 86400_000;

export const EXPIRY_EVENTS: EventDecl[] = [
  {
    topic: CERT_EXPIRY_TOPIC,
    niceName: 'Certificate expiring',
    stateful: true,
    source: [{ name: 'Alias', type: 'xsd:string' }],
    data: [
      { name: 'Expiring', type: 'xsd:boolean' },
      { name: 'NotAfter', type: 'xsd:dateTime' },
    ],
  },
];

/**
 * The expiry event: one stateful instance per certificate (client certificates, the device ID and
 * the CA certificates the administrator added), `Expiring` true within `Cert.ExpiryWarningDays`.
 * Checked at start, on every change of the store or the param, and once a day — a device idles
 * at one timer a day (issue 16).
 */
export function startExpiry(ctx: DaemonContext, store: FileCertStore): { check(): Promise<void>; stop(): void } {
  ctx.events.declare(EXPIRY_EVENTS);
  let shown = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    const days = (await ctx.params.getInt(EXPIRY_PARAM).catch(() => undefined)) ?? 30;
    const now = Date.now();
    const items = [...store.list(), ...store.addedCas()];
    const next = new Map<string, string>();
    for (const c of items) {
      const notAfter = new Date(new X509Certificate(c.certificate).validTo);
      const expiring = notAfter.getTime() - now <= days * DAY_MS;
      const state = `${expiring}|${notAfter.toISOString()}`;
      next.set(c.alias, state);
      if (shown.get(c.alias) !== state) ctx.events.setState(CERT_EXPIRY_TOPIC, { Alias: c.alias }, { Expiring: expiring, NotAfter: notAfter.toISOString() });
    }
    for (const alias of shown.keys()) if (!next.has(alias)) ctx.events.deleteState(CERT_EXPIRY_TOPIC, { Alias: alias });
    shown = next;
  };
  const daily = () => {
    timer = setTimeout(() => {
      void check().catch((err: Error) => ctx.log.warn({ err: err.message }, 'expiry check failed'));
      daily();
    }, DAY_MS);
    timer.unref();
  };
  daily();
  return {
    check,
    stop: () => clearTimeout(timer),
  };
}
