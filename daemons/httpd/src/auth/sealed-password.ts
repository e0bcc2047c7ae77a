import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A password encrypted at rest (AES-256-GCM with the device key): what WS-Security PasswordDigest needs. */
export interface SealedPassword {
  iv: string;
  tag: string;
  data: string;
}

/**
 * WS-Security PasswordDigest is Base64(SHA-1(nonce + created + password)): unlike Digest's HA1 it
 * cannot be checked from any hash of the password, so the device keeps the password itself,
 * encrypted with a device key (`<httpd state>/wsse.key`, 32 random bytes, 0600, made at the first
 * password set). The price: whoever reads both files gets the plain passwords (an HA1 leak gives
 * only this device); a board with a secure element would keep the key there. Both ONVIF clients
 * send PasswordDigest only, so without it they could not log in.
 */
export class PasswordSealer {
  private key?: Buffer;

  constructor(private readonly dir: string) {}

  private deviceKey(create: boolean): Buffer | undefined {
    if (this.key) return this.key;
    const file = join(this.dir, 'wsse.key');
    try {
      const k = readFileSync(file);
      if (k.length === 32) return (this.key = k);
    } catch {
      /* none yet */
    }
    if (!create) return undefined;
    const k = randomBytes(32);
    // written durably before any password sealed with it is stored
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, k);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    return (this.key = k);
  }

  seal(password: string): SealedPassword {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.deviceKey(true)!, iv);
    const data = Buffer.concat([c.update(password, 'utf8'), c.final()]);
    return { iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  /** The password, or undefined when the key is gone or the record was tampered with. */
  open(s: SealedPassword | undefined): string | undefined {
    const key = s && this.deviceKey(false);
    if (!s || !key) return undefined;
    try {
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(s.iv, 'base64'));
      d.setAuthTag(Buffer.from(s.tag, 'base64'));
      return Buffer.concat([d.update(Buffer.from(s.data, 'base64')), d.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
