import type { DaemonContext, Role } from '@belfry/core';
import type { ClientOf } from '@belfry/core/contract';
import type { XmlEl } from '@belfry/core/xml';
import type { HTTPD } from '@belfry/httpd/contract';
import type { SoapRequest } from './envelope.js';

/**
 * Least rights of an operation. `pre`: ONVIF's PRE_AUTH class, open to anyone (and never refused for
 * wrong credentials). Otherwise the access classes map onto roles: READ_SYSTEM, READ_MEDIA → viewer;
 * READ_SYSTEM_SENSITIVE, ACTUATE → operator; READ_SYSTEM_SECRET, WRITE_SYSTEM, UNRECOVERABLE → admin.
 */
export type Least = 'pre' | Role;

/** The request as an operation sees it. */
export interface Call {
  req: SoapRequest;
  user: string;
  role: Role | 'anonymous';
  addr: string;
  /** `http://<Host>` (scheme and port as the client reached us): every XAddr and URI starts with it */
  base(): string;
  /** the Host header's host name or address, without the port (for the RTSP URI) */
  hostname(): string;
  /** the subscription addressed: the SubscriptionId header, else the address's `subscription=` */
  subscription?: string;
  /** the request's abort signal (a PullMessages held while the client went away ends) */
  signal: AbortSignal;
}

/** What operations use: the daemon's context and the owners they ask. */
export interface OpContext {
  ctx: DaemonContext;
  httpd: ClientOf<typeof HTTPD>;
}

export interface Operation {
  ns: string;
  least: Least;
  /** answers the operation's response element (XML), or throws an SoapFault */
  run(op: XmlEl, c: OpContext, call: Call): string | Promise<string>;
}

/** Operations keyed by local name; a name served by several services is keyed `ns|name` too. */
export type OperationTable = Record<string, Operation>;
