import { createPrivateKey, X509Certificate } from 'node:crypto';
import { DEFAULT_CIPHERS, getCiphers } from 'node:tls';
import { REQUIRED_SERVICES, T, type DaemonContext } from '@belfry/core';
import { CERTD, HTTPS_NOTIFY } from '@belfry/certd/contract';

export interface TlsMaterial {
  key: string;
  cert: string;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** How long httpd's start waits for certd before it serves HTTP alone (HTTPS follows when certd comes). */
export const FIRST_MATERIAL_WAIT_MS = 1500;

/**
 * The HTTPS key and chain come from certd (the keystore's owner) over `tlsMaterial`, an RPC only
 * httpd may call; httpd holds them in memory only. certd's retained notice
 * `belfry/notify/certd/https` appears when certd is up and changes whenever the selection, the
 * selected certificate or the crypto policy does: httpd asks then (and only then) and hands new
 * material to `onMaterial` (`setSecureContext`: open connections keep theirs, the next handshake
 * gets the new one). A failed fetch is retried with a backoff (1 s doubling to 30 s) until one
 * succeeds — no timer runs otherwise. `first` settles with the first material, or after
 * `FIRST_MATERIAL_WAIT_MS` without (certd late: HTTP starts alone).
 */
export function followTls(ctx: DaemonContext, onMaterial: (m: TlsMaterial) => void): { first: Promise<void>; stop(): Promise<void> } {
  const certd = ctx.rpc.client(CERTD);
  let last = '';
  let retry: NodeJS.Timeout | undefined;
  let delay = 1000;
  let stopped = false;
  let fetching: Promise<void> | undefined;
  let again = false;
  let gotFirst: () => void = () => undefined;
  const firstMaterial = new Promise<void>((resolve) => (gotFirst = resolve));
  const fetch = (): Promise<void> => {
    if (fetching) {
      again = true;
      return fetching;
    }
    clearTimeout(retry);
    fetching = (async () => {
      try {
        const m = await certd.tlsMaterial({});
        delay = 1000;
        const id = `${m.cert}|${m.minVersion}`;
        if (id !== last && usable(m)) {
          last = id;
          onMaterial({ key: m.key, cert: m.cert, minVersion: m.minVersion });
          gotFirst();
        }
      } catch (err) {
        if (stopped) return;
        ctx.log.warn({ err: (err as Error).message }, 'no HTTPS certificate from certd yet');
        retry = setTimeout(() => void fetch(), delay);
        delay = Math.min(delay * 2, 30_000);
      } finally {
        fetching = undefined;
        if (again && !stopped) {
          again = false;
          void fetch();
        }
      }
    })();
    return fetching;
  };
  const off = ctx.bus.subscribe(T.notify('certd', HTTPS_NOTIFY), () => void fetch());
  let waited: NodeJS.Timeout | undefined;
  return {
    // a device without certd (`--only …`) does not wait for it
    first: REQUIRED_SERVICES().includes('certd') ? Promise.race([firstMaterial, new Promise<void>((r) => (waited = setTimeout(r, FIRST_MATERIAL_WAIT_MS)))]).finally(() => clearTimeout(waited)) : Promise.resolve(),
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await (await off)();
    },
  };
}

/** A key and certificate that belong together and are in date (anything else keeps the current one). */
function usable(m: TlsMaterial): boolean {
  try {
    const c = new X509Certificate(m.cert);
    return c.checkPrivateKey(createPrivateKey(m.key)) && new Date(c.validTo).getTime() > Date.now();
  } catch {
    return false;
  }
}

/**
 * `HTTPS.Ciphers` (colon-separated OpenSSL names, as certd's `SetWebServerTlsConfiguration` stores
 * them) as the TLS 1.2 cipher list: names this TLS stack lacks are ignored (§9.4, Belfry choice);
 * none known means Node's default. TLS 1.3 suites are not named by clients, so Node's stay.
 */
export function cipherList(param: string): string | undefined {
  const known = new Set(getCiphers());
  const names = param.split(':').filter((n) => n && known.has(n.toLowerCase()));
  if (!names.length) return undefined;
  const tls13 = DEFAULT_CIPHERS.split(':').filter((n) => n.startsWith('TLS_'));
  return [...tls13, ...names].join(':');
}
