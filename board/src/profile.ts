/**
 * What a device is and has (docs/architecture.md, the board). Daemons ask the board, never `/sys` directly. Identity values
 * are data; the wire formats they travel in belong to the API layers.
 */
export interface BoardIdentity {
  brand: string;
  prodNbr: string;
  prodFullName: string;
  prodShortName: string;
  prodType: string;
  prodVariant: string;
  webURL: string;
  /** 12 upper-case hex digits, equal to the MAC without separators */
  serialNumber: string;
  /** `02:BE:1F:00:00:01` */
  mac: string;
  hardwareId: string;
  architecture: string;
  soc: string;
}

export interface LedCapability {
  name: string;
  colors: string[];
}

export interface BoardCapabilities {
  audioOut: boolean;
  audioIn: boolean;
  leds: LedCapability[];
  buttons: string[];
  switches: string[];
  inputs: number;
  outputs: number;
  /**
   * Where audiod finds the speaker and the microphone: ALSA device names on a real board (`hw:0,0`),
   * `sim` for the simulated board's sound card (a Unix socket served by boardd, `run/sim-audio.sock`).
   */
  audioDevices?: { speaker: string; microphone: string };
}

export type LedMode = 'off' | 'steady' | 'flash';
export interface LedState {
  color: string;
  mode: LedMode;
}

export type Unsubscribe = () => void;

/** The drivers a board provides; only boardd opens them, everyone else asks boardd over the bus. */
export interface BoardDrivers {
  setLed(name: string, state: LedState): void;
  led(name: string): LedState;
  /** whether the named button is held down */
  button(name: string): boolean;
  onButton(fn: (name: string, pressed: boolean) => void): Unsubscribe;
  /** whether the named switch is on (the microphone switch: on = microphone allowed) */
  switchOn(name: string): boolean;
  onSwitch(fn: (name: string, on: boolean) => void): Unsubscribe;
  /** the device clock (UTC ms); a real board sets the system clock and RTC */
  now(): number;
  setClock(utcMs: number): void;
  close(): Promise<void>;
}

/**
 * The factory device identity (IEEE 802.1AR-style IDevID): a certificate with subject
 * `serialNumber=<serial>` issued at the factory by the vendor's CA chain, its private key wrapped
 * under `kek('device-id')` (AES-256-GCM, see certd's keystore), never in the clear on disk.
 */
export interface DeviceIdentityData {
  /** the leaf, PEM */
  certificate: string;
  /** the intermediate then the root, PEM */
  chain: string[];
  /** the key, wrapped (certd's keystore format) */
  wrappedKey: string;
}

/**
 * The board's key custody. A real board keeps the key-encryption key in a TPM or secure element and
 * implements `kek` with its command (e.g. `tpm2_unseal` of a sealed object, or the element's
 * key-derivation call), so the KEK never exists on disk; no real board exists yet. The simulated
 * board derives it (HKDF-SHA256) from a device-unique secret in its factory data.
 */
export interface BoardSecurity {
  /** `software` (simulated board), `tpm`, `secure-element` */
  kind: string;
  /** a 32-byte key-encryption key for `purpose`, the same for the device's whole life */
  kek(purpose: string): Promise<Buffer>;
  /** the factory identity, once provisioned */
  deviceId(): DeviceIdentityData | undefined;
  /**
   * The factory station's step: stores the identity once (a second one is refused). The simulated
   * board has no factory, so certd provisions it at its first start.
   */
  provisionDeviceId(d: DeviceIdentityData): void;
}

export interface BoardProfile {
  /** `sim` for the simulated board */
  id: string;
  identity: BoardIdentity;
  capabilities: BoardCapabilities;
  security: BoardSecurity;
  openDrivers(): Promise<BoardDrivers>;
}
