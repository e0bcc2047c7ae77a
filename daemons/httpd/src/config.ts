import type { DaemonContext } from '@belfry/core';
import type { BruteForceSettings } from './auth/brute-force.js';

export type AccessPolicy = 'http' | 'https' | 'both';
export type AuthPolicy = 'basic' | 'digest' | 'basic_digest' | 'recommended';

/** httpd's settings, from the params it owns (param-db/defs/HTTP.json). */
export interface HttpConfig {
  httpPort: number;
  httpsPort: number;
  httpsEnabled: boolean;
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
  const v: Record<string, string> = {};
  for (const [k, name] of Object.entries(NAMES)) {
    const value = await p.get(name);
    if (value === undefined) throw new Error(`param ${name} missing`);
    v[k] = value;
  }
  return {
    httpPort: Number(v.httpPort),
    httpsPort: Number(v.httpsPort),
    httpsEnabled: v.httpsEnabled === 'yes',
    access: v.access as AccessPolicy,
    auth: v.auth as AuthPolicy,
    anonymousViewer: v.anonymous === 'yes',
    bruteForce: {
      enabled: v.bfEnabled === 'yes',
      blockingPeriodS: Number(v.bfPeriod),
      pageFailuresPerS: Number(v.bfPage),
      deviceFailuresPerS: Number(v.bfDevice),
    },
  };
}

export const CONFIG_PARAMS = Object.values(NAMES);
