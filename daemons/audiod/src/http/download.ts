import type { FastifyReply } from 'fastify';

/** A clip file as a download (mediaclip.cgi `download`, `/api/v1/clips/:id/audio`). */
export function sendDownload(reply: FastifyReply, f: { mime: string; filename: string; bytes: Buffer }): FastifyReply {
  return reply
    .code(200)
    .type(f.mime)
    .header('Content-Disposition', `attachment; filename="${f.filename.replace(/["\\\r\n]/g, '')}"`)
    .send(f.bytes);
}
