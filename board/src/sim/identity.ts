import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BoardIdentity } from '../profile.js';

/** The factory data a simulated device gets: unique per device root, fixed after the first boot. */
export interface SimFactoryData {
  serialNumber: string;
  mac: string;
}

/**
 * A simulated device's MAC is locally administered (`02:BE:1F:…`), never a vendor's OUI, and its
 * serial number is the MAC in 12 upper-case hex digits. The last three octets are random, drawn once
 * per device root and kept in `<root>/factory/identity.json`; `link` makes the first writer win if two
 * processes of one device start at once.
 */
export function loadSimFactoryData(factoryDir: string): SimFactoryData {
  const file = join(factoryDir, 'identity.json');
  try {
    return parseFactory(readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(factoryDir, { recursive: true });
  const tail = randomBytes(3).toString('hex').toUpperCase();
  const serialNumber = `02BE1F${tail}`;
  const data: SimFactoryData = { serialNumber, mac: serialNumber.match(/../g)!.join(':') };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data) + '\n', { mode: 0o644 });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  return parseFactory(readFileSync(file, 'utf8'));
}

function parseFactory(text: string): SimFactoryData {
  const d = JSON.parse(text) as Partial<SimFactoryData>;
  if (typeof d.serialNumber !== 'string' || !/^[0-9A-F]{12}$/.test(d.serialNumber)) throw new Error('factory identity: bad serial number');
  if (typeof d.mac !== 'string' || d.mac.replace(/:/g, '') !== d.serialNumber) throw new Error('factory identity: MAC does not match serial');
  return { serialNumber: d.serialNumber, mac: d.mac };
}

export function simIdentity(f: SimFactoryData): BoardIdentity {
  return {
    brand: 'Belfry',
    prodNbr: 'BS1410',
    prodFullName: 'Belfry BS1410 Network Mini Speaker',
    prodShortName: 'Belfry BS1410',
    prodType: 'Network Speaker',
    prodVariant: '',
    webURL: 'https://belfry.example/',
    serialNumber: f.serialNumber,
    mac: f.mac,
    hardwareId: '7F1',
    architecture: process.arch === 'arm64' ? 'aarch64' : process.arch === 'x64' ? 'x86_64' : process.arch,
    soc: 'Belfry Simulated SoC',
  };
}
