import { ConfigError, type DaemonContext } from '@belfry/core';
import type { BruteForceSettings } from './auth/brute-force.js';

export type AccessPolicy = 'http' | 'https' | 'both';
export type AuthPolicy = 'basic' | 'digest' | 'basic_digest' | 'recommended';

/** httpd's settings, from the params it owns (param-db/defs/HTTP.json). */
export interface HttpConfig {
  httpPort: number;
  httpsPort: number;
  httpsEnabled: boolean;
  /** `HTTPS.Ciphers`, colon-separated (applied by `tls.ts` `cipherList`) */
  ciphers: string;
  /** `System.BoaGroupPolicy.admin`: which listeners serve (HTTPS-only answers plain HTTP with 301) */
  access: AccessPolicy;
  auth: AuthPolicy;
  anonymousViewer: boolean;
  bruteForce: BruteForceSettings;
}

const NAMES = {
  httpPort: 'Network.HTTP.Port',
  httpsPort: 'HTTPS.Port',
  httpsEnabled: 'HTTPS.Enabled',
  ciphers: 'HTTPS.Ciphers',
  access: 'System.BoaGroupPolicy.admin',
  auth: 'Network.HTTP.AuthenticationPolicy',
  anonymous: 'System.AnonymousViewing',
  bfEnabled: 'System.BruteForce.Enabled',
  bfPeriod: 'System.BruteForce.BlockingPeriod',
  bfPage: 'System.BruteForce.PageFailuresPerSecond',
  bfDevice: 'System.BruteForce.DeviceFailuresPerSecond',
};

export async function loadConfig(ctx: DaemonContext): Promise<HttpConfig> {
  const p = ctx.params;
  const [network, https, system] = await Promise.all([p.settings('Network'), p.settings('HTTPS'), p.settings('System')]);
  return {
    httpPort: port(ctx, NAMES.httpPort, String(network['HTTP.Port']), process.env.HTTP_PORT),
    httpsPort: port(ctx, NAMES.httpsPort, String(https.Port), process.env.HTTPS_PORT),
    httpsEnabled: https.Enabled,
    ciphers: https.Ciphers,
    access: system['BoaGroupPolicy.admin'],
    auth: network['HTTP.AuthenticationPolicy'],
    anonymousViewer: system.AnonymousViewing,
    bruteForce: {
      enabled: system['BruteForce.Enabled'],
      blockingPeriodS: system['BruteForce.BlockingPeriod'],
      pageFailuresPerS: system['BruteForce.PageFailuresPerSecond'],
      deviceFailuresPerS: system['BruteForce.DeviceFailuresPerSecond'],
    },
  };
}

export const CONFIG_PARAMS = Object.values(NAMES);

/** The stored ports when this run of httpd first read them. */
const portsAtStart = new WeakMap<DaemonContext, Map<string, string>>();

/**
 * `HTTP_PORT`/`HTTPS_PORT` (a non-root user, several simulated devices side by side) win over the
 * stored port for this run, without rewriting it; once the stored port is changed during the run,
 * the change applies.
 */
function port(ctx: DaemonContext, name: string, stored: string, env: string | undefined): number {
  let start = portsAtStart.get(ctx);
  if (!start) portsAtStart.set(ctx, (start = new Map()));
  if (!start.has(name)) start.set(name, stored);
  return Number(env && /^\d+$/.test(env) && stored === start.get(name) ? env : stored);
}

/** A listen error no restart can fix becomes a ConfigError: one line saying what to do. */
export function listenError(err: unknown): unknown {
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (e?.code !== 'EACCES') return err;
  return new ConfigError(`cannot listen on port ${e.port ?? '?'}: permission denied (ports below 1024 need root); run as root, or choose ports for this run with HTTP_PORT=8080 HTTPS_PORT=8443 RTSP_PORT=8554`);
}
