import { BelfryError } from '@belfry/core';
import { PARAMD } from '@belfry/core';
import { sender, TER } from '../soap/fault.js';
import type { OpContext } from '../soap/ops.js';

/** Reads params through the daemon's cache (kept current by paramd's change notifications). */
export async function readParams<const K extends string>(c: OpContext, names: readonly K[]): Promise<Record<K, string>> {
  const values = await Promise.all(names.map((n) => c.ctx.params.get(n)));
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? ''])) as Record<K, string>;
}

/**
 * One all-or-nothing batch to paramd, the params' store: a value it refuses is `ter:InvalidArgVal`
 * naming the param, and nothing changed. `level: admin`, the end user's (onvifd checked it).
 */
export async function writeParams(c: OpContext, changes: Record<string, string>): Promise<void> {
  try {
    await c.ctx.rpc.client(PARAMD).update({ changes, level: 'admin' });
  } catch (e) {
    if (e instanceof BelfryError && e.code !== 'unavailable' && e.code !== 'timeout' && e.code !== 'internal') throw sender(TER.invalidArgVal, e.message);
    throw e;
  }
}
