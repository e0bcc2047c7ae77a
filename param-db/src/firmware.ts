import firmware from '../firmware.json' with { type: 'json' };

/** This firmware's identity; it travels in `root.Properties.Firmware.*` and basic device info. */
export const FIRMWARE: { version: string; buildNumber: string; buildDate: string } = firmware;
