import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { join } from 'node:path';
import { subscribeEvents, type BelfryEvent, type Bus, type DaemonContext } from '@belfry/core';
import { startDevice, type TestDevice } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import type { Media, RtpCodec, RtpStartParams } from '../src/media.js';
import { createSipd } from '../src/main.js';

export const SIPP_DIR = join(import.meta.dirname, 'sipp');

/** Polls until `cond` holds (no timing assertion: tap's timeout is the limit). */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The media side for signalling tests, in place of audiod's RTP (a separate engineer's, tested
 * there): it binds a real UDP port per call, as audiod does, and counts what arrives on it.
 */
export class SocketMedia implements Media {
  readonly sockets = new Map<string, Socket>();
  readonly started: RtpStartParams[] = [];
  readonly stopped: string[] = [];
  packets = 0;
  codecList: RtpCodec[] = [
    { name: 'PCMU', clockRate: 8000, channels: 1, payloadType: 0 },
    { name: 'PCMA', clockRate: 8000, channels: 1, payloadType: 8 },
  ];
  private listeners: { dtmf(callId: string, digit: string): void; ended(callId: string): void }[] = [];

  constructor(private readonly address: string) {}
  async codecs() {
    return this.codecList;
  }
  async open(callId: string) {
    const s = createSocket('udp4');
    s.on('message', () => this.packets++);
    await new Promise<void>((r) => s.bind(0, this.address, () => r()));
    this.sockets.set(callId, s);
    return { localPort: s.address().port };
  }
  async start(p: RtpStartParams) {
    this.started.push(p);
  }
  async sendDtmf() {}
  async stop(callId: string) {
    this.stopped.push(callId);
    this.sockets.get(callId)?.close();
    this.sockets.delete(callId);
  }
  async watch(on: { dtmf(callId: string, digit: string): void; ended(callId: string): void }) {
    this.listeners.push(on);
    return async () => void (this.listeners = this.listeners.filter((l) => l !== on));
  }
  /** an RFC 4733 digit "received" on a call, as audiod reports it */
  digit(callId: string, d: string) {
    for (const l of this.listeners) l.dtmf(callId, d);
  }
  close() {
    for (const s of this.sockets.values()) s.close();
  }
}

export interface SipDevice {
  dev: TestDevice;
  bus: Bus;
  media: SocketMedia;
  address: string;
  events: BelfryEvent[];
  setParams(changes: Record<string, string>): Promise<void>;
  rpc<T = unknown>(method: string, params: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** paramd + sipd (SIP on `address`:5060, enabled, incoming calls allowed), a `tester` bus user collecting sipd's events. */
export async function sipDevice(address: string, params: Record<string, string> = {}, extra: { daemons?: import('@belfry/core').DaemonModule[] } = {}): Promise<SipDevice> {
  const media = new SocketMedia(address);
  const dev = await startDevice({ daemons: [paramd, createSipd({ media: (_ctx: DaemonContext) => media, address }), ...(extra.daemons ?? [])], users: ['tester'] });
  const bus = await dev.tb.connect('tester');
  const events: BelfryEvent[] = [];
  await subscribeEvents(bus, '#', (ev) => events.push(ev), 'sipd');
  const { RpcCaller } = await import('@belfry/core');
  const rpc = new RpcCaller(bus);
  const setParams = async (changes: Record<string, string>) => void (await rpc.call('paramd', 'update', { changes }));
  await setParams({ 'SIP.Enabled': 'yes', 'SIP.AllowIncomingCalls': 'yes', ...params });
  return {
    dev,
    bus,
    media,
    address,
    events,
    setParams,
    rpc: (method, p) => rpc.call('sipd', method, p) as Promise<never>,
    async stop() {
      media.close();
      await dev.stop();
    },
  };
}

export interface Sipp {
  proc: ChildProcess;
  done: Promise<number>;
  out: () => string;
  kill(): void;
}

/** Runs SIPp with a scenario of this folder on its own loopback address (port 5060). */
export function sipp(scenario: string, args: string[]): Sipp {
  const proc = spawn('sipp', ['-sf', join(SIPP_DIR, scenario), '-p', '5060', '-nostdin', '-timeout', '30s', '-timeout_error', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', () => undefined);
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()).length > 100_000 && (out = out.slice(-50_000)));
  const done = new Promise<number>((r) => proc.on('exit', (code) => r(code ?? -1)));
  return { proc, done, out: () => out, kill: () => proc.exitCode === null && proc.kill('SIGKILL') };
}
