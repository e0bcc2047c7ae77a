import { hkdf, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BoardSecurity, DeviceIdentityData } from '../profile.js';

/**
 * The simulated board's key custody: a 32-byte device-unique secret in `<factory>/device-secret`
 * (hex, mode 0400), drawn once per device root like the serial number, from which each KEK is
 * derived with HKDF-SHA256 (salt = the serial, info = the purpose). The factory identity
 * (`device-id.json`) holds only a wrapped key.
 */
export function simSecurity(factoryDir: string, serial: string): BoardSecurity {
  const idFile = join(factoryDir, 'device-id.json');
  return {
    kind: 'software',
    async kek(purpose) {
      const secret = ensureDeviceSecret(factoryDir);
      return new Promise((resolve, reject) => hkdf('sha256', secret, serial, `belfry-kek:${purpose}`, 32, (err, key) => (err ? reject(err) : resolve(Buffer.from(key)))));
    },
    deviceId() {
      try {
        const d = JSON.parse(readFileSync(idFile, 'utf8')) as DeviceIdentityData;
        return typeof d.certificate === 'string' && Array.isArray(d.chain) && typeof d.wrappedKey === 'string' ? d : undefined;
      } catch {
        return undefined;
      }
    },
    provisionDeviceId(d) {
      if (!writeOnce(factoryDir, 'device-id.json', JSON.stringify(d) + '\n', 0o644)) throw new Error('the device identity is already provisioned');
    },
  };
}

/** The factory secret, made with the rest of the factory data (and on first need for older roots). */
export function ensureDeviceSecret(factoryDir: string): Buffer {
  const file = join(factoryDir, 'device-secret');
  try {
    return parseSecret(readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  writeOnce(factoryDir, 'device-secret', randomBytes(32).toString('hex') + '\n', 0o400);
  return parseSecret(readFileSync(file, 'utf8'));
}

function parseSecret(text: string): Buffer {
  if (!/^[0-9a-f]{64}\n?$/.test(text)) throw new Error('factory device secret: malformed');
  return Buffer.from(text.trim(), 'hex');
}

/** Writes `name` unless it exists: `link` makes the first writer win when two processes race. */
function writeOnce(dir: string, name: string, text: string, mode: number): boolean {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    unlinkSync(tmp);
  }
}
