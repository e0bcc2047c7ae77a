import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * An append-only log file that rotates at `maxBytes`, keeping one old file (`<file>.1`), so a log
 * can never fill the flash.
 */
export class RotatingFile {
  private size: number;

  constructor(
    readonly file: string,
    readonly maxBytes: number,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      this.size = statSync(file).size;
    } catch {
      this.size = 0;
    }
  }

  append(text: string | Buffer): void {
    const len = Buffer.byteLength(text);
    if (this.size + len > this.maxBytes) {
      try {
        renameSync(this.file, `${this.file}.1`);
      } catch {
        /* nothing to rotate yet */
      }
      this.size = 0;
    }
    appendFileSync(this.file, text, { mode: 0o640 });
    this.size += len;
  }
}
