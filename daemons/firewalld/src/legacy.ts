import { BelfryError } from '@belfry/core';
import { parseCidr } from './addr.js';
import type { LegacyFilter } from './render.js';

/** The legacy filter's params (NR's "Set firewall" writes them). */
export const LEGACY_PREFIX = 'Network.Filter';
export const LEGACY = {
  enabled: 'Network.Filter.Enabled',
  addresses: 'Network.Filter.Input.AcceptAddresses',
  policy: 'Network.Filter.Input.Policy',
  log: 'Network.Filter.Log.Enabled',
} as const;
export const MAX_LEGACY_ADDRESSES = 256;

export type LegacySettings = { 'Filter.Enabled': boolean; 'Filter.Input.AcceptAddresses': string; 'Filter.Input.Policy': 'allow' | 'deny'; 'Filter.Log.Enabled': boolean };

export function legacyOf(s: LegacySettings): LegacyFilter {
  return { enabled: s['Filter.Enabled'], policy: s['Filter.Input.Policy'], addresses: s['Filter.Input.AcceptAddresses'].split(/\s+/).filter(Boolean), log: s['Filter.Log.Enabled'] };
}

/**
 * paramd asks firewalld before it stores a change under `Network.Filter`: every address must be
 * IPv4 (or an IPv4 CIDR), at most 256, and an enabled `allow` filter needs at least one — an empty
 * accept list would drop every client, this one included, with no test to roll it back.
 */
export function vetoLegacy(current: LegacyFilter, changes: Record<string, string | null>): LegacyFilter {
  const text = changes[LEGACY.addresses];
  const addresses = typeof text === 'string' ? text.split(/\s+/).filter(Boolean) : current.addresses;
  for (const a of addresses) if (parseCidr(a)?.family !== 4) throw new BelfryError('vetoed', `${JSON.stringify(a.slice(0, 64))} is not an IPv4 address or CIDR`, { name: LEGACY.addresses });
  if (addresses.length > MAX_LEGACY_ADDRESSES) throw new BelfryError('vetoed', `at most ${MAX_LEGACY_ADDRESSES} addresses`, { name: LEGACY.addresses });
  const enabled = changes[LEGACY.enabled] !== undefined && changes[LEGACY.enabled] !== null ? changes[LEGACY.enabled] === 'yes' : current.enabled;
  const policy = changes[LEGACY.policy] ?? current.policy;
  if (enabled && policy === 'allow' && addresses.length === 0) throw new BelfryError('vetoed', 'an allow filter with no addresses would drop every client', { name: LEGACY.enabled });
  const log = changes[LEGACY.log] !== undefined && changes[LEGACY.log] !== null ? changes[LEGACY.log] === 'yes' : current.log;
  return { enabled, policy: policy === 'deny' ? 'deny' : 'allow', addresses, log };
}
