import { createWriteStream, openSync, rmSync, type WriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import Busboy from '@fastify/busboy';
import { BelfryError } from '@belfry/core';

/**
 * Uploads stream to a temporary file as they arrive: the request is piped (with backpressure: the
 * socket pauses while the disk is behind) into the file, counted on the way, and refused the moment
 * it passes its limit. On any failure the file is removed before the promise rejects.
 */

/** multipart limits of mediaclip.cgi's upload: one file and a few small fields */
export const MULTIPART_LIMITS = { parts: 8, files: 1, fields: 7, fieldSize: 1024, fieldNameSize: 100, headerPairs: 16 } as const;

export interface Received {
  bytes: number;
  /** multipart: the file part's name and file name, and the fields */
  partName?: string;
  filename?: string;
  fields: Record<string, string>;
}

const tooLarge = (max: number) => new BelfryError('too_large', `the file is larger than the upload limit (${(max / 1e6).toFixed(1)} MB)`);

/** Counts what passes and fails past `max` bytes. */
function counter(max: number, err: () => Error): Transform & { n: number } {
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      t.n += chunk.length;
      if (t.n > max) cb(err());
      else cb(null, chunk);
    },
  }) as Transform & { n: number };
  t.n = 0;
  return t;
}

/**
 * The plumbing shared by both shapes: `start` wires `req` to `path`'s stream; the first `fail`
 * stops reading (the socket stays usable for the answer), closes and removes the file.
 */
function receive(req: IncomingMessage, path: string, start: (ws: WriteStream, done: (r: Received) => void, fail: (e: unknown) => void) => void): Promise<Received> {
  // opened now, so the file exists (and can be removed) whatever happens next
  const ws = createWriteStream(path, { fd: openSync(path, 'wx', 0o600) });
  return new Promise<Received>((resolve, reject) => {
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe();
      req.pause();
      ws.destroy();
      rmSync(path, { force: true });
      reject(e);
    };
    const done = (r: Received) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    // a client that goes away mid-upload leaves nothing behind
    req.on('close', () => {
      if (!req.complete) fail(new BelfryError('invalid_argument', 'the upload was cut short'));
    });
    req.on('error', fail);
    ws.on('error', fail);
    start(ws, done, fail);
  });
}

/** A raw body (the JSON API's upload): the file itself, at most `max` bytes. */
export function receiveRaw(req: IncomingMessage, path: string, max: number): Promise<Received> {
  return receive(req, path, (ws, done, fail) => {
    const count = counter(max, () => tooLarge(max));
    count.on('error', fail);
    ws.on('finish', () => done({ bytes: count.n, fields: {} }));
    req.pipe(count).pipe(ws);
  });
}

/**
 * multipart/form-data (mediaclip.cgi): the one file part goes to `path` (at most `max` bytes), the
 * fields are kept; the whole body may be `slack` bytes more than the file. More parts, files or
 * fields than `MULTIPART_LIMITS`, or a longer field, is a 400.
 */
export function receiveMultipart(req: IncomingMessage, path: string, max: number, slack: number): Promise<Received> {
  return receive(req, path, (ws, done, fail) => {
    let bb;
    try {
      bb = Busboy({
        headers: req.headers as Parameters<typeof Busboy>[0]['headers'],
        limits: { ...MULTIPART_LIMITS, fileSize: max },
        // the part that carries a file name is the file; without one, a part named `file` or typed audio
        isPartAFile: (name, type, filename) => filename !== undefined || name === 'file' || /^audio\//i.test(type ?? ''),
      });
    } catch {
      return fail(new BelfryError('invalid_argument', 'expected multipart/form-data with a boundary'));
    }
    const got: Received = { bytes: 0, fields: {} };
    let fileDone = false;
    let bodyDone = false;
    const finish = () => fileDone && bodyDone && done(got);
    const tooMany = (what: string, n: number) => () => fail(new BelfryError('invalid_argument', `at most ${n} multipart ${what}`));
    bb.on('partsLimit', tooMany('parts', MULTIPART_LIMITS.parts));
    bb.on('filesLimit', tooMany('files', MULTIPART_LIMITS.files));
    bb.on('fieldsLimit', tooMany('fields', MULTIPART_LIMITS.fields));
    bb.on('field', (name, value, nameCut, valueCut) => {
      if (nameCut || valueCut) return fail(new BelfryError('invalid_argument', `a multipart field is at most ${MULTIPART_LIMITS.fieldSize} bytes`));
      got.fields[name] = value;
    });
    bb.on('file', (name, stream, filename) => {
      got.partName = name;
      got.filename = filename;
      stream.on('limit', () => fail(tooLarge(max)));
      stream.on('data', (c: Buffer) => (got.bytes += c.length));
      ws.on('finish', () => ((fileDone = true), finish()));
      stream.pipe(ws);
    });
    bb.on('finish', () => {
      bodyDone = true;
      if (got.partName === undefined) return fail(new BelfryError('invalid_argument', 'no file in the upload'));
      finish();
    });
    bb.on('error', (e) => fail(new BelfryError('invalid_argument', `malformed multipart body: ${(e as Error).message}`)));
    const count = counter(max + slack, () => tooLarge(max));
    count.on('error', fail);
    req.pipe(count).pipe(bb);
  });
}
