import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
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
 * only this device). Given the board's KEK (`kek('httpd-wsse')`: on a real board from its TPM or
 * secure element), the key file holds the key wrapped under it (AES-256-GCM), so the two files
 * alone no longer give the passwords; httpd asks the board directly rather than certd, so ONVIF
 * logins never wait for certd. A plain key of an older firmware is wrapped at first use. Both ONVIF
 * clients send PasswordDigest only, so without it they could not log in.
 */
export class PasswordSealer {
  private key?: Buffer;

  constructor(
    private readonly dir: string,
    private readonly kek?: Buffer,
  ) {}

  private deviceKey(create: boolean): Buffer | undefined {
    if (this.key) return this.key;
    const file = join(this.dir, 'wsse.key');
    try {
      const stored = readFileSync(file);
      if (stored.length === 32) {
        // the plain key of an older firmware: wrapped now
        if (this.kek) this.write(file, stored);
        return (this.key = stored);
      }
      const k = this.kek ? unwrapKey(this.kek, stored.toString('utf8')) : undefined;
      if (k?.length === 32) return (this.key = k);
    } catch {
      /* none yet, or not ours to open */
    }
    if (!create) return undefined;
    const k = randomBytes(32);
    this.write(file, k);
    return (this.key = k);
  }

  /** Written durably before any password sealed with it is stored. */
  private write(file: string, key: Buffer): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, this.kek ? Buffer.from(wrapKey(this.kek, key)) : key);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
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

/** `v1.<iv>.<tag>.<data>` (base64url), AES-256-GCM under the KEK with the file's name as additional data. */
function wrapKey(kek: Buffer, key: Buffer): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', kek, iv);
  c.setAAD(Buffer.from('wsse.key'));
  const data = Buffer.concat([c.update(key), c.final()]);
  return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), data.toString('base64url')].join('.') + '\n';
}

function unwrapKey(kek: Buffer, text: string): Buffer | undefined {
  const [v, iv, tag, data] = text.trim().split('.');
  if (v !== 'v1' || !iv || !tag || !data) return undefined;
  const d = createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64url'));
  d.setAAD(Buffer.from('wsse.key'));
  d.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([d.update(Buffer.from(data, 'base64url')), d.final()]);
}
