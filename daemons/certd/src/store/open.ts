import { BelfryError, type DaemonContext } from '@belfry/core';
import type { CertStore } from './types.js';

/** Opens certd's store (keystore under the board's KEK, certificates, CA certificates). */
export async function openStore(_ctx: DaemonContext): Promise<CertStore> {
  throw new BelfryError('unavailable', 'the certificate store is being built');
}
