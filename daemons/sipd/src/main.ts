import { networkInterfaces } from 'node:os';
import { BelfryError, eventDecl, type ActionDecl, type DaemonContext, type DaemonModule, type HandlersOf } from '@belfry/core';
import { AccountStore } from './accounts.js';
import { SIPD, SIPD_EVENTS, SIPD_ROUTES } from './contract.js';
import { sequencesFromParams, type DtmfSequence } from './dtmf.js';
import { audiodMedia, type Media } from './media.js';
import type { SipSettings } from './service.js';
import { callStatus, vapixCall, type SipSide } from './vapix-call.js';

export type { SipdContract } from './contract.js';

/** Rule actions (eventd runs them by calling sipd over the bus). */
export const SIP_ACTIONS: ActionDecl[] = [
  { id: 'com.axis.action.fixed.sip.call', niceName: 'Make a call', service: 'sipd', method: 'call', params: [{ name: 'to', type: 'string', niceName: 'SIP address' }, { name: 'account', type: 'string', optional: true, niceName: 'SIP account id (default account when empty)' }] },
  { id: 'com.axis.action.fixed.sip.answer', niceName: 'Answer call', service: 'sipd', method: 'answer', params: [] },
  { id: 'com.axis.action.fixed.sip.hangup', niceName: 'End call', service: 'sipd', method: 'hangup', params: [] },
];

/** The address SIP binds and advertises: SIP_ADDRESS, else the first non-loopback IPv4 address, else loopback. */
export function sipAddress(env = process.env): string {
  if (env.SIP_ADDRESS) return env.SIP_ADDRESS;
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
  return '127.0.0.1';
}

/**
 * sipd while SIP is disabled (the default): no sockets, no calls, and sip.js not loaded — it and the
 * SIP side (`service.ts`) cost the network host ~2.3 MB of heap and ~90 ms of CPU at start, for a
 * feature that is off until SIP.Enabled=yes.
 */
const SIP_OFF: SipSide = {
  agents: [],
  agentFor: () => undefined,
  calls: { list: () => [], get: () => undefined, answer: () => 0, hangup: () => 0, outgoing: () => { throw new BelfryError('failed_precondition', 'SIP is not enabled'); } },
  start: async () => undefined,
  stop: async () => undefined,
};

/** A sipd with its media given (tests hand it a media of their own; the device's is audiod). */
export function createSipd(opts: { media?: (ctx: DaemonContext) => Media; address?: string } = {}): DaemonModule {
  return {
    name: 'sipd',
    async start(ctx) {
      const store = new AccountStore(ctx.stateDir, ctx.audit);
      store.load();
      let settings = (await ctx.params.settings('SIP')) as SipSettings;
      let sequences: DtmfSequence[] = sequencesFromParams(await ctx.params.list('SIP.DTMF').catch(() => ({})));
      const media = opts.media?.(ctx) ?? audiodMedia(ctx.rpc, ctx.bus);
      const address = opts.address ?? sipAddress();
      const sipSide = async (): Promise<SipSide> => (settings.Enabled ? new (await import('./service.js')).SipService(ctx, { address, store, media, settings: () => settings, sequences: () => sequences }) : SIP_OFF);
      let service = await sipSide();
      ctx.events.declare(Object.values(SIPD_EVENTS).map(eventDecl));
      ctx.events.declareActions(SIP_ACTIONS);
      // a change of the sockets or of the accounts restarts the SIP side (calls end); the rest is read live
      let restarting = Promise.resolve();
      const restart = () => {
        restarting = restarting.then(async () => {
          await service.stop();
          service = await sipSide();
          await service.start().catch((err: unknown) => ctx.log.error({ err: String(err) }, 'sip: could not start'));
        });
        return restarting;
      };
      const offSettings = await ctx.params.watchSettings('SIP', (s, changed) => {
        settings = s as SipSettings;
        if (changed.some((n) => /^(root\.)?SIP\.(Enabled|Port|TLSPort)$/.test(n))) void restart();
      });
      const offDtmf = ctx.params.onChange('SIP.DTMF', () => {
        void ctx.params.list('SIP.DTMF').then((v) => (sequences = sequencesFromParams(v)), () => undefined);
      });
      const offAccounts = store.onChange(() => void restart());
      await service.start().catch((err: unknown) => ctx.log.error({ err: String(err) }, 'sip: could not start'));

      const handlers: HandlersOf<typeof SIPD> = {
        call: ({ to, account }) => {
          // a rule's action passes every parameter, an unset one as ''
          const agent = service.agentFor(account || undefined);
          if (!agent) throw new BelfryError('failed_precondition', `SIP is not enabled or account ${account ?? '(default)'} is not active`);
          return { callId: service.calls.outgoing(agent, to).id };
        },
        answer: ({ callId }) => ({ answered: service.calls.answer(callId) }),
        hangup: ({ callId }) => ({ ended: service.calls.hangup(callId) }),
        status: () => ({ calls: service.calls.list().map(callStatus), network: { ...(service.network?.stats ?? {}) } }),
      };
      await ctx.serve(SIPD, handlers);
      await ctx.serveHttp(SIPD_ROUTES, { '/vapix/call': vapixCall({ ctx, store, service: () => service, settings: () => settings, codecs: () => media.codecs(), settled: () => restarting }) });
      return {
        async stop() {
          offSettings();
          offDtmf();
          offAccounts();
          await restarting;
          await service.stop();
        },
      };
    },
  };
}

/** sipd: SIP signalling on sip.js with its own UDP/TCP/TLS transports (see README). */
export const daemon: DaemonModule = createSipd();
