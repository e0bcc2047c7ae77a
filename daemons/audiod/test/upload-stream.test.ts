import { request } from 'node:http';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { wavHeader } from '@belfry/board';
import { FORWARD, httpSocketPath } from '@belfry/core/http';
import { startAudioDevice, type AudioDevice } from './device.js';
import { ownerRequest, waitFor } from './helpers.js';
import { MULTIPART_LIMITS } from '../src/http/upload-stream.js';

const LIMIT = 100_000;
const B = 'belfryboundary';

/** a mono 8-bit PCM wav of exactly `total` bytes */
function wav8(total: number): Buffer {
  const data = Buffer.alloc(total - 44, 0x90);
  return Buffer.concat([wavHeader(data.length, 16000, 8), data]);
}

type Part = { name: string; filename?: string; type?: string; body: Buffer | string };
function multipart(parts: Part[]): Buffer {
  const out: Buffer[] = [];
  for (const p of parts) {
    const disp = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    out.push(Buffer.from(`--${B}\r\nContent-Disposition: ${disp}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`), Buffer.from(p.body), Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${B}--\r\n`));
  return Buffer.concat(out);
}
const MP = { 'content-type': `multipart/form-data; boundary=${B}` };
const cgi = (name: string) => `/axis-cgi/mediaclip.cgi?action=upload&media=audio&name=${encodeURIComponent(name)}`;

/** a chunked request (no announced size, so audiod sees the size only as it streams) */
function chunked(d: AudioDevice, path: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ socketPath: httpSocketPath(d.tb.paths.run, 'audiod'), method: 'POST', path, headers: { [FORWARD.role]: 'admin', [FORWARD.via]: 'digest', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    r.on('error', reject);
    for (let i = 0; i < body.length; i += 16_384) r.write(body.subarray(i, i + 16_384));
    r.end();
  });
}

const clipDir = (d: AudioDevice) => join(d.tb.paths.state, 'audiod/clips');
const files = (d: AudioDevice) => readdirSync(clipDir(d)).sort();
const incoming = (d: AudioDevice) => files(d).filter((f) => f.startsWith('incoming-'));

async function unchanged(t: Test, d: AudioDevice, what: string, fn: () => Promise<unknown>): Promise<void> {
  const before = { files: files(d), clips: (await d.audiod.listClips({})).clips.length };
  await fn();
  t.same(files(d), before.files, `${what}: nothing left on disk`);
  t.equal((await d.audiod.listClips({})).clips.length, before.clips, `${what}: nothing stored`);
}

t.test('uploads stream to a file, with their limits', async (t) => {
  const d = await startAudioDevice(t);
  await d.params.update({ changes: { 'MediaClip.MaxUploadSize': '0.1' }, level: 'internal' });

  await t.test('mediaclip.cgi: a file of exactly the limit is accepted, one byte more is refused', async (t) => {
    const exact = wav8(LIMIT);
    const ok = await ownerRequest(d, 'POST', cgi('At the limit'), multipart([{ name: 'clip', filename: 'at.wav', type: 'audio/wav', body: exact }]), MP);
    t.match(ok.text, /^OK\nUploaded=\d+\n$/, `${LIMIT} bytes in a multipart body: ${ok.text}`);
    const clip = Number(/=(\d+)/.exec(ok.text)![1]);
    const down = await ownerRequest(d, 'GET', `/api/v1/clips/${clip}/audio`);
    t.ok(down.raw.equals(exact), 'the stored clip is the uploaded file, byte for byte');
    await unchanged(t, d, 'one byte over, announced', async () => {
      const r = await ownerRequest(d, 'POST', cgi('Over'), multipart([{ name: 'clip', filename: 'o.wav', body: wav8(LIMIT + 1) }]), MP);
      t.same([r.status, r.text], [400, '400 Bad Request\nthe file is larger than the upload limit (0.1 MB)\n']);
    });
    await unchanged(t, d, 'one byte over, chunked', async () => {
      const r = await chunked(d, cgi('Over'), multipart([{ name: 'clip', filename: 'o.wav', body: wav8(LIMIT + 1) }]), MP);
      t.same([r.status, r.text], [400, '400 Bad Request\nthe file is larger than the upload limit (0.1 MB)\n'], 'refused while streaming');
    });
    await d.audiod.removeClip({ clip });
  });

  await t.test('the JSON API: exactly the limit accepted, one byte more refused while streaming', async (t) => {
    const ok = await chunked(d, '/api/v1/clips?name=Raw%20limit&filename=r.wav', wav8(LIMIT));
    t.equal(ok.status, 201, `chunked, ${LIMIT} bytes: ${ok.text}`);
    await unchanged(t, d, 'one byte over, chunked', async () => {
      const r = await chunked(d, '/api/v1/clips?name=Raw%20over', wav8(LIMIT + 1));
      t.same([r.status, JSON.parse(r.text).error.code], [413, 'too_large']);
    });
    await d.audiod.removeClip({ clip: JSON.parse(ok.text).id });
  });

  await t.test('multipart limits: parts, files, fields', async (t) => {
    const wav = wav8(2000);
    const fields = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${i}`, body: 'x' }));
    const file = { name: 'clip', filename: 'p.wav', body: wav };
    await unchanged(t, d, 'too many parts', async () => {
      const r = await ownerRequest(d, 'POST', cgi('Parts'), multipart([...fields(MULTIPART_LIMITS.parts - 1), file, { name: 'late', body: 'x' }]), MP);
      t.same([r.status, r.text], [400, `400 Bad Request\nat most ${MULTIPART_LIMITS.parts} multipart parts\n`], `${MULTIPART_LIMITS.parts + 1} parts`);
    });
    await unchanged(t, d, 'too many fields', async () => {
      const r = await ownerRequest(d, 'POST', cgi('Fields'), multipart([...fields(MULTIPART_LIMITS.fields + 1), file]), MP);
      t.same([r.status, r.text], [400, `400 Bad Request\nat most ${MULTIPART_LIMITS.fields} multipart fields\n`], `${MULTIPART_LIMITS.fields + 1} fields`);
    });
    const atLimit = await ownerRequest(d, 'POST', cgi('Fields'), multipart([...fields(MULTIPART_LIMITS.fields), file]), MP);
    t.match(atLimit.text, /^OK\nUploaded=(\d+)\n$/, `${MULTIPART_LIMITS.fields} fields and a file: accepted`);
    await d.audiod.removeClip({ clip: Number(/=(\d+)/.exec(atLimit.text)![1]) });
    await unchanged(t, d, 'two files', async () => {
      const r = await ownerRequest(d, 'POST', cgi('Two'), multipart([{ name: 'a', filename: 'a.wav', body: wav }, { name: 'b', filename: 'b.wav', body: wav }]), MP);
      t.same([r.status, r.text], [400, '400 Bad Request\nat most 1 multipart files\n']);
    });
    await unchanged(t, d, 'a field over its size', async () => {
      const r = await ownerRequest(d, 'POST', cgi('Field'), multipart([{ name: 'note', body: 'y'.repeat(MULTIPART_LIMITS.fieldSize + 1) }, { name: 'clip', filename: 'f.wav', body: wav }]), MP);
      t.same([r.status, r.text], [400, `400 Bad Request\na multipart field is at most ${MULTIPART_LIMITS.fieldSize} bytes\n`]);
    });
    await unchanged(t, d, 'no file', async () => {
      const r = await ownerRequest(d, 'POST', cgi('None'), multipart([{ name: 'note', body: 'hello' }]), MP);
      t.same([r.status, r.text], [400, '400 Bad Request\nno file in the upload\n']);
    });
    await unchanged(t, d, 'not multipart', async () => {
      const r = await ownerRequest(d, 'POST', cgi('Plain'), wav, { 'content-type': 'text/plain' });
      t.same([r.status, r.text], [400, '400 Bad Request\nexpected multipart/form-data with a boundary\n']);
    });
  });

  for (const kind of ['mediaclip.cgi', 'the JSON API'] as const) {
    await t.test(`${kind}: a client that stops mid-upload leaves no temporary file`, async (t) => {
      const before = files(d);
      const head = kind === 'mediaclip.cgi' ? Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="clip"; filename="cut.wav"\r\n\r\n`) : Buffer.alloc(0);
      const r = request({ socketPath: httpSocketPath(d.tb.paths.run, 'audiod'), method: 'POST', path: kind === 'mediaclip.cgi' ? cgi('Cut') : '/api/v1/clips?name=Cut', headers: { [FORWARD.role]: 'admin', [FORWARD.via]: 'digest', ...(kind === 'mediaclip.cgi' ? MP : {}), 'content-length': String(LIMIT) } });
      r.on('error', () => {});
      r.write(Buffer.concat([head, wav8(LIMIT).subarray(0, LIMIT / 2)]));
      // the first half is on disk before the body has ended: the upload streams
      await waitFor('the temporary file', () => incoming(d).length === 1 || undefined);
      r.destroy();
      await waitFor('the temporary file removed', () => incoming(d).length === 0 || undefined);
      t.same(files(d), before, 'the clip folder is as before');
      t.equal((await d.audiod.listClips({})).clips.filter((c) => c.name === 'Cut').length, 0, 'nothing stored');
    });
  }
});
