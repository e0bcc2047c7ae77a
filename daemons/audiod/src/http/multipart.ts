import { BelfryError } from '@belfry/core';

export interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

const MAX_PARTS = 16;
const MAX_PART_HEADER = 8192;

/**
 * multipart/form-data (RFC 7578) for clip uploads: the whole body is already in memory (its size is
 * bounded by the route), so this only splits it. Malformed bodies are an `invalid_argument`.
 */
export function parseMultipart(body: Buffer, contentType: string | undefined): Part[] {
  const m = /boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType ?? '');
  if (!m || !/^multipart\/form-data/i.test(contentType ?? '')) throw new BelfryError('invalid_argument', 'expected multipart/form-data with a boundary');
  const delim = Buffer.from('--' + (m[1] ?? m[2]));
  const parts: Part[] = [];
  let pos = body.indexOf(delim);
  if (pos < 0) throw new BelfryError('invalid_argument', 'the multipart body has no parts');
  for (;;) {
    pos += delim.length;
    if (body.subarray(pos, pos + 2).toString('latin1') === '--') break;
    if (body.subarray(pos, pos + 2).toString('latin1') === '\r\n') pos += 2;
    else if (body[pos] === 10) pos += 1;
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0 || headEnd - pos > MAX_PART_HEADER) throw new BelfryError('invalid_argument', 'malformed multipart part headers');
    const head = body.subarray(pos, headEnd).toString('utf8');
    const start = headEnd + 4;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), start);
    if (next < 0) throw new BelfryError('invalid_argument', 'the multipart body is truncated');
    const disp = /content-disposition:\s*form-data([^\r\n]*)/i.exec(head);
    if (!disp) throw new BelfryError('invalid_argument', 'a multipart part without Content-Disposition: form-data');
    const attr = (k: string) => {
      const a = new RegExp(`;\\s*${k}="([^"]*)"|;\\s*${k}=([^;\\s]+)`, 'i').exec(disp[1]!);
      return a ? (a[1] ?? a[2]) : undefined;
    };
    const ct = /content-type:\s*([^\r\n]+)/i.exec(head);
    parts.push({ name: attr('name') ?? '', filename: attr('filename'), contentType: ct?.[1]?.trim(), data: body.subarray(start, next) });
    if (parts.length > MAX_PARTS) throw new BelfryError('invalid_argument', `at most ${MAX_PARTS} multipart parts`);
    pos = next + 2;
  }
  return parts;
}
