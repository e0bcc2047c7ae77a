import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import { formArgs, type AudioHttp } from './args.js';

type Fault = { Fault: string; FaultCode: string; FaultSubCode: string; FaultReason: string; FaultMsg: null };

/** axast faults (§7): HTTP 400 with this JSON. */
function axastFault(err: unknown): Fault {
  const e = err instanceof BelfryError ? err : new BelfryError('internal', 'internal error');
  const f = (Fault: string, FaultCode: string, FaultSubCode: string, FaultReason: string): Fault => ({ Fault, FaultCode, FaultSubCode, FaultReason, FaultMsg: null });
  if (e.target === 'DeviceNotCalibrated') return f('env:Receiver', 'ter:Action', 'axast:DeviceNotCalibrated', 'The Auto Speaker Test cannot be done without prior calibration.');
  if (e.target === 'DisabledInHardware') return f('env:Receiver', 'ter:Action', 'axast:DisabledInHardware', 'The microphone is disabled in hardware.');
  if (e.code === 'unknown_method') return f('env:Receiver', 'ter:ActionNotSupported', '', e.message);
  if (e.code === 'bad_request') return f('env:Sender', 'ter:InvalidArgs', '', e.message);
  if (e.code === 'invalid_argument') return f('env:Sender', 'ter:InvalidArgVal', '', e.message);
  return f('env:Receiver', 'ter:Action', 'ter:Failure', e.message);
}

/** The command of an axast request: `action` with `format=simple`, else the one key of the JSON body. */
function commandOf(req: FastifyRequest, simple: boolean): string | undefined {
  if (simple) return formArgs(req).get('action');
  let body: unknown;
  try {
    body = JSON.parse(((req.body as Buffer | undefined) ?? Buffer.alloc(0)).toString('utf8') || 'null');
  } catch {
    throw new BelfryError('bad_request', 'the body is not JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length !== 1) throw new BelfryError('bad_request', 'expected one {"axast:<Command>":{…}}');
  return Object.keys(body)[0];
}

/** /vapix/axast (admin): the Auto Speaker Test, JSON or `format=simple` key=value lines. */
export function axast(h: AudioHttp) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const simple = formArgs(req).get('format') === 'simple';
    try {
      const command = commandOf(req, simple);
      let out: Record<string, unknown> = {};
      switch (command) {
        case 'axast:CalibrateSpeakerTest':
          await h.audiod.calibrateSpeakerTest({});
          break;
        case 'axast:PerformSpeakerTest':
          await h.audiod.performSpeakerTest({});
          break;
        case 'axast:GetSpeakerTestReport': {
          const r = await h.audiod.speakerTestReport({});
          out = { SpeakerTestReport: { SpeakerTestStatus: r.status, TestTimestamp: r.testTimestamp, CalibrationTimestamp: r.calibrationTimestamp } };
          break;
        }
        case undefined:
          throw new BelfryError('bad_request', 'no command');
        default:
          throw new BelfryError('unknown_method', `${command} is not supported`);
      }
      if (simple) {
        const lines = Object.entries((out.SpeakerTestReport as Record<string, string> | undefined) ?? {}).map(([k, v]) => `SpeakerTestReport_${k}=${v}\n`);
        return reply.code(200).type('text/plain').send(lines.join(''));
      }
      return reply.code(200).type('application/json').send(JSON.stringify(out));
    } catch (err) {
      const f = axastFault(err);
      if (simple) return reply.code(400).type('text/plain').send(Object.entries(f).map(([k, v]) => `${k}=${v ?? ''}\n`).join(''));
      return reply.code(400).type('application/json').send(JSON.stringify(f));
    }
  };
}
