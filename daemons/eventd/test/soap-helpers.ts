import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, createLogger, EventPublisher, type DaemonContext, type EventDecl } from '@belfry/core';
import { FORWARD, routeServer } from '@belfry/core/http';
import { startTestBus } from '@belfry/core/testing';
import { AUDIO_ACTIONS, AUDIO_EVENTS } from '@belfry/audiod';
import type { FastifyInstance } from 'fastify';
import { Catalogue } from '../src/catalogue.js';
import { INPUT_EVENTS } from '../src/inputs/events.js';
import { scheduleDecls } from '../src/schedules/events.js';
import { SOAP_ROUTES } from '../src/contract/soap.js';
import type { Shared } from '../src/part.js';
import type { OpContext } from '../src/soap/ops.js';
import { provisionalRecipients, type RecipientsLink } from '../src/soap/recipients.js';
import { makeChecks } from '../src/engine/checks.js';
import { checkIcal } from '../src/schedules/recurrence.js';
import { soapHandler } from '../src/soap/service.js';
import { EventdStore } from '../src/store.js';

/** eventd's own topics (the inputs' and the schedules' declarations), as its parts declare them. */
export const EVENTD_EVENTS: EventDecl[] = [...INPUT_EVENTS, ...scheduleDecls(['3'], ['4'])];

export type Who = 'anonymous' | 'viewer' | 'operator' | 'admin';

export interface SoapRig {
  app: FastifyInstance;
  store: EventdStore;
  catalogue: Catalogue;
  shared: Shared;
  stateDir: string;
  /** virtual input changes the service asked for */
  inputs: [number, boolean][];
  post(body: string | Buffer, opts?: { who?: Who; type?: string; headers?: Record<string, string> }): Promise<{ status: number; type: string; body: string }>;
}

/**
 * The SOAP services in this process, as eventd runs them: a real broker carrying audiod's and the
 * inputs' declarations into a real catalogue, a real store on a temporary folder, the route served
 * by core's route server (requests through `inject`, as the front door forwards them).
 */
export async function startSoapRig(t: { teardown(fn: () => unknown): void }, opts: { recipients?: RecipientsLink; shared?: Partial<Shared> } = {}): Promise<SoapRig> {
  const tb = await startTestBus(['eventd', 'audiod']);
  t.teardown(() => tb.stop());
  const stateDir = mkdtempSync(join(tmpdir(), 'eventd-soap-'));
  t.teardown(() => rmSync(stateDir, { recursive: true, force: true }));
  const catalogue = new Catalogue();
  const bus = await tb.connect('eventd');
  await catalogue.start(bus);
  t.teardown(() => catalogue.stop());
  const audiod = await tb.connect('audiod');
  new EventPublisher(audiod, 'audiod').declare(AUDIO_EVENTS);
  new EventPublisher(audiod, 'audiod').declareActions(AUDIO_ACTIONS);
  new EventPublisher(bus, 'eventd').declare(EVENTD_EVENTS);
  const want = AUDIO_EVENTS.length + EVENTD_EVENTS.length;
  await new Promise<void>((resolve) => {
    const done = () => catalogue.eventDecls().length >= want && catalogue.actionDecls().length >= AUDIO_ACTIONS.length && (off(), resolve());
    const off = catalogue.onChange(done);
    done();
  });
  const store = new EventdStore(stateDir);
  store.load();
  const inputs: [number, boolean][] = [];
  // the engine's and the schedules part's checks, as eventd's parts offer them; virtual inputs recorded
  const shared: Shared = { localActions: new Map(), virtualInputs: { set: (port, active) => (inputs.push([port, active]), true) }, checkSchedule: checkIcal };
  Object.assign(shared, makeChecks(catalogue, store, shared), opts.shared);
  const ctx = { audit: new AuditLog(join(stateDir, 'log'), 'eventd'), log: createLogger('eventd', 'silent') } as unknown as DaemonContext;
  const c: OpContext = { ctx, store, catalogue, shared, recipients: opts.recipients ?? provisionalRecipients };
  const app = routeServer(SOAP_ROUTES, { '/vapix/services': soapHandler(c) });
  await app.ready();
  t.teardown(() => app.close());
  const post: SoapRig['post'] = async (body, o = {}) => {
    const who = o.who ?? 'admin';
    const r = await app.inject({
      method: 'POST',
      url: '/vapix/services',
      payload: body,
      headers: { 'content-type': o.type ?? 'application/soap+xml; charset=utf-8', [FORWARD.role]: who, [FORWARD.via]: who === 'anonymous' ? 'anonymous' : 'digest', [FORWARD.user]: who, ...o.headers },
    });
    return { status: r.statusCode, type: String(r.headers['content-type'] ?? ''), body: r.body };
  };
  return { app, store, catalogue, shared, stateDir, inputs, post };
}

const ENV = 'http://www.w3.org/2003/05/soap-envelope';

/** A SOAP 1.2 request around one operation, as the reference's examples write it. */
export function soap(op: string, bodyNs = 'xmlns:act="http://www.axis.com/vapix/ws/action1" xmlns:aev="http://www.axis.com/vapix/ws/event1" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:tns1="http://www.onvif.org/ver10/topics" xmlns:tnsaxis="http://www.axis.com/2009/event/topics"'): string {
  return `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${ENV}"><SOAP-ENV:Header/><SOAP-ENV:Body ${bodyNs}>${op}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;
}

/** The fault of an answer: code, subcode, reason (regex reads: the answers are ours and flat). */
export function faultOf(xml: string): { code?: string; subcode?: string; reason?: string } {
  const code = /<SOAP-ENV:Code><SOAP-ENV:Value>([^<]*)<\/SOAP-ENV:Value>/.exec(xml)?.[1];
  const subcode = /<SOAP-ENV:Subcode><SOAP-ENV:Value>([^<]*)</.exec(xml)?.[1];
  const text = /<SOAP-ENV:Text[^>]*>([^<]*)</.exec(xml)?.[1];
  const reason = text?.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
  return { code, subcode, reason };
}

/** Text of every element with this exact qualified name. */
export function texts(xml: string, qname: string): string[] {
  return [...xml.matchAll(new RegExp(`<${qname}>([^<]*)</${qname}>`, 'g'))].map((m) => m[1]!);
}

export const PLAY_PARAMS = '<act:Parameters><act:Parameter Name="location" Value="/etc/audioclips/MediaClip.M0.au"/><act:Parameter Name="audiooutput" Value=""/><act:Parameter Name="audiodeviceid" Value="0"/><act:Parameter Name="audiooutputid" Value="0"/><act:Parameter Name="repeat" Value="0"/><act:Parameter Name="volume" Value="100"/></act:Parameters>';

export const addPlay = (name = 'Play doorbell', params = PLAY_PARAMS) =>
  soap(`<act:AddActionConfiguration><act:NewActionConfiguration><act:Name>${name}</act:Name><act:TemplateToken>com.axis.action.fixed.play.audioclip</act:TemplateToken>${params}</act:NewActionConfiguration></act:AddActionConfiguration>`);
