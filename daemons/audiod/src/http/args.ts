import type { FastifyRequest } from 'fastify';
import { BelfryError, type Client } from '@belfry/core';
import { parseForm, type FormArgs } from '@belfry/core/http';
import type { AudiodContract } from '../contract.js';

export const bad = (msg: string, name?: string) => new BelfryError('invalid_argument', msg, name ? { name } : {});

/** Form arguments of a request: query string and body, whatever the Content-Type (§1.5). */
export function formArgs(req: FastifyRequest): FormArgs {
  return parseForm(req.raw.url ?? '', req.body as Buffer | undefined);
}

/** `-?digits` within a range, or undefined when absent; anything else is a 400. */
export function intArg(args: FormArgs, name: string, min: number, max: number): number | undefined {
  const v = args.get(name);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d{1,9}$/.test(v.trim())) throw bad(`${name} must be an integer`, name);
  const n = Number(v.trim());
  if (n < min || n > max) throw bad(`${name} must be from ${min} to ${max}`, name);
  return n;
}

export type PlayRequest = Parameters<AudiodContract['play']>[0];

/** The play arguments shared by mediaclip.cgi and playclip.cgi. */
export function playArgs(args: FormArgs): PlayRequest {
  const p: PlayRequest = {};
  const clip = intArg(args, 'clip', 0, 9999);
  if (clip !== undefined) p.clip = clip;
  const location = args.get('location');
  if (location) {
    if (location.length > 255) throw bad('location is too long', 'location');
    p.location = location;
  }
  const repeat = intArg(args, 'repeat', -1, 10000);
  if (repeat !== undefined) p.repeat = repeat;
  const volume = intArg(args, 'volume', 0, 1000);
  if (volume !== undefined) p.volume = volume;
  const dev = intArg(args, 'audiodeviceid', 0, 999);
  const out = intArg(args, 'audiooutputid', 0, 999);
  if (dev !== undefined) p.audiodeviceid = dev;
  if (out !== undefined) p.audiooutputid = out;
  const legacy = intArg(args, 'audiooutput', 0, 999);
  if (legacy !== undefined) p.audiooutput = legacy;
  return p;
}

/** The device has one audio device with one output and one input (`0`); the pair must come together. */
export function checkDeviceIds(args: FormArgs, dev: string, io: string): void {
  const a = args.get(dev);
  const b = args.get(io);
  if ((a === undefined) !== (b === undefined)) throw bad(`${dev} and ${io} must be given together`);
  if (a !== undefined && (a.trim() !== '0' || b!.trim() !== '0')) throw bad(`no audio device ${a} with ${io.replace('audio', '').replace('id', '')} ${b}`);
}

/** What the routes reach of audiod (main.ts builds it). */
export interface AudioHttp {
  /** audiod's own RPC methods, called in process */
  audiod: Client<AudiodContract>;
  param(name: string): Promise<string | undefined>;
  caps: { audioIn: boolean; audioOut: boolean };
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
  maxUploadBytes(): Promise<number>;
  /** a temporary file for an upload as it arrives (in the clips folder, removed at start after a crash) */
  incoming(): { path: string; discard(): void };
  /** stores the clip from that file, which it takes over (removed whatever the outcome) */
  upload(name: string, filename: string, path: string): Promise<{ clip: number; replaced: boolean }>;
  download(clip: number): Promise<{ mime: string; filename: string; bytes: Buffer }>;
  live: import('./live.js').LiveDeps;
}
