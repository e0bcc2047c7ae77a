import net from 'node:net';
import { BelfryError } from '@belfry/core';
import { cutBytes, SEND_LIMITS, sendError, TEST_TEXT, totalSignal, type Message, type Sender, type SendLimits, type Target } from './kind.js';
import { paramValue } from './templates.js';

/** Connects, writes the message, closes (half-close, then waits for the peer's close or the limit). */
async function sendTcp(t: Target, msg: Message, signal: AbortSignal, lim: SendLimits = SEND_LIMITS): Promise<void> {
  const host = paramValue(t.template, t.params, 'host');
  const port = Number(paramValue(t.template, t.params, 'port'));
  const s = totalSignal(signal, lim);
  try {
    await new Promise<void>((resolve, reject) => {
      const sock = net.connect({ host, port, signal: s });
      const connect = setTimeout(() => sock.destroy(new BelfryError('timeout', `no connection within ${lim.connectMs} ms`)), lim.connectMs);
      sock.on('error', (e) => (clearTimeout(connect), reject(e)));
      sock.on('connect', () => {
        clearTimeout(connect);
        sock.end(cutBytes(msg.text), () => (sock.destroy(), resolve()));
      });
      sock.on('data', () => undefined); // a peer that answers is not read, only drained
    });
  } catch (e) {
    throw sendError(`TCP ${host}:${port}`, e, s);
  }
}

export const tcpSender: Sender = {
  send: sendTcp,
  test: (t, signal, lim) => sendTcp(t, { text: TEST_TEXT + '\n' }, signal, lim),
};
