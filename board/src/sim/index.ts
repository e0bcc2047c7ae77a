import type { BoardProfile } from '../profile.js';
import { SIM_CAPABILITIES, SimDrivers } from './drivers.js';
import { loadSimFactoryData, simIdentity } from './identity.js';
import { ensureDeviceSecret, simSecurity } from './security.js';

export { Bench, BENCH_MAX_BODY, BENCH_MAX_HOLD_MS, BENCH_PORT_MAX, BENCH_PORT_MIN, defaultBenchPort } from './bench.js';
export { SimDrivers, SIM_CAPABILITIES, ACOUSTIC_FAULTS, DEFAULT_ACOUSTIC, type AcousticSettings, type AcousticFault } from './drivers.js';
export { loadSimFactoryData, simIdentity } from './identity.js';
export { simSecurity, ensureDeviceSecret } from './security.js';

export function simBoard(factoryDir: string): BoardProfile & { openDrivers(): Promise<SimDrivers> } {
  const identity = simIdentity(loadSimFactoryData(factoryDir));
  // the device-unique secret is part of the factory data: made with it
  ensureDeviceSecret(factoryDir);
  return {
    id: 'sim',
    identity,
    capabilities: SIM_CAPABILITIES,
    security: simSecurity(factoryDir, identity.serialNumber),
    openDrivers: async () => new SimDrivers(SIM_CAPABILITIES),
  };
}
export { RoomModel, Biquad, mulberry32, SIM_AUDIO_RATE, SIM_FRAME } from './room.js';
export { SimSoundCard, SOUND_CARD_ROLES, SOUND_CARD_HISTORY_MS, SOUND_CARD_PERIOD_MS, wavFile, type SoundCardRole } from './sound-card.js';
