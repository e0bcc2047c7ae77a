import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { BoardSecurity } from '@belfry/board';
import { unwrap } from '../keystore/wrap.js';

export const DEVICE_ID_ALIAS = 'Belfry device ID';
/** the KEK purpose and the additional data of the device ID's wrapped key */
export const DEVICE_ID_KEY = 'device-id';

/** The identity as the store lists it (leaf then chain), or undefined on a board without one. */
export async function deviceIdSource(security: BoardSecurity): Promise<(() => { alias: string; certificate: string; key: () => Promise<KeyObject> } | undefined) | undefined> {
  const kek = await security.kek(DEVICE_ID_KEY);
  return () => {
    const d = security.deviceId();
    if (!d) return undefined;
    return { alias: DEVICE_ID_ALIAS, certificate: d.certificate + d.chain.join(''), key: async () => createPrivateKey({ key: unwrap(kek, DEVICE_ID_KEY, d.wrappedKey), format: 'der', type: 'pkcs8' }) };
  };
}
