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
  const [network, https, system] = await Promise.all([p.settings('Network'), p.settings('HTTPS'), p.settings('System')]);
  return {
    httpPort: network['HTTP.Port'],
    httpsPort: https.Port,
    httpsEnabled: https.Enabled,
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
