import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Bytes } from './probe.js';

const BLOCK = 64 * 1024;
/** blocks kept: the probe looks at a file's head and tail, a few blocks each */
const MAX_BLOCKS = 16;

/**
 * A file as the probe's `Bytes`: read in 64 KiB blocks at the offsets asked for, at most
 * `MAX_BLOCKS` (1 MiB) held, so probing a large upload never holds the file.
 */
export class FileBytes implements Bytes {
  readonly length: number;
  private readonly blocks = new Map<number, Buffer>();
  /** how many bytes were read from disk (tests and figures) */
  bytesRead = 0;

  private constructor(private readonly fd: number) {
    this.length = fstatSync(fd).size;
  }

  /** Runs `fn` on the file, closing it after. */
  static with<T>(path: string, fn: (b: FileBytes) => T): T {
    const b = new FileBytes(openSync(path, 'r'));
    try {
      return fn(b);
    } finally {
      closeSync(b.fd);
    }
  }

  private block(n: number): Buffer {
    let b = this.blocks.get(n);
    if (b) return b;
    b = Buffer.alloc(Math.min(BLOCK, this.length - n * BLOCK));
    let got = 0;
    while (got < b.length) {
      const r = readSync(this.fd, b, got, b.length - got, n * BLOCK + got);
      if (r === 0) break;
      got += r;
    }
    this.bytesRead += got;
    if (this.blocks.size >= MAX_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
    this.blocks.set(n, b);
    return b;
  }

  at(i: number): number | undefined {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) return undefined;
    return this.block(Math.floor(i / BLOCK))[i % BLOCK];
  }

  /** Like Buffer's: clamped to the file, a copy when it spans blocks. */
  subarray(start: number, end: number): Buffer {
    const s = Math.max(0, Math.min(start, this.length));
    const e = Math.max(s, Math.min(end, this.length));
    if (e === s) return Buffer.alloc(0);
    const first = Math.floor(s / BLOCK);
    const last = Math.floor((e - 1) / BLOCK);
    if (first === last) return this.block(first).subarray(s - first * BLOCK, e - first * BLOCK);
    const parts: Buffer[] = [];
    for (let n = first; n <= last; n++) {
      const b = this.block(n);
      parts.push(b.subarray(n === first ? s - n * BLOCK : 0, n === last ? e - n * BLOCK : b.length));
    }
    return Buffer.concat(parts);
  }

  private span(o: number, n: number): Buffer {
    if (o < 0 || o + n > this.length) throw new RangeError(`offset ${o} is outside the file`);
    return this.subarray(o, o + n);
  }
  readUInt16LE(o: number): number {
    return this.span(o, 2).readUInt16LE(0);
  }
  readUInt32LE(o: number): number {
    return this.span(o, 4).readUInt32LE(0);
  }
  readUInt32BE(o: number): number {
    return this.span(o, 4).readUInt32BE(0);
  }
  readInt32LE(o: number): number {
    return this.span(o, 4).readInt32LE(0);
  }
  toString(encoding: 'latin1', start: number, end: number): string {
    return this.subarray(start, end).toString(encoding);
  }
}
