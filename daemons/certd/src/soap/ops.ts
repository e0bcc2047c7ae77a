import type { XmlEl } from '@belfry/core/xml';
import type { CertStore, Who } from '../store/types.js';

/** The params the web server and 802.1X operations read and write (paramd on a device; a ParamDb in tests). */
export interface ParamsPort {
  get(names: string[]): Promise<Record<string, string>>;
  /** one all-or-nothing batch, durable before it returns */
  update(changes: Record<string, string>): Promise<void>;
}

/** What the operations beyond the store need from the daemon. */
export interface SoapEnv {
  params: ParamsPort;
  audit(action: string, fields: Record<string, unknown>): void;
  /** holds httpd's TLS reload (certd's HTTPS notice) until the returned release is called */
  holdTls(): () => void;
}

/** Per request: the daemon's environment (absent in store-only tests), and work for after the answer is sent. */
export interface OpExtra {
  env(): SoapEnv;
  afterReply(fn: () => void): void;
}

/** One operation: the request element in, the Body's content out. */
export type Op = (el: XmlEl, store: CertStore, who: Who, x: OpExtra) => Promise<string>;
