import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { BelfryError } from '@belfry/core';
import { MEDIA_SOCKET, type MediaRequest } from '@belfry/audiod/contract';

/** An open media-socket stream to audiod, after its first answer line. */
export interface MediaStream {
  sock: Socket;
  reply: Record<string, unknown>;
  /** bytes that came after the answer line */
  rest: Buffer;
}

const LINE_MAX = 4096;

/**
 * Opens a media-socket request (see audiod's media-socket.ts) and waits for audiod's first line.
 * An `{error}` line becomes a BelfryError with audiod's code; no audiod is `unavailable`.
 */
export function openMedia(runDir: string, req: MediaRequest, timeoutMs = 5000, payload?: Buffer): Promise<MediaStream> {
  return new Promise((resolve, reject) => {
    const sock = connect(join(runDir, MEDIA_SOCKET));
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new BelfryError('timeout', 'audiod did not answer'));
    }, timeoutMs);
    const fail = (err: BelfryError) => {
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    };
    sock.on('error', () => fail(new BelfryError('unavailable', 'audiod is not reachable')));
    sock.on('connect', () => {
      sock.write(JSON.stringify(req) + '\n');
      if (payload) sock.write(payload);
    });
    const onData = (b: Buffer) => {
      buf = Buffer.concat([buf, b]);
      const nl = buf.indexOf(10);
      if (nl < 0) {
        if (buf.length > LINE_MAX) fail(new BelfryError('internal', 'bad answer from audiod'));
        return;
      }
      sock.off('data', onData);
      sock.pause();
      clearTimeout(timer);
      let reply: Record<string, unknown>;
      try {
        reply = JSON.parse(buf.subarray(0, nl).toString('utf8')) as Record<string, unknown>;
      } catch {
        return fail(new BelfryError('internal', 'bad answer from audiod'));
      }
      if (reply.error) {
        sock.destroy();
        return reject(BelfryError.from(reply.error));
      }
      resolve({ sock, reply, rest: buf.subarray(nl + 1) });
    };
    sock.on('data', onData);
    sock.on('close', () => fail(new BelfryError('unavailable', 'audiod closed the stream')));
  });
}

/** Reads the next JSON line of a media stream (transmit's `{done}` or `{error}`), or null at close. */
export function nextLine(sock: Socket, pending: Buffer = Buffer.alloc(0)): Promise<Record<string, unknown> | null> {
  return new Promise((resolve) => {
    let buf = pending;
    const done = (v: Record<string, unknown> | null) => {
      sock.off('data', onData);
      sock.off('close', onClose);
      resolve(v);
    };
    const tryLine = () => {
      const nl = buf.indexOf(10);
      if (nl < 0) return false;
      try {
        done(JSON.parse(buf.subarray(0, nl).toString('utf8')) as Record<string, unknown>);
      } catch {
        done(null);
      }
      return true;
    };
    const onData = (b: Buffer) => {
      buf = Buffer.concat([buf, b]);
      if (!tryLine() && buf.length > LINE_MAX) done(null);
    };
    const onClose = () => done(null);
    if (tryLine()) return;
    sock.on('data', onData);
    sock.on('close', onClose);
    sock.resume();
  });
}
