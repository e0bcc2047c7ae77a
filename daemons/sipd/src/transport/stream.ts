import type { Socket } from 'node:net';
import { MAX_HEAD_BYTES, MAX_MESSAGE_BYTES, MalformedMessage, parseHead, rebuild, type SipHead } from './message.js';

/** A stream connection without a byte for this long is closed. */
export const STREAM_IDLE_MS = 120_000;

export type StreamEvent = { kind: 'message'; head: SipHead; text: string } | { kind: 'malformed'; reason: string } | { kind: 'oversize'; head?: SipHead };

/**
 * Frames SIP messages on a TCP or TLS byte stream (RFC 3261 §18.3): a head up to the blank line,
 * then exactly Content-Length bytes of body (mandatory on streams). CRLF keep-alives between
 * messages are skipped (RFC 5626). A head over MAX_HEAD_BYTES or a message over MAX_MESSAGE_BYTES
 * is `oversize`; a broken head is `malformed`; after either the connection is closed by the owner,
 * since the stream cannot be re-synchronised.
 */
export class StreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  private dead = false;

  constructor(private readonly emit: (e: StreamEvent) => void) {}

  push(chunk: Buffer): void {
    if (this.dead) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (!this.dead) {
      let skip = 0;
      while (skip < this.buf.length && (this.buf[skip] === 0x0d || this.buf[skip] === 0x0a)) skip++;
      if (skip) this.buf = this.buf.subarray(skip);
      if (!this.buf.length) return;
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.buf.length > MAX_HEAD_BYTES) this.fail({ kind: 'oversize' });
        return;
      }
      if (end > MAX_HEAD_BYTES) return this.fail({ kind: 'oversize' });
      const headText = this.buf.subarray(0, end).toString('utf8');
      let head: SipHead;
      try {
        head = parseHead(headText, end + 4);
      } catch (err) {
        return this.fail({ kind: 'malformed', reason: err instanceof MalformedMessage ? err.message : 'unreadable' });
      }
      if (head.contentLength < 0) return this.fail({ kind: 'malformed', reason: 'no Content-Length on a stream' });
      if (end + 4 + head.contentLength > MAX_MESSAGE_BYTES) return this.fail({ kind: 'oversize', head });
      if (this.buf.length < end + 4 + head.contentLength) return;
      const body = this.buf.subarray(end + 4, end + 4 + head.contentLength);
      this.buf = this.buf.subarray(end + 4 + head.contentLength);
      this.emit({ kind: 'message', head, text: rebuild(headText, body) });
    }
  }

  private fail(e: StreamEvent): void {
    this.dead = true;
    this.buf = Buffer.alloc(0);
    this.emit(e);
  }
}

/** Closes `sock` when it has been idle for STREAM_IDLE_MS. */
export function idleClose(sock: Socket, ms = STREAM_IDLE_MS): void {
  sock.setTimeout(ms, () => sock.destroy());
}
